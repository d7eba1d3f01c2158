"""``check`` from Python: every selected property of zone files, by every selected engine.

The command ``bgpcascade check`` (bgpcascade/cli/check.py), the pytest plugin and your
own tests all run :func:`run_check`; :func:`check` takes the command line's arguments::

    check("zones/a.yaml", "--engine", "z3", "--vary", "a.clients=2..40").assert_holds()

Per zone: static properties from the RFC 4456 analysis, then each engine, asked through
the one engine protocol (:mod:`bgpcascade.properties.result`): ``sim`` (every single
flap at the zone as written, ranked), ``z3`` (every point of the --vary ranges),
``hypothesis`` (sequences of triggers and waits, shrunk). An engine that finds a
counterexample reports the properties it violates, the counterexample is written under
--out with its replay command, and the engine is asked again for the properties still
open, until each is VIOLATED, HOLDS or UNKNOWN. Flags and JSON keys (contracts):
docs/cli.md; CI recipes: docs/ci.md.

This module also holds what ``check`` and ``search`` share: their flags
(:func:`add_zone_flags`), the question they ask of a zone file (:func:`build_question`)
and how a counterexample is written (:func:`write_counterexample`). It does not import
the command line (bgpcascade/cli/), which builds on it.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from bgpcascade.io import check_out_dir, read_zone_text, safe_write
from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.numbers import json_number
from bgpcascade.model.outcomes import zone_bound
from bgpcascade.model.params import NAMES_HELP, Space
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import Zone
from bgpcascade.model.triggers import parse_flap, parse_spike
from bgpcascade.model.zonefile import load_zone
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.cascade_z3 import SimScan, Z3Search, representative_flaps
from bgpcascade.properties.engines.hypothesis_engine import HypothesisSearch
from bgpcascade.properties.engines.offsets import Offsets, add_timing_flags, timing_of
from bgpcascade.properties.library import (
    DEFAULT_PROPERTIES,
    Selected,
    load_properties_file,
    parse_property,
)
from bgpcascade.properties.montecarlo import CHECK_RUNS, MAX_RUNS, MonteCarloCheck
from bgpcascade.properties.result import Counterexample, Engine, Question
from bgpcascade.properties.verdict import Exit, Status, overall

#: The engines ``check`` runs, in report order; each name makes a fresh engine per zone.
ENGINE_MAKERS: Mapping[str, Callable[[], Engine]] = {
    "sim": SimScan, "z3": Z3Search, "hypothesis": HypothesisSearch}
ENGINES: tuple[str, ...] = tuple(ENGINE_MAKERS)
#: The default flaps' time, the base of their offsets (``--at`` pins another).
DEFAULT_AT = 30.0


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a usage error in ONE line and exits 2 (docs/cli.md)."""

    def error(self, message: str) -> NoReturn:
        self.exit(Exit.BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


# -- the flags check and search share --------------------------------------------------------
def add_zone_flags(p: argparse.ArgumentParser, *, check: bool) -> None:
    """The flags ``check`` (``check=True``) and ``search`` share."""
    if check:
        p.add_argument("zone", nargs="+", help="zone files (YAML) or builtin:fr-par-like")
        p.add_argument("--engine", choices=("z3", "sim", "hypothesis", "all"), default="z3",
                       help="z3: every point of the --vary ranges (default); sim: the "
                       "zone as written, every single flap, ranked; hypothesis: "
                       "sequences of flaps, spikes, restarts and waits, shrunk; all: "
                       "the three")
        p.add_argument("--junit", metavar="FILE", help="write a JUnit XML report")
        p.add_argument("--examples", type=int, default=200, metavar="N",
                       help="hypothesis: at most N scenarios per zone (default 200)")
        p.add_argument("--max-triggers", type=int, default=1, metavar="N",
                       help="hypothesis: triggers per scenario (default 1: ONE flap, spike "
                       "or restart, at a time and load the search picks; more finds "
                       "double failures)")
        p.add_argument("--database", metavar="DIR", default=".bgpcascade/hypothesis",
                       help="hypothesis: the example database, replayed first "
                       "(default .bgpcascade/hypothesis; cache it in CI; 'none': no "
                       "database, so every run is the same)")
        p.add_argument("--runs", type=int, default=CHECK_RUNS, metavar="N",
                       help=f"p_cascade_below: seeds per trigger, from --seed (default "
                       f"{CHECK_RUNS})")
    else:
        p.add_argument("zone", help="zone file (YAML) or builtin:fr-par-like")
    p.add_argument("--property", action="append", default=[], metavar="NAME[=ARG]",
                   help="a property (repeatable; default "
                   f"{' and '.join(DEFAULT_PROPERTIES)}); `bgpcascade properties` "
                   "lists them")
    p.add_argument("--properties-from", action="append", default=[], metavar="FILE.py",
                   help="a Python file that registers properties of your own")
    p.add_argument("--vary", action="append", default=[], metavar="NAME=LO..HI",
                   help=f"a parameter range ({NAMES_HELP})" +
                   ("; repeatable" if check else "; exactly one"))
    p.add_argument("--flap", action="append", default=[], metavar="A~B@T",
                   help="the triggers to consider (repeatable; default: one flap per "
                   "session group, at 30 s); each is tried at T + k for every whole "
                   "second k of one KEEPALIVE cycle of the flapped session, unless --at "
                   "is given")
    p.add_argument("--spike", action="append", default=[], metavar="SPEAKER:WORK@T",
                   help="a spike trigger to consider (repeatable); --vary spike=LO..HI "
                   "varies the work of every spike")
    p.add_argument("--at", type=float, default=None, metavar="T",
                   help="pin the trigger times: the default flaps at T only, every "
                   "trigger at its own time only (default: every offset of a KEEPALIVE "
                   "cycle from 30 s)")
    add_timing_flags(p, hypothesis=check)
    p.add_argument("--horizon", type=float, default=None, metavar="S",
                   help="seconds after t=0 that are checked (default 300, longer where "
                   "reconverges_in_time needs the run to reach the zone's reconvergence "
                   "bound)")
    p.add_argument("--timeout", "--budget", dest="timeout", type=float, default=300.0,
                   metavar="S", help="budget in seconds" + (" for the whole check, shared "
                   "by the zones and engines" if check else "") + "; when it runs out the "
                   "answer is UNKNOWN (exit 3), never HOLDS (default 300)")
    p.add_argument("--out", default="bgpcascade-out", metavar="DIR",
                   help="where counterexamples go (default ./bgpcascade-out/)")
    p.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), metavar="N",
                   help="processes for plain simulator runs (default: the CPUs, at most "
                   "4); the answer does not depend on it")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def offsets_of(args: argparse.Namespace) -> Offsets:
    """Every offset of a KEEPALIVE cycle, or pinned when ``--at`` is given."""
    return Offsets(pinned=args.at is not None)


