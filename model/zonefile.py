"""Zone files (YAML) to :class:`~bgpcascade.model.topology.Zone`, with one-line errors.

Two forms load into the same Zone (docs/zone-format.md):

- compact: ``spines`` + ``shards`` with counts, for big zones; member names are generated
  (``spine1``, ``<shard>-rr1``, ``<shard>-c1``: a contract);
- explicit: ``speakers`` + ``sessions``, for any graph (labs, imported configs).

Validation turns every problem into ONE :class:`~bgpcascade.model.errors.InputError`,
``file:line: field: problem (allowed: ...)``. The schema is pydantic
(:mod:`bgpcascade.model.zone_schema`, re-exported here: strict types, unknown keys
rejected); the rules pydantic cannot say (RFC 4271 §4.2 hold time through
:mod:`bgpcascade.model.rules`, keepalive vs hold, sessions to unknown speakers, RR
hierarchy cycles, ...) are checked here after it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from fractions import Fraction
from ipaddress import IPv4Address
from typing import Annotated, Any, get_args, get_origin

import networkx as nx
import yaml
from pydantic import BaseModel, ValidationError

from . import identifiers, rules
from .arith import PY
from .errors import InputError
from .profiles import BUILTIN_PROFILES, JITTER_TIMERS, Profile
from .topology import (
    MAX_DEFAULT_IDS,
    IPAddress,
    NameRange,
    Role,
    SessionGroup,
    SessionKind,
    SpeakerGroup,
    Timers,
    Zone,
    check_name,
)
from .zone_schema import (
    MAX_CLIENTS,
    MAX_RRS,
    SPINE_CLUSTER_ID,
    ClusterMode,
    CompactZoneSpec,
    ExplicitZoneSpec,
    NonNegFloat,
    NonNegInt,
    PositiveFloat,
    ProfileSpec,
    Seconds,
    SessionSpec,
    ShardSpec,
    SpeakerSpec,
    SpinesSpec,
    TimersSpec,
    zone_json_schema,
)

__all__ = [
    "MAX_CLIENTS", "MAX_RRS", "SPINE_CLUSTER_ID", "ClusterMode", "CompactZoneSpec",
    "ExplicitZoneSpec", "NonNegFloat", "NonNegInt", "Path", "PositiveFloat", "ProfileSpec",
    "Seconds", "SessionSpec", "ShardSpec", "SpeakerSpec", "SpinesSpec", "TimersSpec",
    "load_zone", "parse_yaml", "zone_from_data", "zone_json_schema",
]

Path = tuple[str | int, ...]

# ----------------------------------------------------------------------------------------
# YAML with line numbers.


def _loader_class() -> type[yaml.SafeLoader]:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Path, int]]:
    """Parse YAML ``text``; return the data and a map from key path to 1-based line.

    Duplicate keys in a mapping are an error (YAML 1.2 forbids them; PyYAML would keep
    the last silently), and so are keys YAML does not read as text (``on:``, ``1:``).
    Both are checked on the composed nodes, before construction expands ``<<`` merge
    keys (whose overrides are not duplicates).
    """
    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError("the file is empty", source=source, line=1,
                             allowed="a compact (shards:) or explicit (speakers:) zone")
        lines: dict[Path, int] = {(): node.start_mark.line + 1}
        _walk(node, (), lines, source, set())
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        raise InputError(f"invalid YAML: {exc.problem or exc.context}", source=source,
                         line=line) from None
    except yaml.reader.ReaderError as exc:  # a character YAML refuses: where it is
        what = f"#x{exc.character:04x}" if isinstance(exc.character, int) else \
            repr(exc.character)
        raise InputError(f"invalid YAML: character {what}: {exc.reason}", source=source,
                         line=text.count("\n", 0, exc.position) + 1,
                         allowed="printable Unicode text (YAML 1.1 §5.1)") from None
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", source=source, line=1) from None
    finally:
        loader.dispose()
    return data, lines


_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_KEY_KINDS = {"bool": "a boolean", "int": "an integer", "float": "a number",
              "null": "null", "timestamp": "a date", "seq": "a list", "map": "a mapping"}


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int], source: str,
          visited: set[int]) -> None:
    # An alias is the anchored node itself: walk it once (its errors get the alias's line,
    # and nested aliases cannot blow up the walk).
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            raw = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
            key = str(raw)
            sub = (*path, key)
            line = key_node.start_mark.line + 1
            if key_node.tag not in (_STR_TAG, _MERGE_TAG):
                kind = key_node.tag.rsplit(":", 1)[-1]
                raise InputError(
                    f"YAML reads key {key} as {_KEY_KINDS.get(kind, kind)}, not text",
                    source=source, line=line, field=_dotted(sub),
                    allowed=f"a text key; put it in quotes ('{key}')",
                )
            if key in seen:
                raise InputError(
                    "duplicate key", source=source, line=line,
                    field=_dotted(sub), allowed="each key once per mapping",
                )
            seen.add(key)
            lines[sub] = line
            _walk(value_node, sub, lines, source, visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines[sub] = item.start_mark.line + 1
            _walk(item, sub, lines, source, visited)


def _dotted(path: Sequence[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top)"


def _line(lines: Mapping[Path, int], path: Sequence[str | int]) -> int | None:
    p = tuple(path)
    while p not in lines and p:
        p = p[:-1]
    return lines.get(p)


# ----------------------------------------------------------------------------------------
# pydantic errors to one line.


def _model_at(root: type[BaseModel], loc: Sequence[str | int]) -> type[BaseModel] | None:
    """The pydantic model that holds the last element of ``loc``."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(str(part))
            if info is None:
                return None
            model = info.annotation
        else:
            args = [a for a in get_args(model) if a is not type(None)]
            origin = get_origin(model)
            if origin in (list, dict):
                model = args[-1]
            elif args:
                model = args[0]
            else:
                return None
        while get_origin(model) is not None and get_origin(model) not in (list, dict):
            args = [a for a in get_args(model) if a is not type(None)]
            model = args[0] if args else model
            if get_origin(model) is Annotated:
                model = get_args(model)[0]
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


