"""Named properties, as data: what ``check``, ``search`` and the pytest plugin judge by.

A property has a name, a kind and a predicate:

- ``never`` / ``always`` / ``eventually_within``: a predicate over a run's
  :class:`~bgpcascade.model.outcomes.Outcome` (the one definition of a run's
  measurements, shared with ``simulate``'s verdict). The simulator, the Z3 engine (which
  evaluates the same predicate on symbolic numbers and records each decision) and the
  Hypothesis engine all judge by it.
- ``static``: a predicate over the zone's RFC 4456 analysis (``bgpcascade lint``), true
  or false whatever happens at run time.
- ``probability``: a bound on how often an event happens over the seeds that place the
  zone's timers (:mod:`bgpcascade.properties.montecarlo`): ``p_cascade_below=P`` is judged
  on N runs per trigger, not on one. Its ``holds`` is the event's complement on one run
  (that run did not cascade), which is what a witness and a single run can show; ``check``
  hands these properties to the Monte Carlo engine, never to the per-run engines.

Each property carries its ``sometimes`` companion, a :class:`Witness`: a scenario on
which it must fail. The test suite runs every witness, so a property that can never fail
(a vacuous check) is caught. On the command line a property is ``NAME`` or
``NAME=ARG`` (``reconverges_within=120``, ``hold_margin=10``).

Your own property, in a Python file given to ``--properties-from`` (docs/ci.md)::

    from bgpcascade.properties.library import Property, Witness, register

    register(Property(
        "queues_under_a_minute", "always", "no speaker's work waits 60 s or more",
        lambda o, _arg: all(d < 60 for d in o.peak_delay.values()),
        witness=Witness("builtin:fr-par-like", ("--flap", "spine1~b-rr1@30"))))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from bgpcascade.model.errors import InputError
from bgpcascade.model.outcomes import BACKLOG_FRACTION, Outcome

if TYPE_CHECKING:
    from bgpcascade.model.topology import Zone

Kind = Literal["never", "always", "eventually_within", "static", "probability"]
KINDS: tuple[Kind, ...] = ("never", "always", "eventually_within", "static", "probability")


@dataclass(frozen=True)
class Witness:
    """A scenario on which a property must fail: a zone (file path or ``builtin:NAME``
    or YAML text), triggers as ``simulate`` flags, a horizon and the property's argument
    (None: its default)."""

    zone: str
    triggers: tuple[str, ...] = ()
    horizon: int = 300
    arg: Fraction | str | None = None


@dataclass(frozen=True)
class Property:
    """``holds(outcome, arg)`` must be true of every run (``static``: ``holds_zone(zone,
    arg)`` of the zone). ``arg``: the property's parameter (a fraction, seconds, a count)
    with ``default``; ``arg_kind`` says which, for parsing and messages."""

    name: str
    kind: Kind
    description: str
    holds: Callable[[Outcome, Any], bool] | None = None
    default: Fraction | None = None
    arg_kind: str = ""
    witness: Witness | None = None
    holds_zone: Callable[[Zone, Fraction], bool] | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"property {self.name}: kind {self.kind!r} is not one of {KINDS}")
        if (self.kind == "static") != (self.holds_zone is not None) or \
                (self.kind != "static") != (self.holds is not None):
            raise ValueError(f"property {self.name}: a static property needs holds_zone, "
                             "a run property needs holds")

    def label(self, arg: Fraction | str | None) -> str:
        """``name`` or ``name=arg`` as the CLI spells it."""
        if arg is None:
            return self.name
        if isinstance(arg, str):
            return f"{self.name}={arg}"
        text = str(arg.numerator) if arg.denominator == 1 else f"{float(arg):g}"
        return f"{self.name}={text}"


@dataclass(frozen=True)
class Selected:
    """A property with its argument fixed: what an engine checks."""

    prop: Property
    arg: Fraction | str | None

    @property
    def label(self) -> str:
        """The CLI spelling (``no_zone_outage=0.5``)."""
        return self.prop.label(self.arg)

    @property
    def static(self) -> bool:
        """Judged on the zone, not on runs."""
        return self.prop.kind == "static"

    @property
    def probabilistic(self) -> bool:
        """Judged on many runs under different seeds (kind ``probability``), not on one."""
        return self.prop.kind == "probability"

    def holds(self, outcome: Outcome) -> bool:
        """Does the run satisfy it?"""
        assert self.prop.holds is not None, f"{self.label} is static"
        return self.prop.holds(outcome, self.arg if self.arg is not None else Fraction(0))

    def holds_zone(self, zone: Zone) -> bool:
        """Does the zone satisfy it (static properties)?"""
        assert self.prop.holds_zone is not None, f"{self.label} is not static"
        assert not isinstance(self.arg, str), f"{self.label}: static properties take numbers"
        return self.prop.holds_zone(zone, self.arg if self.arg is not None else Fraction(0))

    def __reduce__(self) -> tuple[Callable[[str, Fraction | str | None], Selected],
                                  tuple[str, Fraction | str | None]]:
        """Pickle by name and argument, not by predicate (a lambda does not pickle): the
        worker that unpickles it looks the property up in its own registry (the built-in
        ones everywhere; a user's own where its file was loaded, e.g. a forked worker)."""
        return _registered, (self.prop.name, self.arg)

    def check_zone(self, zone: Zone) -> None:
        """Refuse an argument that names nothing in ``zone`` (a shard that is not there),
        with one :class:`InputError` line."""
        if self.prop.arg_kind == "shard" and self.arg not in zone.shards():
            raise InputError(f"{self.label}: zone {zone.name} has no shard {self.arg!r}",
                             field="--property",
                             allowed=", ".join(zone.shards()) or "(the zone has no shards)")


# -- the built-in properties ----------------------------------------------------------------
#: Witness scenarios: the incident's flap on the built-in zone, and small zones with the
#: static problems (the same shapes as tests/examples/unsafe/).
_INCIDENT = Witness("builtin:fr-par-like", ("--flap", "spine1~b-rr1@30"), 300)
_NO_C2C = ("zone: witness-no-client-to-client\nshards:\n"
           "  - {name: a, rrs: 2, clients: 10, routes_per_client: 10, "
           "client_to_client: false}\n"
           "  - {name: b, rrs: 2, clients: 10, routes_per_client: 10}\n")
_ONE_RR = ("zone: witness-single-rr-shard\nspines: {count: 2}\nshards:\n"
           "  - {name: a, rrs: 1, clients: 20, routes_per_client: 50}\n"
           "  - {name: b, rrs: 2, clients: 20, routes_per_client: 50}\n")
_DYN = ("zone: witness-dynamic-neighbors\nshards:\n"
        "  - {name: a, rrs: 2, rr_profile: frr, clients: 150, routes_per_client: 10, "
        "dynamic_neighbors: true}\n")


def _lint_table_empty(table: str, kind: str | None = None) -> Callable[[Zone, Fraction], bool]:
    def check(zone: Zone, _arg: Fraction) -> bool:
        from .static import (
            check_completeness,
            check_session_limits,
            check_single_points_of_failure,
        )

        t = {"reflection_completeness": check_completeness,
             "single_points_of_failure": check_single_points_of_failure,
             "session_limits": check_session_limits}[table](zone)
        if kind is None:
            return t.passed
        col = t.columns.index("kind")
        return not any(row[col] == kind for row in t.rows)

    return check


def _no_cascade_in(o: Outcome, shard: str) -> bool:
    return not any(shard in o.shard_of.get(e.session, ()) for e in o.cascade)


def _backlog_margin(o: Outcome, fraction: Fraction) -> bool:
    return not o.backlogged(fraction)


def _hold_margin(o: Outcome, margin: Fraction) -> bool:
    return all(o.peak_delay[node] <= hold - margin for node, hold in o.hold_of.items())


PROPERTIES: dict[str, Property] = {}


def register(prop: Property) -> Property:
    """Add ``prop`` to the properties ``--property`` accepts (a name may not repeat)."""
    if prop.name in PROPERTIES:
        raise ValueError(f"property {prop.name!r} is already registered")
    PROPERTIES[prop.name] = prop
    return prop


for _p in (
    Property("no_cascade", "never", "no session resets except those a trigger causes "
             "directly (no hold or send-hold expiry, no NOTIFICATION, no failure that "
             "follows)", lambda o, _: not o.cascaded(), witness=_INCIDENT),
    Property("no_cascade_in", "never", "no session of this shard (its clients' sessions, "
             "its RRs' sessions to the tier above, and in a flat zone its RRs' sessions to "
             "other shards' RRs) resets except those a trigger causes directly: the "
             "shard-local no_cascade a design review judges each shard by",
             _no_cascade_in, None, "shard",
             Witness("builtin:fr-par-like", ("--flap", "spine1~b-rr1@30"), 300, "a")),
    Property("no_zone_outage", "never", "never this fraction (default 0.5) of the clients "
             "isolated at once, nor this fraction of client pairs unreachable at once",
             lambda o, a: not o.outage(a), Fraction(1, 2), "fraction", _INCIDENT),
    Property("reconverges_within", "eventually_within", "every session Established and "
             "every client pair reachable again within this many seconds (default 300) of "
             "the trigger, inside the horizon", lambda o, a: o.reconverged_within(a),
             Fraction(300), "seconds", _INCIDENT),
    Property("reconverges_in_time", "eventually_within", "every session Established and "
             "every client pair reachable again within the zone's reconvergence bound of "
             "the first trigger: the triggers' own down time + the largest ConnectRetryTime "
             "and first IdleHoldTime (how long a dropped session may wait to be retried) + "
             "the largest hold time (how long a dead peer may go unnoticed) + the time the "
             "slowest triggered speaker needs to take in and send the zone's whole table "
             "once at its capacity (simulate --json reconvergence_bound). Judged inside the "
             "horizon: a run still converging when the horizon ends before the bound fails "
             "it, so check lengthens its default horizon to cover the bound",
             lambda o, _: o.reconverged_in_time(), witness=_INCIDENT),
    Property("backlog_margin", "always", "no speaker's queue delay goes beyond this "
             "fraction (default 0.5) of the smallest hold time of its sessions (a speaker a "
             "spike loads, a pause freezes or a restart empties is left out: its own "
             "backlog is the trigger itself): a KEEPALIVE that waits in that queue would "
             "leave less than half a hold time of margin, and a zone with such a backlog "
             "has not absorbed the trigger even where nothing reset", _backlog_margin,
             BACKLOG_FRACTION, "fraction", _INCIDENT),
    Property("hold_margin", "always", "every speaker's queue delay stays at least this many "
             "seconds (default 0) below the smallest hold time of its sessions",
             _hold_margin, Fraction(0), "seconds", _INCIDENT),
    Property("no_client_isolated", "never", "no client ever loses every session to its "
             "route reflectors", lambda o, _: not o.isolated_peak > 0, witness=_INCIDENT),
    Property("max_cascade_resets", "always", "at most this many sessions (default 0) reset "
             "by the cascade (beyond those a trigger resets directly)",
             lambda o, a: o.cascade_size() <= a, Fraction(0), "count", _INCIDENT),
    Property("no_rr_session_reset", "never", "no session between two route reflectors "
             "(spine~leaf RR, spine~spine, the RRs of one shard to each other, and in a flat "
             "zone RR~RR between shards) resets except those a trigger causes directly: the "
             "tier above never declares a shard's RRs dead",
             lambda o, _: not o.rr_session_cascaded(), witness=_INCIDENT),
    Property("reflection_complete", "static", "every client learns every other client's "
             "routes with all sessions up (RFC 4456; lint's reflection_completeness)",
             witness=Witness(_NO_C2C), holds_zone=_lint_table_empty("reflection_completeness")),
    Property("no_single_rr_isolation", "static", "no single route reflector down makes any "
             "speaker lose routes (lint's single_points_of_failure, speaker rows)",
             witness=Witness(_ONE_RR),
             holds_zone=_lint_table_empty("single_points_of_failure", "speaker")),
    Property("no_single_session_loss", "static", "no single session down makes any speaker "
             "lose routes (lint's single_points_of_failure, session rows)",
             witness=Witness(_ONE_RR),
             holds_zone=_lint_table_empty("single_points_of_failure", "session")),
    Property("within_session_limits", "static", "no RR exceeds its implementation's session "
             "limits (lint's session_limits)", witness=Witness(_DYN),
             holds_zone=_lint_table_empty("session_limits")),
    Property("p_cascade_below", "probability", "the probability over the seeds (timer "
             "phases, jitter) that a trigger makes a session reset beyond its own is below "
             "this (default 0.05): HOLDS when the 95% Wilson upper bound over check's --runs "
             "seeds is below it, VIOLATED when the lower bound reaches it, else UNKNOWN",
             lambda o, _: not o.cascaded(), Fraction(1, 20), "probability",
             Witness("builtin:fr-par-like", ("--flap", "spine1~b-rr1@30"), 300,
                     Fraction(1, 2))),
):
    register(_p)

def _registered(name: str, arg: Fraction | str | None) -> Selected:
    """The registered property ``name`` with ``arg`` (how a :class:`Selected` unpickles)."""
    return Selected(PROPERTIES[name], arg)


#: What ``check`` and ``search`` judge by when no --property is given.
DEFAULT_PROPERTIES = ("no_cascade", "no_zone_outage", "reconverges_in_time", "backlog_margin")

#: Why each default is one (``bgpcascade properties`` prints these).
DEFAULT_REASONS: dict[str, str] = {
    "no_cascade": "the question the tool exists for: one trigger must not reset sessions "
    "beyond its own",
    "no_zone_outage": "the outage an operator is paged for: half the clients cut off, or "
    "half the client pairs unable to reach each other",
    "reconverges_in_time": "a zone that resets nothing can still take many minutes to "
    "carry the routes again; the bound is what the zone's own timers and one table "
    "transfer at the triggered speaker's capacity explain, so anything longer is a "
    "backlog the design did not absorb",
    "backlog_margin": "a queue delay near a hold time leaves a KEEPALIVE that waits in that "
    "queue (or behind built UPDATEs) no margin for the next burst; half the hold time is "
    "the margin a speaker needs to survive one more event of the same size",
}


def parse_property(text: str) -> Selected:
    """``NAME`` or ``NAME=ARG`` -> :class:`Selected` (one-line :class:`InputError`)."""
    name, _, raw = text.partition("=")
    name = name.strip()
    allowed = ", ".join(f"{p.name}[=<{p.arg_kind}>]" if p.arg_kind else p.name
                        for p in PROPERTIES.values())
    prop = PROPERTIES.get(name)
    if prop is None:
        raise InputError(f"unknown property {name!r}", field="--property", allowed=allowed)
    if not raw:
        if prop.arg_kind == "shard":
            raise InputError(f"{name} needs a shard: {name}=NAME", field="--property",
                             allowed=allowed)
        return Selected(prop, prop.default)
    if not prop.arg_kind:
        raise InputError(f"{text!r}: {name} takes no argument", field="--property",
                         allowed=allowed)
    if prop.arg_kind == "shard":  # checked against the zone by Selected.check_zone
        return Selected(prop, raw.strip())
    try:
        arg = Fraction(raw.strip())
    except (ValueError, ZeroDivisionError):
        raise InputError(f"{text!r}: {raw!r} is not a number", field="--property",
                         allowed=allowed) from None
    if prop.arg_kind == "probability" and not 0 < arg <= 1:
        raise InputError(f"{text!r}: {raw} is not in (0, 1]", field="--property",
                         allowed="a probability in (0, 1]")
    if prop.arg_kind == "fraction" and not 0 < arg <= 1:
        raise InputError(f"{text!r}: {raw} is not in (0, 1]", field="--property",
                         allowed="a fraction in (0, 1]")
    if prop.arg_kind == "seconds" and arg < 0:
        raise InputError(f"{text!r}: {raw} is negative", field="--property",
                         allowed="seconds >= 0")
    if prop.arg_kind == "count" and (arg < 0 or arg.denominator != 1):
        raise InputError(f"{text!r}: {raw} is not a whole number >= 0",
                         field="--property", allowed="a count >= 0")
    return Selected(prop, arg)


def load_properties_file(path: str) -> list[str]:
    """Run a Python file that registers properties; return the names it added."""
    import runpy

    before = set(PROPERTIES)
    try:
        runpy.run_path(path, run_name="bgpcascade_properties")
    except FileNotFoundError:
        raise InputError("no such file", source=path, field="--properties-from",
                         allowed="a Python file calling register(Property(...))") from None
    except Exception as exc:  # the user's code: any error becomes one line
        raise InputError(f"{type(exc).__name__}: {exc}", source=path,
                         field="--properties-from",
                         allowed="a Python file calling register(Property(...))") from None
    return sorted(set(PROPERTIES) - before)


def witness_holds(sel: Selected) -> bool:
    """Evaluate ``sel`` on its property's witness (its ``sometimes`` companion): False
    means the check fired, as it must. The witness's own argument wins over ``sel``'s."""
    from bgpcascade.io import read_zone_text
    from bgpcascade.model.triggers import (
        parse_clear,
        parse_flap,
        parse_pause,
        parse_restart,
        parse_spike,
    )
    from bgpcascade.model.zonefile import load_zone

    from .runner import run

    w = sel.prop.witness
    if w is None:
        raise ValueError(f"property {sel.prop.name} has no witness")
    is_yaml = "\n" in w.zone
    text = w.zone if is_yaml else read_zone_text(w.zone)
    zone = load_zone(text, source="<witness>" if is_yaml else w.zone)
    chosen = Selected(sel.prop, w.arg if w.arg is not None else sel.arg)
    if chosen.static:
        return chosen.holds_zone(zone)
    parse = {"--flap": parse_flap, "--spike": parse_spike, "--restart": parse_restart,
             "--pause": parse_pause, "--clear": parse_clear}
    flags = list(w.triggers)
    triggers = [parse[flag](zone, value) for flag, value in zip(flags[::2], flags[1::2],
                                                                strict=True)]
    if chosen.probabilistic:  # N seeds, judged three-valued: the check fires on VIOLATED
        from .montecarlo import WITNESS_RUNS, distribution, judge_below

        bound = chosen.arg if isinstance(chosen.arg, Fraction) else Fraction(1, 20)
        dist = distribution(text, "<witness>" if is_yaml else w.zone, triggers,
                            Fraction(w.horizon), runs=WITNESS_RUNS)
        return judge_below(dist.cascades, dist.n, bound) != "VIOLATED"
    return not run(zone, triggers, Fraction(w.horizon), props=[chosen]).violated