def parse_props(args: argparse.Namespace) -> list[Selected]:
    """The selected properties (after loading --properties-from files)."""
    for f in args.properties_from:
        load_properties_file(f)
    props = [parse_property(p) for p in (args.property or DEFAULT_PROPERTIES)]
    if len({s.label for s in props}) != len(props):
        raise InputError("a property is given twice", field="--property",
                         allowed="each property once")
    return props


def build_question(args: argparse.Namespace, zone_path: str, props: Sequence[Selected],
                   progress: Callable[[str], None], budget: float) -> Question:
    """The question the shared flags ask of one zone file (one-line errors): its zone and
    ranges, triggers, properties, horizon and budget; ``parameters["jobs"]``."""
    text = read_zone_text(zone_path)
    zone = load_zone(text, source=zone_path)
    for sel in props:
        sel.check_zone(zone)
    space = Space(text, zone_path, zone)
    spikes = [parse_spike(zone, x) for x in args.spike]
    for v in args.vary:
        space.add(v, spike=int(spikes[0].work) if spikes else None)
    given = args.horizon is not None
    horizon = seconds(args.horizon if given else DEFAULT_HORIZON, "--horizon")
    if horizon > MAX_HORIZON:
        raise InputError(f"{args.horizon:g} s", field="--horizon",
                         allowed="at most 86400 s (one day)")
    if not 0 < args.timeout <= 86400:
        raise InputError(f"{args.timeout:g} s", field="--timeout", allowed="0 < S <= 86400")
    at = seconds(DEFAULT_AT if args.at is None else args.at, "--at", zero=True)
    triggers: list[Trigger] = [parse_flap(zone, f) for f in args.flap] + spikes
    if not triggers:
        triggers = representative_flaps(space, at)
    offsets = offsets_of(args)
    if not given:
        horizon = horizon_for(zone, triggers, props, offsets)
    for t in triggers:
        last = offsets.of(zone, t)[-1]
        if last.t >= horizon:
            raise InputError(f"{last.label()} is not before the horizon ({float(horizon):g} "
                             "s)", field="--horizon", allowed="a horizon after every "
                             "trigger" + ("" if offsets.pinned else " at every offset of "
                                          "its KEEPALIVE cycle (or pin the time with --at)"))
    if not 1 <= args.jobs <= 64:
        raise InputError(f"{args.jobs}", field="--jobs", allowed="1..64")
    return Question(space, tuple(triggers), tuple(props), horizon, budget,
                    {"jobs": args.jobs, "timing": timing_of(args), "offsets": offsets},
                    progress)