_TYPE_NAMES = {
    "int_type": "integer", "int_from_float": "integer", "float_type": "number",
    "string_type": "string", "bool_type": "true or false", "list_type": "list",
    "dict_type": "mapping", "model_type": "mapping", "model_attributes_type": "mapping",
}


def _from_validation(
    exc: ValidationError, root: type[BaseModel], source: str, lines: Mapping[Path, int]
) -> InputError:
    errors = exc.errors(include_url=False)

    def where(err: Any) -> tuple[int, str]:
        return (_line(lines, err["loc"]) or 0, _dotted(err["loc"]))

    err = min(errors, key=where)
    loc = tuple(err["loc"])
    # Union members add their tag to loc (e.g. ('timers', 'hold', 'float')): drop it.
    while loc and isinstance(loc[-1], str) and loc[-1] in ("float", "int", "str", "bool",
                                                           "list[str]", "TimersSpec"):
        loc = loc[:-1]
    line = _line(lines, loc)
    field = _dotted(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "extra_forbidden":
        model = _model_at(root, loc)
        allowed = ", ".join(model.model_fields) if model else None
        return InputError("unknown key", source=source, line=line, field=field, allowed=allowed)
    if kind == "missing":
        return InputError("required key is missing", source=source, line=line, field=field)
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        op = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<",
              "less_than_equal": "<="}[kind]
        bound = next(iter(ctx.values()))
        return InputError(f"{value!r} is not allowed", source=source, line=line, field=field,
                          allowed=f"{op} {_message_number(bound)}")
    if kind == "finite_number":
        return InputError(f"{value!r} is not allowed", source=source, line=line, field=field,
                          allowed="a finite number")
    if kind == "too_short":
        return InputError("must not be empty", source=source, line=line, field=field,
                          allowed=f"at least {ctx.get('min_length', 1)} item(s)")
    if kind == "literal_error":
        return InputError(f"{value!r} is not allowed", source=source, line=line, field=field,
                          allowed=str(ctx.get("expected", "")).replace(" or ", ", "))
    if kind in _TYPE_NAMES:
        return InputError(f"{value!r} has the wrong type", source=source, line=line,
                          field=field, allowed=_TYPE_NAMES[kind])
    return InputError(str(err["msg"]), source=source, line=line, field=field)


def _message_number(x: Any) -> str:
    """A number as an error message shows it: ``3`` for ``3.0``, else as ``str`` gives it."""
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


