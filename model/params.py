"""Parameters of a zone that a search varies (``--vary NAME=LO..HI``), and the zone at a point.

A parameter names one number of the zone file: a shard's ``clients``,
``routes_per_client``, ``rr_capacity`` or ``hold``, the spines' ``capacity`` or ``hold``,
the zone's ``hold``, or (explicit zones) a speaker's ``capacity``, ``routes`` or ``hold``.
:meth:`Space.text_at` writes the zone file with those numbers set, so every point of a
search is an ordinary zone file that ``simulate`` runs and a counterexample replays from.

Every parameter is a whole number: clients, routes and work units are counts, and the
hold time is whole seconds on the wire (RFC 4271 §4.2). ``worse`` says which way stresses
the zone: more clients or routes, less capacity or hold time.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Literal

import yaml

from . import rules
from .arith import PY
from .dynamics import Trigger
from .errors import InputError
from .topology import Zone
from .zonefile import load_zone

Worse = Literal["up", "down"]

#: What each field name means, which way is worse, and where it lives.
FIELDS: dict[str, tuple[Worse, str]] = {
    "clients": ("up", "clients of the shard"),
    "routes_per_client": ("up", "routes each client of the shard originates"),
    "rr_capacity": ("down", "capacity of each RR of the shard (work units/s)"),
    "capacity": ("down", "capacity (work units/s) of the spines, or of one speaker"),
    "routes": ("up", "routes one speaker originates (explicit zones)"),
    "hold": ("down", "hold time in seconds (keepalive follows at hold/3 unless set apart)"),
    "spike": ("up", "work units of every --spike trigger"),
}

NAMES_HELP = ("<shard>.clients, <shard>.routes_per_client, <shard>.rr_capacity, "
              "<shard>.hold, spines.capacity, spines.hold, hold, spike (with --spike); "
              "explicit zones: <speaker>.capacity, <speaker>.routes, <speaker>.hold")

_RANGE = re.compile(r"^\s*(\d+)\s*\.\.\s*(\d+)\s*(?:/\s*(\d+)\s*)?$")


@dataclass(frozen=True)
class Param:
    """One varied number: ``name`` (as the CLI spells it), its range and current value."""

    name: str
    lo: int
    hi: int
    current: int
    worse: Worse
    where: tuple[str | int, ...]  # the path of the field in the zone file's data
    step: int = 1  # the resolution: values are safe_end +- k * step

    def on_grid(self, v: int) -> bool:
        """Is ``v`` one of the values searched?"""
        return (v - self.safe_end) % self.step == 0

    @property
    def safe_end(self) -> int:
        """The least stressed end of the range."""
        return self.lo if self.worse == "up" else self.hi

    @property
    def unit(self) -> str:
        """What the number counts, for messages."""
        field = self.name.rsplit(".", 1)[-1]
        return {"clients": "clients", "routes_per_client": "routes per client",
                "rr_capacity": "units/s", "capacity": "units/s", "routes": "routes",
                "hold": "s hold", "spike": "work units"}[field]


class Space:
    """A zone file and the parameters varied over it."""

    def __init__(self, text: str, source: str, zone: Zone | None = None) -> None:
        self.text = text
        self.source = source
        self.zone = zone if zone is not None else load_zone(text, source=source)
        data = yaml.safe_load(text)
        if not isinstance(data, dict):  # load_zone accepted it, so this cannot happen
            raise InputError("not a mapping", source=source)
        self.data: dict[str, Any] = data
        self.params: list[Param] = []
        self._zones: dict[tuple[int, ...], Zone] = {}

    # -- parsing --vary ------------------------------------------------------------------
    def add(self, text: str, spike: int | None = None) -> Param:
        """Parse ``NAME=LO..HI`` (or ``NAME=LO..HI/STEP``, or ``NAME=V`` for one value)
        and add the parameter. With STEP the values searched are the safe end of the range
        plus or minus multiples of STEP (the resolution of a boundary). ``spike``: the
        work of the run's --spike triggers, the current value of the parameter ``spike``
        (None when there is no spike trigger)."""
        flag = "--vary"
        name, eq, rng = text.partition("=")
        name = name.strip()
        if not eq:
            raise InputError(f"{text!r} has no range", field=flag,
                             allowed="NAME=LO..HI, e.g. a.clients=100..2000")
        m = _RANGE.match(rng)
        if m is None and rng.strip().isdigit():
            m = _RANGE.match(f"{rng.strip()}..{rng.strip()}")
        if m is None:
            raise InputError(f"{text!r}: {rng!r} is not a range of whole numbers",
                             field=flag, allowed="LO..HI[/STEP] with 0 <= LO <= HI, e.g. "
                             "100..2000 or 100000..5000000/10000")
        lo, hi = int(m.group(1)), int(m.group(2))
        step = int(m.group(3)) if m.group(3) else 1
        if step < 1:
            raise InputError(f"{text!r}: step {step}", field=flag, allowed="STEP >= 1")
        if lo > hi:
            raise InputError(f"{text!r}: {lo} > {hi}", field=flag, allowed="LO <= HI")
        if any(p.name == name for p in self.params):
            raise InputError(f"{name} is varied twice", field=flag,
                             allowed="each parameter once")
        if name == "spike":
            if spike is None:
                raise InputError(f"{text!r}: no --spike trigger to vary", field=flag,
                                 allowed="--spike SPEAKER:WORK@T with --vary spike=LO..HI")
            if lo < 1:
                raise InputError(f"{text!r}: a spike of {lo} units", field=flag,
                                 allowed="LO >= 1")
            param = Param(name, lo, hi, spike, "up", (), step)
            self.params.append(param)
            return param
        where, worse, current = self._locate(name, text)
        if where[-1] == "hold" and _unacceptable_holds(lo, hi):
            raise InputError(f"{text!r}: the range holds hold times 1 and 2", field=flag,
                             allowed=f"0, or a range of hold times >= {rules.MIN_HOLD} "
                             "(RFC 4271 §4.2)")
        param = Param(name, lo, hi, current, worse, where, step)
        self.params.append(param)
        for end in sorted({lo, hi}):
            try:
                self.zone_at({name: end})
            except InputError as exc:
                self.params.pop()
                raise InputError(f"{text!r}: at {name}={end} the zone is invalid: "
                                 f"{exc.problem}", field=flag,
                                 allowed=exc.allowed or "a range the zone format accepts") \
                    from None
        return param

    def _locate(self, name: str, text: str) -> tuple[tuple[str | int, ...], Worse, int]:
        owner, dot, field = name.rpartition(".")
        if not dot:
            owner, field = "", name
        if field not in FIELDS:
            raise InputError(f"{text!r}: unknown parameter {name!r}", field="--vary",
                             allowed=NAMES_HELP)
        worse = FIELDS[field][0]
        zone = self.zone
        if field == "hold":
            base: tuple[str | int, ...] = ()
            if owner == "spines" and "spines" in self.data:
                base = ("spines",)
            elif owner:
                base = self._owner_path(owner, text)
            return (*base, "timers", "hold"), worse, int(self._effective_hold(base))
        if owner == "spines" and field == "capacity" and "spines" in self.data:
            groups = [g for g in zone.groups if g.tier == 0 and g.is_rr and g.shard is None]
            current = zone.profile_of(groups[0]).capacity if groups else 0
            return ("spines", "capacity"), worse, _whole(current, name)
        shard_fields = ("clients", "routes_per_client", "rr_capacity")
        if "shards" in self.data and field in shard_fields:
            path = self._owner_path(owner, text)
            if field == "rr_capacity":
                rr = [g for g in zone.groups if g.shard == owner and g.is_rr]
                current = zone.profile_of(rr[0]).capacity if rr else 0
                return (*path, field), worse, _whole(current, name)
            return (*path, field), worse, int(self._get((*path, field)))
        if "speakers" in self.data and field in ("capacity", "routes"):
            path = self._owner_path(owner, text)
            if field == "capacity":
                loc = zone.locate(owner)
                assert loc is not None
                current = zone.profile_of(zone.group(loc[0])).capacity
                return (*path, field), worse, _whole(current, name)
            return (*path, field), worse, int(self._get((*path, field), 0))
        raise InputError(f"{text!r}: {name!r} does not apply to this zone", field="--vary",
                         allowed=NAMES_HELP)

    def _owner_path(self, owner: str, text: str) -> tuple[str | int, ...]:
        for key in ("shards", "speakers"):
            for i, item in enumerate(self.data.get(key) or []):
                if isinstance(item, dict) and item.get("name") == owner:
                    return (key, i)
        names = [item.get("name") for key in ("shards", "speakers")
                 for item in (self.data.get(key) or []) if isinstance(item, dict)]
        raise InputError(f"{text!r}: no shard or speaker {owner!r}", field="--vary",
                         allowed=", ".join(str(n) for n in names[:12]) or NAMES_HELP)

    def _get(self, path: tuple[str | int, ...], default: Any = None) -> Any:
        node: Any = self.data
        for k in path:
            inside = k in node if isinstance(node, dict) else \
                isinstance(node, list) and isinstance(k, int) and k < len(node)
            if not inside:
                return default
            node = node[k]
        return node

    def _effective_hold(self, base: tuple[str | int, ...]) -> Fraction:
        for depth in range(len(base), -1, -1):
            hold = self._get((*base[:depth], "timers", "hold"))
            if hold is not None:
                return Fraction(str(hold))
        return Fraction(90)

    def _effective_keepalive(self, base: tuple[str | int, ...]) -> Fraction:
        """The keepalive in force at ``base``: the nearest level that sets keepalive, or
        hold/3 of the nearest level that sets hold (docs/zone-format.md, Timers)."""
        for depth in range(len(base), -1, -1):
            ka = self._get((*base[:depth], "timers", "keepalive"))
            if ka is not None:
                return Fraction(str(ka))
            hold = self._get((*base[:depth], "timers", "hold"))
            if hold is not None:
                return rules.default_keepalive(PY, Fraction(str(hold)))
        return Fraction(30)

    # -- the zone at a point ---------------------------------------------------------------
    def point(self, values: Mapping[str, int] | None = None) -> dict[str, int]:
        """Every parameter's value: ``values`` where given, else the one value of a
        ``NAME=V`` parameter, else the current one (the zone file's)."""
        values = values or {}
        return {p.name: int(values.get(p.name, p.lo if p.lo == p.hi else p.current))
                for p in self.params}

    def data_at(self, values: Mapping[str, int]) -> dict[str, Any]:
        """The zone file's data with the parameters set to ``values``."""
        import copy

        data = copy.deepcopy(self.data)
        for p in self.params:
            if p.name not in values or not p.where:
                continue
            v = int(values[p.name])
            node: Any = data
            for k in p.where[:-1]:
                if isinstance(k, str) and k not in node:
                    node[k] = {}
                node = node[k]
            level = p.where[:-2]
            if p.where[-1] == "hold":
                # keepalive: an explicit one that was hold/3 follows the new hold; an
                # inherited one that was not hold/3 is written here, so that only the
                # hold changes (RFC 4271 §10: keepalive defaults to hold/3).
                ka = node.get("keepalive")
                hold0 = self._effective_hold(level)
                ka0 = self._effective_keepalive(level)
                follows = rules.default_keepalive(PY, hold0)
                if ka is not None and Fraction(str(ka)) == follows:
                    node.pop("keepalive")
                elif ka is None and ka0 != follows:
                    node["keepalive"] = int(ka0) if ka0.denominator == 1 else float(ka0)
            node[p.where[-1]] = v
        return data

    def text_at(self, values: Mapping[str, int]) -> str:
        """The zone file at ``values``: a header naming the point, then the YAML."""
        point = ", ".join(f"{k}={v}" for k, v in sorted(self.point(values).items()))
        header = f"# {self.zone.name} from {self.source}"
        if point:
            header += f" at {point}"
        return header + "\n" + yaml.safe_dump(self.data_at(self.point(values)),
                                               sort_keys=False, width=100)

    def trigger_at(self, trig: Trigger, values: Mapping[str, int]) -> Trigger:
        """``trig`` at a point: a spike carries the point's ``spike`` work."""
        point = self.point(values)
        if trig.kind == "spike" and "spike" in point:
            return replace(trig, work=Fraction(point["spike"]))
        return trig

    def zone_at(self, values: Mapping[str, int]) -> Zone:
        """The loaded zone at ``values`` (cached)."""
        point = self.point(values)
        key = tuple(point[p.name] for p in self.params)
        if key not in self._zones:
            if len(self._zones) > 64:
                self._zones.clear()
            self._zones[key] = load_zone(self.text_at(point), source=self.source)
        return self._zones[key]


def _unacceptable_holds(lo: int, hi: int) -> list[int]:
    """The whole-second hold times in ``lo..hi`` that
    :func:`~bgpcascade.model.rules.hold_acceptable` refuses (RFC 4271 §4.2: 1 and 2, where
    the range covers them): a ``--vary`` hold range must hold none."""
    return [h for h in range(lo, min(hi, rules.MIN_HOLD) + 1) if not rules.hold_acceptable(h)]


def _whole(value: float, name: str) -> int:
    if float(value) != int(value):
        raise InputError(f"the current value of {name} is {value}, not a whole number",
                         field="--vary", allowed="whole numbers (set the zone's value)")
    return int(value)