#: ``check``'s and ``search``'s horizon when none is given (seconds after t = 0).
DEFAULT_HORIZON = 300.0
#: The longest horizon ``check`` and ``search`` run to (one day, as ``--horizon``).
MAX_HORIZON = 86400


def horizon_for(zone: Zone, triggers: Sequence[Trigger], props: Sequence[Selected],
                offsets: Offsets) -> Fraction:
    """The default horizon: :data:`DEFAULT_HORIZON`, or longer where a selected
    ``reconverges_in_time`` needs it, so that the run reaches the end of the zone's
    reconvergence bound (:func:`~bgpcascade.model.outcomes.zone_bound`) after the latest
    offset of every trigger: whole seconds, one past that end."""
    horizon = Fraction(str(DEFAULT_HORIZON))
    if not any(p.prop.name == "reconverges_in_time" for p in props):
        return horizon
    for t in triggers:
        last = offsets.of(zone, t)[-1]
        end = last.t + zone_bound(zone, [last]).total
        horizon = max(horizon, Fraction(math.floor(end) + 1))
    # At most a day, as --horizon: a run cut short there fails reconverges_in_time
    # (not reconverged within the horizon), never holds it.
    return min(horizon, Fraction(MAX_HORIZON))


def seconds(x: float, flag: str, zero: bool = False) -> Fraction:
    """A flag's seconds as an exact number (> 0, or >= 0 with ``zero``; finite)."""
    if not (x >= 0 if zero else x > 0) or x != x or x == float("inf"):
        raise InputError(f"{x:g} is not allowed", field=flag,
                         allowed="seconds >= 0" if zero else "seconds > 0")
    return Fraction(str(x))


# -- counterexamples ---------------------------------------------------------------------------
def timing_args(timing: Timing) -> str:
    """``--seed S --phases P --cohorts K``: the flags that give ``simulate`` a run's
    timing (docs/model.md, "Time: phases, jitter and cohorts")."""
    return f"--seed {timing.seed} --phases {timing.phases} --cohorts {timing.k}"