# ----------------------------------------------------------------------------------------
# Loading.


def load_zone(text: str, source: str = "<string>") -> Zone:
    """Parse and validate a zone file's text into a :class:`Zone`.

    Raises :class:`InputError` (one line) for anything wrong.

    >>> z = load_zone('zone: lab\\nshards: [{name: a, clients: 3, routes_per_client: 10}]')
    >>> [g.key for g in z.groups]
    ['a-rr1', 'a-rr2', '[a-c1..a-c3]']
    """
    data, lines = parse_yaml(text, source)
    return zone_from_data(data, source, lines)


def zone_from_data(data: Any, source: str = "<data>",
                   lines: Mapping[Path, int] | None = None) -> Zone:
    """Validate already-parsed data (from YAML or JSON) into a :class:`Zone`."""
    lines = lines or {}
    if not isinstance(data, dict):
        raise InputError(f"top level is a {type(data).__name__}", source=source,
                         line=_line(lines, ()), allowed="a mapping with zone: and shards: "
                         "(compact) or speakers: (explicit)")
    if "shards" in data and "speakers" in data:
        raise InputError("both 'shards' (compact form) and 'speakers' (explicit form)",
                         source=source, line=_line(lines, ("speakers",)), field="speakers",
                         allowed="one form per file")
    root: type[BaseModel]
    if "shards" in data:
        root = CompactZoneSpec
    elif "speakers" in data:
        root = ExplicitZoneSpec
    else:
        raise InputError("neither 'shards' (compact form) nor 'speakers' (explicit form)",
                         source=source, line=_line(lines, ()),
                         allowed="a compact or explicit zone, see `bgpcascade schema`")
    try:
        spec = root.model_validate(data)
    except ValidationError as exc:
        raise _from_validation(exc, root, source, lines) from None
    ctx = _Ctx(source, lines)
    check_name(spec.zone, field="zone", source=source, line=ctx.line(("zone",)))
    if isinstance(spec, CompactZoneSpec):
        return _build_compact(spec, ctx)
    assert isinstance(spec, ExplicitZoneSpec)
    return _build_explicit(spec, ctx)


class _Ctx:
    def __init__(self, source: str, lines: Mapping[Path, int]) -> None:
        self.source = source
        self.lines = lines

    def line(self, path: Path) -> int | None:
        return _line(self.lines, path)

    def error(self, path: Path, problem: str, allowed: str | None = None) -> InputError:
        return InputError(problem, source=self.source, line=self.line(path),
                          field=_dotted(path), allowed=allowed)


def _frac(x: float) -> Fraction:
    return Fraction(str(x)) if isinstance(x, float) else Fraction(x)


def _timers(parent: Timers, spec: TimersSpec | None, path: Path, ctx: _Ctx) -> Timers:
    """Apply one level of timer overrides (RFC 4271 §4.2, §10 rules checked here).

    A level that sets ``hold`` but not ``keepalive`` gets keepalive = hold/3 (§10).
    """
    if spec is None:
        return parent
    hold = _frac(spec.hold) if spec.hold is not None else parent.hold
    if spec.keepalive is not None:
        keepalive = _frac(spec.keepalive)
    elif spec.hold is not None:
        keepalive = rules.default_keepalive(PY, hold)
    else:
        keepalive = parent.keepalive
    retry = _frac(spec.connect_retry) if spec.connect_retry is not None else parent.connect_retry
    if not rules.hold_acceptable(hold):
        raise ctx.error((*path, "hold"), f"{_message_number(float(hold))} s is not allowed",
                        f"0, or >= {rules.MIN_HOLD} seconds (RFC 4271 §4.2)")
    if hold == 0 and keepalive != 0:
        # Only a keepalive set at this level gets here: a hold set here without one gives
        # hold/3 = 0, and an inherited pair was checked at its own level.
        raise ctx.error((*path, "keepalive"), f"{_message_number(float(keepalive))} s with hold 0",
                        "0 when hold is 0: no KEEPALIVEs (RFC 4271 §4.4)")
    if keepalive > hold:
        kpath = (*path, "keepalive") if spec.keepalive is not None else (*path, "hold")
        raise ctx.error(kpath, f"keepalive {_message_number(float(keepalive))} s > hold "
                        f"{_message_number(float(hold))} s",
                        "keepalive <= hold (RFC 4271 §10: hold/3)")
    if hold > 0 and keepalive == 0:
        raise ctx.error((*path, "keepalive"), "0 with a non-zero hold time would expire "
                        "every session", f"> 0 and <= hold ({_message_number(float(hold))} s)")
    if spec.connect_retry is not None and not 1 <= retry <= 65535:
        raise ctx.error((*path, "connect_retry"),
                        f"{_message_number(float(retry))} s is not allowed",
                        "1..65535 seconds (FRR `timers connect` range; RFC 4271 §10: 120)")
    if not rules.hold_fits_open(hold):
        raise ctx.error((*path, "hold"), f"{_message_number(float(hold))} s is not allowed",
                        f"<= {rules.MAX_HOLD} (a 2-octet field, RFC 4271 §4.2)")
    return Timers(hold=hold, keepalive=keepalive, connect_retry=retry)


def _profiles(specs: Mapping[str, ProfileSpec], ctx: _Ctx) -> dict[str, Profile]:
    """Built-in profiles plus the file's own, each resolved through its ``base`` chain."""
    resolved: dict[str, Profile] = dict(BUILTIN_PROFILES)
    pending = dict(specs)
    for name in specs:
        check_name(name, field=f"profiles.{name}", source=ctx.source,
                   line=ctx.line(("profiles", name)))

    def resolve(name: str, chain: tuple[str, ...]) -> Profile:
        """Resolve the pending profile ``name`` (callers check it is pending)."""
        spec = pending[name]
        base = spec.base if spec.base is not None else name
        if spec.base is None and name not in BUILTIN_PROFILES:
            raise ctx.error(("profiles", name), "a new profile needs a base",
                            "base: " + ", ".join(sorted(BUILTIN_PROFILES)))
        path = (*chain, name)
        if base in path and not (base == name and name in BUILTIN_PROFILES):
            cycle = (*path[path.index(base) :], base)
            raise ctx.error(("profiles", name, "base"), f"cycle of bases: "
                            f"{' -> '.join(cycle)}", "a chain ending in a built-in")
        if base == name:
            parent = BUILTIN_PROFILES[name]
        elif base in pending:
            parent = resolve(base, (*chain, name))
        elif base in specs:  # the file's own, resolved already (it may override a built-in)
            parent = resolved[base]
        elif base in BUILTIN_PROFILES:
            parent = BUILTIN_PROFILES[base]
        else:
            raise ctx.error(("profiles", name, "base"), f"unknown profile {base!r}",
                            ", ".join(sorted(set(BUILTIN_PROFILES) | set(specs))))
        overrides = {k: v for k, v in spec.model_dump(exclude={"base"}).items()
                     if v is not None}
        if "jitter" in overrides:
            overrides["jitter"] = _jitter_rows(ctx, name, overrides["jitter"])
        profile = parent.overridden(name, overrides)
        if profile.idle_hold_max < profile.idle_hold_initial:
            raise ctx.error(("profiles", name, "idle_hold_max"),
                            f"{_message_number(profile.idle_hold_max)} < idle_hold_initial "
                            f"{_message_number(profile.idle_hold_initial)}", ">= idle_hold_initial")
        resolved[name] = profile
        del pending[name]
        return profile

    for name in list(specs):
        if name in pending:
            resolve(name, ())
    return dict(sorted(resolved.items()))


def _jitter_rows(ctx: _Ctx, name: str, table: Mapping[str, Sequence[float]]
                 ) -> tuple[tuple[str, float, float], ...]:
    """A profile's ``jitter`` table as the profile's rows, in the timers' order; a low
    bound above the high one is refused (RFC 4271 §10: a factor in [low, high])."""
    rows = []
    for timer in JITTER_TIMERS:
        if timer in table:
            low, high = table[timer]
            if low > high:
                raise ctx.error(("profiles", name, "jitter", timer),
                                f"low {_message_number(low)} > high {_message_number(high)}",
                                "[low, high] with low <= high, e.g. [0.75, 1.0]")
            rows.append((timer, low, high))
    return tuple(rows)