def recorded_timing(trace: Mapping[str, Any]) -> Timing:
    """The timing a trace's ``params`` record (``seed``, ``phases``, ``cohorts``);
    lockstep for a trace that records none (made before timings existed)."""
    params = trace.get("params", {})
    if "seed" not in params:
        return Timing.lockstep()
    return Timing(seed=int(params["seed"]), phases=params["phases"],
                  cohorts=int(params["cohorts"]))


def replay_command(zone_path: Path, triggers: Sequence[Trigger], horizon: Fraction,
                   timing: Timing | None = None) -> str:
    """The ``bgpcascade simulate`` command that reruns ``triggers`` on a zone file, with
    ``timing``'s seed, phases and cohorts (the run's own, so that the command gives that
    run exactly; None: simulate's defaults)."""
    flags = []
    for t in triggers:
        kind, what = t.label().split(" ", 1)
        if t.kind == "flap":
            what = what.split(" ", 1)[0]  # "A~B@T down Ns": the hold-down is --down
        flags.append(f"--{kind} {what}")
    # simulate holds every flap down for one --down; flaps with different hold-downs
    # cannot be one command (no engine draws those).
    down = max((t.down_for for t in triggers if t.kind == "flap"), default=Fraction(0))
    if down:
        flags.append(f"--down {json_number(down)}")
    if timing is not None:
        flags.append(timing_args(timing))
    return f"bgpcascade simulate {zone_path} {' '.join(flags)} --horizon {json_number(horizon)}"


def verdict_detail(summary: Mapping[str, Any]) -> str:
    """``simulate``'s verdict with what makes a run degraded, in words: ``degraded
    (queue delay beyond 0.5 x hold at a-rr1, a-rr2; not reconverged within 270.6 s)``,
    ``zone-outage (also ...)`` when a worse verdict has them too; the verdict alone when
    there is neither."""
    why = []
    if "backlog" in summary.get("degraded_by", ()):
        why.append("queue delay beyond "
                   f"{summary['backlog_fraction']:g} x hold at {', '.join(summary['backlogged'])}")
    if "reconvergence" in summary.get("degraded_by", ()):
        why.append(f"not reconverged within {summary['reconvergence_bound']['total_s']:g} s")
    verdict = str(summary["verdict"])
    if not why:
        return verdict
    return f"{verdict} ({'; '.join(why)})" if verdict == "degraded" else \
        f"{verdict} (also {'; '.join(why)})"


def write_counterexample(out: Path, stem: str, cx: Counterexample, horizon: Fraction,
                         inputs: tuple[str, ...]) -> dict[str, Any]:
    """Write ``<stem>.yaml`` (the zone at the failing point) and ``<stem>.trace.json``
    under ``out``; return the counterexample's JSON entry (docs/cli.md)."""
    from bgpcascade.io import dumps_json

    assert cx.trace is not None, "a zone's counterexample has its trace"
    trace_path = out / f"{stem}.trace.json"
    zone_path = out / f"{stem}.yaml"
    safe_write(trace_path, dumps_json(cx.trace), inputs=inputs)
    safe_write(zone_path, cx.zone_text, inputs=inputs)
    return {"trigger": "; ".join(t.label() for t in cx.triggers),
            "triggers": [t.label() for t in cx.triggers],
            "point": dict(sorted(cx.point.items())), "violated": list(cx.violated),
            "verdict": cx.trace["summary"]["verdict"],
            "verdict_detail": verdict_detail(cx.trace["summary"]), "trace": str(trace_path),
            "zone": str(zone_path), "replay": f"bgpcascade simulate --replay {trace_path}",
            "simulate": replay_command(zone_path, cx.triggers, horizon,
                                       recorded_timing(cx.trace))}


# -- what a check found -----------------------------------------------------------------------
@dataclass
class CheckRow:
    """One verdict: a property of a zone, by one engine."""

    zone: str
    source: str
    prop: str
    engine: str
    status: Status
    detail: str
    counterexample: dict[str, Any] | None = None
    seconds: float = 0.0