def _check_profile_ref(name: str, profiles: Mapping[str, Profile], path: Path, ctx: _Ctx) -> None:
    if name not in profiles:
        raise ctx.error(path, f"unknown profile {name!r}", ", ".join(profiles))


def _group_key(names: Sequence[str] | NameRange) -> str:
    """Key of a group: the name of a single speaker, ``[first..last]`` otherwise."""
    if len(names) == 1:
        return names[0]
    return f"[{names[0]}..{names[len(names) - 1]}]"


def _build_compact(spec: CompactZoneSpec, ctx: _Ctx) -> Zone:
    timers = _timers(Timers(), spec.timers, ("timers",), ctx)
    profiles = _profiles(spec.profiles, ctx)
    groups: list[SpeakerGroup] = []
    sessions: list[SessionGroup] = []
    spine_keys: list[str] = []
    if spec.spines is not None:
        sp = spec.spines
        _check_profile_ref(sp.profile, profiles, ("spines", "profile"), ctx)
        st = _timers(timers, sp.timers, ("spines", "timers"), ctx)
        for i in range(1, sp.count + 1):
            key = f"spine{i}"
            spine_keys.append(key)
            groups.append(SpeakerGroup(
                key=key, names=(key,), role="rr", profile=sp.profile, timers=st,
                routes=sp.routes,
                cluster_id=SPINE_CLUSTER_ID if sp.cluster_id == "shared" else None,
                shard=None, tier=0, capacity=sp.capacity, line=ctx.line(("spines",)),
            ))
        for i, a in enumerate(spine_keys):
            for b in spine_keys[i + 1 :]:
                sessions.append(SessionGroup(a, b, "ibgp"))
    seen: dict[str, int] = {}
    all_rr_keys: list[str] = []
    for idx, sh in enumerate(spec.shards):
        path: Path = ("shards", idx)
        check_name(sh.name, field=_dotted((*path, "name")), source=ctx.source,
                   line=ctx.line((*path, "name")))
        if sh.name in seen:
            raise ctx.error((*path, "name"), f"duplicate shard name {sh.name!r} "
                            f"(also shards[{seen[sh.name]}])", "unique shard names")
        seen[sh.name] = idx
        _check_profile_ref(sh.rr_profile, profiles, (*path, "rr_profile"), ctx)
        _check_profile_ref(sh.client_profile, profiles, (*path, "client_profile"), ctx)
        t = _timers(timers, sh.timers, (*path, "timers"), ctx)
        tier = 1 if spine_keys else 0
        rr_keys = [f"{sh.name}-rr{k}" for k in range(1, sh.rrs + 1)]
        for key in rr_keys:
            groups.append(SpeakerGroup(
                key=key, names=(key,), role="rr", profile=sh.rr_profile, timers=t,
                routes=sh.rr_routes, cluster_id=sh.name if sh.cluster_id == "shared" else None,
                shard=sh.name, tier=tier, capacity=sh.rr_capacity,
                client_to_client=sh.client_to_client, dynamic_neighbors=sh.dynamic_neighbors,
                line=ctx.line(path),
            ))
            for spine in spine_keys:
                sessions.append(SessionGroup(spine, key, "rr-client"))
        names = NameRange(f"{sh.name}-c", sh.clients)
        ckey = _group_key(names)
        groups.append(SpeakerGroup(
            key=ckey, names=names, role="client", profile=sh.client_profile, timers=t,
            routes=sh.routes_per_client, shard=sh.name, tier=tier + 1, line=ctx.line(path),
        ))
        for key in rr_keys:
            sessions.append(SessionGroup(key, ckey, "rr-client"))
        all_rr_keys.extend(rr_keys)
    if not spine_keys:
        for i, a in enumerate(all_rr_keys):
            for b in all_rr_keys[i + 1 :]:
                sessions.append(SessionGroup(a, b, "ibgp"))
    groups = _number_compact(groups, ctx)
    order = {g.key: i for i, g in enumerate(groups)}
    sessions.sort(key=lambda s: (order[s.a], order[s.b]))
    return Zone(name=spec.zone, form="compact", timers=timers, profiles=profiles,
                groups=tuple(groups), sessions=tuple(sessions), source=ctx.source)