@dataclass
class EngineRun:
    """One engine on one zone: its bounds and what it found (the JSON ``runs`` entry)."""

    zone: str
    engine: str
    status: Status = "HOLDS"
    properties: list[str] = field(default_factory=list)
    bounds: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    counterexamples: list[dict[str, Any]] = field(default_factory=list)
    triggers_ranked: list[dict[str, Any]] | None = None


@dataclass
class CheckOutcome:
    """What a ``check`` found: one row per (zone, property, engine), the runs, the overall
    status. :meth:`assert_holds` is what the pytest fixture uses."""

    rows: list[CheckRow]
    runs: list[EngineRun]
    status: Status

    def exit_code(self) -> int:
        """0 all hold, 1 something violated, 3 nothing violated but something unknown."""
        return int(Exit.of(self.status))

    def failures(self) -> list[CheckRow]:
        """The rows that are not HOLDS."""
        return [r for r in self.rows if r.status != "HOLDS"]

    def report(self) -> str:
        """Plain text: each row that is not HOLDS, with the counterexample's files and the
        commands that replay it."""
        lines = []
        for r in self.failures():
            lines.append(f"{r.zone}: {r.prop} [{r.engine}] {r.status}: {r.detail}")
            cx = r.counterexample
            if cx:
                lines.append(f"  zone: {cx['zone']}  trace: {cx['trace']}")
                lines.append(f"  replay: {cx['simulate']}")
        return "\n".join(lines) or f"all {len(self.rows)} verdicts HOLD"

    def assert_holds(self) -> None:
        """Raise AssertionError (with the counterexamples) unless every verdict HOLDS."""
        if self.status != "HOLDS":
            raise AssertionError(self.report())

    def as_json(self) -> dict[str, Any]:
        """``check --json`` (keys are a contract, docs/cli.md)."""
        data: dict[str, Any] = {
            "status": self.status,
            "results": [{"zone": r.zone, "source": r.source, "property": r.prop,
                         "engine": r.engine, "status": r.status, "detail": r.detail,
                         "counterexample": r.counterexample} for r in self.rows],
            "runs": [{"zone": r.zone, "engine": r.engine, "status": r.status,
                      "properties": r.properties, "bounds": r.bounds, "reason": r.reason,
                      "counterexample": r.counterexamples[0] if r.counterexamples else None,
                      "counterexamples": r.counterexamples,
                      "triggers_ranked": r.triggers_ranked} for r in self.runs]}
        if len(self.runs) == 1:  # one zone, one engine: its keys at the top level too
            one = data["runs"][0]
            data.update({k: v for k, v in one.items() if k != "status"})
            data["status"] = self.status
        return data

    def junit_xml(self) -> str:
        """JUnit XML: a testsuite per zone, a testcase per (property, engine); VIOLATED is
        a failure (with the replay command), UNKNOWN an error, so CI never shows it
        green."""
        suites = ET.Element("testsuites", name="bgpcascade")
        by_zone: dict[str, list[CheckRow]] = {}
        for r in self.rows:
            by_zone.setdefault(r.zone, []).append(r)
        for zone, zrows in by_zone.items():
            suite = ET.SubElement(suites, "testsuite", name=zone, tests=str(len(zrows)),
                                  failures=str(sum(r.status == "VIOLATED" for r in zrows)),
                                  errors=str(sum(r.status == "UNKNOWN" for r in zrows)))
            for r in zrows:
                case = ET.SubElement(suite, "testcase", classname=f"bgpcascade.{zone}",
                                     name=f"{r.prop} [{r.engine}]", file=r.source)
                if r.status in ("VIOLATED", "UNKNOWN"):
                    tag, kind = ("failure", "VIOLATED") if r.status == "VIOLATED" \
                        else ("error", "UNKNOWN")
                    el = ET.SubElement(case, tag, type=kind, message=r.detail)
                    el.text = r.detail
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# -- the check -------------------------------------------------------------------------------
def _stem(zone: str, engine: str, n: int) -> str:
    return f"{zone}-{engine}-counterexample" + (f"-{n}" if n > 1 else "")


def check_engine(engine: Engine, question: Question, out: Path,
                 inputs: tuple[str, ...]) -> tuple[EngineRun, list[CheckRow]]:
    """Ask ``engine`` about ``question`` until every property is decided (the module
    docstring): the run's JSON entry and one row per property."""
    assert question.space is not None
    zone, source = question.space.zone.name, question.space.source
    run = EngineRun(zone, engine.name, properties=[s.label for s in question.props])
    rows: list[CheckRow] = []
    remaining: list[Selected] = list(question.props)
    started = time.monotonic()
    while remaining:
        res = engine.check(replace(question, props=tuple(remaining)))
        run.bounds = dict(res.bounds)
        if run.triggers_ranked is None:
            run.triggers_ranked = res.statistics.get("triggers_ranked")
        status: Status = res.status
        reason = res.reason
        if res.counterexample is not None:
            cx = write_counterexample(out, _stem(zone, engine.name, len(run.counterexamples)
                                                 + 1), res.counterexample,
                                      question.horizon, inputs)
            run.counterexamples.append(cx)
            run.status = "VIOLATED"
            point = ", ".join(f"{k}={v}" for k, v in cx["point"].items())
            at = f" at {point}" if point else ""
            rows += [CheckRow(zone, source, s.label, engine.name, "VIOLATED",
                              f"{cx['trigger']}{at} -> {cx['verdict_detail']}; replay: "
                              f"{cx['replay']}",
                              cx, time.monotonic() - started)
                     for s in remaining if s.label in res.violated]
            remaining = [s for s in remaining if s.label not in res.violated]
            if question.remaining() > 0:
                continue
            status, reason = "UNKNOWN", f"budget of {question.budget:g} s ran out"
        rows += [CheckRow(zone, source, s.label, engine.name, status,
                          res.covered if status == "HOLDS" else f"{reason}", None,
                          time.monotonic() - started) for s in remaining]
        if status == "UNKNOWN" and run.status != "VIOLATED":
            run.status, run.reason = "UNKNOWN", reason or None
        break
    return run, rows


def _static_rows(zone_name: str, source: str, zone: Any, props: list[Selected]
                 ) -> list[CheckRow]:
    rows = []
    for s in props:
        ok = s.holds_zone(zone)
        rows.append(CheckRow(zone_name, source, s.label, "static",
                             "HOLDS" if ok else "VIOLATED",
                             "RFC 4456 analysis (see `bgpcascade lint`)"
                             + ("" if ok else ": failing rows")))
    return rows


def _validate(questions: list[Question], engines: list[str]) -> None:
    """Refuse, before any long run, two zone files of one name, and ranges for an engine
    that judges the zone as written only."""
    names = [q.space.zone.name for q in questions if q.space is not None]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"two zone files are named {name!r}", field="zone",
                             allowed="zone files with different `zone:` names (reports "
                             "and counterexamples are named after them)")
    ranged = [q for q in questions
              if q.space is not None and any(p.lo < p.hi for p in q.space.params)]
    if not ranged:
        return
    covering = " or ".join(n for n, make in ENGINE_MAKERS.items() if make().covers_ranges)
    for name in engines:
        if not ENGINE_MAKERS[name]().covers_ranges:
            raise InputError(f"--engine {name} checks the zone as written", field="--vary",
                             allowed=f"--engine {covering} for ranges (or `search`)")