def _number_compact(groups: list[SpeakerGroup], ctx: _Ctx) -> list[SpeakerGroup]:
    """Each group's place in declaration order (``first_index``): its members' default
    router ids and addresses (docs/zone-format.md, "Router ids and addresses")."""
    out: list[SpeakerGroup] = []
    first = 1
    for g in groups:
        out.append(replace(g, first_index=first))
        first += g.count
    if first - 1 > MAX_DEFAULT_IDS:
        raise ctx.error(("shards",), f"{first - 1:,} speakers",
                        f"at most {MAX_DEFAULT_IDS:,} (one default address each)")
    return out


def _build_explicit(spec: ExplicitZoneSpec, ctx: _Ctx) -> Zone:
    timers = _timers(Timers(), spec.timers, ("timers",), ctx)
    profiles = _profiles(spec.profiles, ctx)
    index: dict[str, int] = {}
    for i, sp in enumerate(spec.speakers):
        path: Path = ("speakers", i)
        check_name(sp.name, field=_dotted((*path, "name")), source=ctx.source,
                   line=ctx.line((*path, "name")))
        if sp.name in index:
            raise ctx.error((*path, "name"), f"duplicate speaker name {sp.name!r} "
                            f"(also speakers[{index[sp.name]}])", "unique speaker names")
        index[sp.name] = i
        _check_profile_ref(sp.profile, profiles, (*path, "profile"), ctx)
        if sp.cluster_id is not None and (
            isinstance(sp.cluster_id, bool) or not isinstance(sp.cluster_id, str | int)
        ):
            raise ctx.error((*path, "cluster_id"), f"{sp.cluster_id!r} has the wrong type",
                            "string or integer (e.g. 10.0.0.1 or 1)")

    def id_error(i: int, field: str, problem: str, allowed: str) -> InputError:
        return ctx.error(("speakers", i, field), problem, allowed)

    ids = (identifiers.router_ids([sp.router_id for sp in spec.speakers], id_error),
           identifiers.addresses([sp.address for sp in spec.speakers], id_error))
    # Sessions: (a, b, kind) with a = RR side for rr-client.
    pairs: dict[frozenset[str], int] = {}
    edges: list[tuple[str, str, SessionKind]] = []
    for j, se in enumerate(spec.sessions):
        path = ("sessions", j)
        if se.peers is not None:
            if se.rr is not None or se.client is not None:
                raise ctx.error(path, "mixes 'peers' with 'rr'/'client'",
                                "{rr: X, client: Y} or {peers: [X, Y]}")
            if len(se.peers) != 2:
                raise ctx.error((*path, "peers"), f"{len(se.peers)} names",
                                "exactly two speaker names")
            a, b = se.peers
            kind: SessionKind = "ibgp"
            fields: tuple[Path, Path] = ((*path, "peers", 0), (*path, "peers", 1))
        else:
            if se.rr is None or se.client is None:
                missing = "rr" if se.rr is None else "client"
                raise ctx.error((*path, missing), "required key is missing",
                                "{rr: X, client: Y} or {peers: [X, Y]}")
            a, b, kind = se.rr, se.client, "rr-client"
            fields = ((*path, "rr"), (*path, "client"))
        for name, fpath in zip((a, b), fields, strict=True):
            if name not in index:
                raise ctx.error(fpath, f"unknown speaker {name!r}", "a name under speakers:")
        if a == b:
            raise ctx.error(fields[1], f"{a!r} peers with itself", "two different speakers")
        pair = frozenset((a, b))
        if pair in pairs and kind == "rr-client" and edges[pairs[pair]] == (b, a, kind):
            # Each is the other's RR: the shortest RR hierarchy cycle.
            raise ctx.error(("sessions", pairs[pair]), f"RR hierarchy has a cycle: {b} -> {a} "
                            f"-> {b} (each is the RR of the next)", "a hierarchy without cycles")
        if pair in pairs:
            raise ctx.error(path, f"duplicate session {a}~{b} (also sessions[{pairs[pair]}])",
                            "one session per pair of speakers")
        pairs[pair] = j
        edges.append((a, b, kind))
    # RR hierarchy must be acyclic.
    hierarchy = nx.DiGraph()
    hierarchy.add_edges_from((a, b) for a, b, k in edges if k == "rr-client")
    try:
        cycle = nx.find_cycle(hierarchy)
    except nx.NetworkXNoCycle:
        cycle = None
    if cycle:
        names = [u for u, _ in cycle] + [cycle[0][0]]
        first = min(pairs[frozenset(e)] for e in cycle)
        raise ctx.error(("sessions", first), "RR hierarchy has a cycle: "
                        + " -> ".join(names) + " (each is the RR of the next)",
                        "a hierarchy without cycles")
    return _group_explicit(spec, ctx, timers, profiles, edges, hierarchy, ids)