def run_check(args: argparse.Namespace) -> CheckOutcome:
    """Everything ``check`` does except printing and writing the reports."""
    progress = Progress(args.quiet)
    props = parse_props(args)
    static = [s for s in props if s.static]
    dynamic = [s for s in props if not s.static]
    engines = list(ENGINES) if args.engine == "all" else [args.engine]
    inputs = tuple(args.zone)
    if args.examples < 1:
        raise InputError(f"{args.examples}", field="--examples", allowed=">= 1")
    if not 1 <= args.max_triggers <= 10:
        raise InputError(f"{args.max_triggers}", field="--max-triggers", allowed="1..10")
    if not 1 <= args.runs <= MAX_RUNS:
        raise InputError(f"{args.runs}", field="--runs", allowed=f"1..{MAX_RUNS:,}")
    chance = [s for s in dynamic if s.probabilistic]  # judged over seeds, not per run
    dynamic = [s for s in dynamic if not s.probabilistic]
    # Validate every zone and flag first: bad input is exit 2 before any long run.
    share = args.timeout / max(1, len(args.zone) * len(engines))
    questions = [build_question(args, z, dynamic, progress, share) for z in args.zone]
    _validate(questions, engines)
    out = check_out_dir(args.out, inputs=inputs)
    knobs = {"jobs": args.jobs, "seed": args.seed, "examples": args.examples,
             "timing": timing_of(args), "offsets": offsets_of(args),
             "max_triggers": args.max_triggers,
             "database": None if args.database in ("", "none") else args.database}
    rows: list[CheckRow] = []
    runs: list[EngineRun] = []
    for q in questions:
        assert q.space is not None
        zone = q.space.zone
        rows += _static_rows(zone.name, q.space.source, zone, static)
        for name in engines if dynamic else []:
            progress(f"{zone.name}: {name}")
            asked = replace(q, parameters=knobs, started=time.monotonic())
            run, got = check_engine(ENGINE_MAKERS[name](), asked, out, inputs)
            runs.append(run)
            rows += got
        if chance:
            run, got = probability_check(q, chance, args, out, inputs)
            runs.append(run)
            rows += got
    order = {s.label: i for i, s in enumerate(props)}
    zones = {q.space.zone.name: i for i, q in enumerate(questions) if q.space is not None}
    kinds = {e: i for i, e in enumerate(("static", *ENGINES, MonteCarloCheck.name))}
    rows.sort(key=lambda r: (zones[r.zone], order[r.prop], kinds[r.engine]))
    return CheckOutcome(rows, runs, overall(r.status for r in rows))


def probability_check(q: Question, props: Sequence[Selected], args: argparse.Namespace,
                      out: Path, inputs: tuple[str, ...]) -> tuple[EngineRun, list[CheckRow]]:
    """The probability properties (``p_cascade_below=P``) of one zone, whatever
    ``--engine``: ``--runs`` seeds per trigger from ``--seed`` (with ``--phases`` and
    ``--cohorts`` where given), by :class:`MonteCarloCheck`
    (properties/montecarlo.py), three-valued; the worst run is the counterexample."""
    from bgpcascade.model.timing import Timing

    timing = Timing(seed=args.seed, phases=getattr(args, "phases", None) or "spread",
                    cohorts=getattr(args, "cohorts", None))
    asked = replace(q, props=tuple(props), started=time.monotonic(),
                    parameters={"runs": args.runs, "jobs": args.jobs, "timing": timing})
    return check_engine(MonteCarloCheck(), asked, out, inputs)


def check_parser() -> argparse.ArgumentParser:
    """The parser of ``check``'s arguments (the same flags as ``bgpcascade check``)."""
    parser = OneLineParser(prog="bgpcascade check")
    add_zone_flags(parser, check=True)
    return parser


def check(*argv: str) -> CheckOutcome:
    """``check`` from Python, with the command line's arguments:
    ``check("zones/a.yaml", "--engine", "z3", "--vary", "a.clients=2..40")``. Bad input
    raises :class:`~bgpcascade.model.errors.InputError`; a bad flag prints one line and
    raises SystemExit(2), as the command does."""
    return run_check(check_parser().parse_args(list(argv)))