def _group_explicit(
    spec: ExplicitZoneSpec, ctx: _Ctx, timers: Timers, profiles: dict[str, Profile],
    edges: list[tuple[str, str, SessionKind]], hierarchy: Any,
    ids: tuple[tuple[IPv4Address, ...], tuple[IPAddress, ...]],
) -> Zone:
    """Build groups: every RR alone; other speakers merged when interchangeable (each
    member keeps its own router id and address, ``ids``, in declaration order)."""
    rids, addrs = ids
    rrs = {a for a, _, k in edges if k == "rr-client"}
    clients = {b for _, b, k in edges if k == "rr-client"}
    nbrs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for a, b, k in edges:
        nbrs[a].append((b, "client" if k == "rr-client" else "peer"))
        nbrs[b].append((a, "rr" if k == "rr-client" else "peer"))
    tiers: dict[str, int] = {}
    for name in nx.topological_sort(hierarchy):
        preds = list(hierarchy.predecessors(name))
        tiers[name] = 1 + max(tiers[p] for p in preds) if preds else 0
    built: list[tuple[int, SpeakerGroup]] = []  # (first declaration index, group)
    buckets: dict[Any, list[int]] = {}
    speaker_timers: list[Timers] = []
    for i, sp in enumerate(spec.speakers):
        t = _timers(timers, sp.timers, ("speakers", i, "timers"), ctx)
        speaker_timers.append(t)
        if sp.name in rrs:
            continue
        signature = (sp.profile, t, sp.routes, sp.capacity, sp.shard,
                     tuple(sorted(nbrs.get(sp.name, ()))))
        buckets.setdefault(signature, []).append(i)
    for i, sp in enumerate(spec.speakers):
        if sp.name in rrs:
            built.append((i, SpeakerGroup(
                key=sp.name, names=(sp.name,), role="rr", profile=sp.profile,
                timers=speaker_timers[i], routes=sp.routes,
                cluster_id=None if sp.cluster_id is None else str(sp.cluster_id),
                shard=sp.shard, tier=tiers.get(sp.name, 0), capacity=sp.capacity,
                client_to_client=sp.client_to_client, dynamic_neighbors=sp.dynamic_neighbors,
                line=ctx.line(("speakers", i)), first_index=i + 1, router_ids=(rids[i],),
                addresses=(addrs[i],),
            )))
    for members in buckets.values():
        first = spec.speakers[members[0]]
        names = tuple(spec.speakers[m].name for m in members)
        role: Role = "client" if first.name in clients else "peer"
        built.append((members[0], SpeakerGroup(
            key=_group_key(names), names=names, role=role, profile=first.profile,
            timers=speaker_timers[members[0]], routes=first.routes, shard=first.shard,
            tier=tiers.get(first.name, 0), capacity=first.capacity,
            line=ctx.line(("speakers", members[0])), first_index=members[0] + 1,
            router_ids=tuple(rids[m] for m in members),
            addresses=tuple(addrs[m] for m in members),
        )))
    built.sort(key=lambda item: item[0])
    groups = tuple(g for _, g in built)
    key_of = {name: g.key for g in groups for name in g.names}
    order = {g.key: i for i, g in enumerate(groups)}
    session_groups: dict[tuple[str, str, SessionKind], None] = {}
    for a, b, k in edges:
        ga, gb = key_of[a], key_of[b]
        if k == "ibgp" and order[ga] > order[gb]:
            ga, gb = gb, ga
        session_groups.setdefault((ga, gb, k), None)
    sessions = sorted((SessionGroup(a, b, k) for a, b, k in session_groups),
                      key=lambda s: (order[s.a], order[s.b]))
    return Zone(name=spec.zone, form="explicit", timers=timers, profiles=profiles,
                groups=groups, sessions=tuple(sessions), source=ctx.source)

