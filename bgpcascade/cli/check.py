"""``bgpcascade check ZONE...``: every selected property, by every selected engine, for CI.

Per zone: static properties from the RFC 4456 analysis, then each engine (``sim``: every
single flap at the zone as written, ranked; ``z3``: every point of the --vary ranges;
``hypothesis``: sequences of triggers and waits, shrunk). An engine that finds a
counterexample reports the properties it violates, writes it under --out with its replay
command, and searches again for the properties still open, until each is VIOLATED, HOLDS
or UNKNOWN. Exit 0 all hold, 1 something is violated, 2 bad input, 3 nothing violated but
something unknown (docs/cli.md, "Exit codes"). Flags and JSON keys: docs/cli.md; CI
recipes: docs/ci.md.
"""

from __future__ import annotations

import argparse
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from bgpcascade.cli.search import (
    build_engine,
    engine_bounds,
    num,
    parse_props,
    write_counterexample,
)
from bgpcascade.io import check_out_dir, dumps_json, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.progress import Progress
from bgpcascade.properties.engines.cascade_z3 import (
    BudgetExceeded,
    Engine,
    Finding,
    Ranked,
    exists_violation,
    rank_triggers,
)
from bgpcascade.properties.engines.hypothesis_engine import HypothesisResult, hypothesis_search
from bgpcascade.properties.library import Selected

EXIT_OK, EXIT_VIOLATED, EXIT_UNKNOWN = 0, 1, 3
ENGINES = ("sim", "z3", "hypothesis")


@dataclass
class Row:
    """One verdict: a property of a zone, by one engine."""

    zone: str
    source: str
    prop: str
    engine: str
    status: str
    detail: str
    counterexample: dict[str, Any] | None = None
    seconds: float = 0.0


@dataclass
class Run:
    """One engine on one zone: its bounds and what it found (the JSON ``runs`` entry)."""

    zone: str
    engine: str
    status: str = "HOLDS"
    properties: list[str] = field(default_factory=list)
    bounds: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    counterexamples: list[dict[str, Any]] = field(default_factory=list)
    triggers_ranked: list[dict[str, Any]] | None = None


def _stem(zone: str, engine: str, n: int) -> str:
    return f"{zone}-{engine}-counterexample" + (f"-{n}" if n > 1 else "")


def _check_engine(engine: str, eng: Engine, args: argparse.Namespace, out: Path,
                  inputs: tuple[str, ...], progress: Progress) -> tuple[Run, list[Row]]:
    """Run one engine until every property is decided (see the module docstring)."""
    zone = eng.space.zone.name
    run = Run(zone, engine, properties=[s.label for s in eng.props])
    rows: list[Row] = []
    remaining: list[Selected] = list(eng.props)
    started = time.monotonic()
    n = 0
    while remaining:
        eng.props = remaining
        if engine == "hypothesis":
            res = _hypothesis(eng, args, progress)
            found: Finding | HypothesisResult = res
            run.bounds = {"horizon_s": num(eng.horizon), "examples": res.examples,
                          "runs": res.runs, "seed": args.seed,
                          "triggers": [t.label() for t in eng.triggers],
                          "ranges": {p.name: [p.lo, p.hi] for p in eng.space.params}}
            status = res.status
            if status == "VIOLATED":
                assert res.scenario is not None and res.trace is not None
                n += 1
                cx = write_counterexample(
                    out, _stem(zone, engine, n), eng.space.text_at(res.scenario.point),
                    res.trace, res.scenario.triggers, res.scenario.point, res.violated,
                    eng.horizon, inputs)
            bound = f"{res.examples} scenarios of up to {args.max_triggers} trigger(s), " \
                f"seed {args.seed}, " \
                f"horizon {num(eng.horizon)} s (a bounded search, not a proof)"
            reason = res.reason
        else:
            ranked: list[Ranked] = []
            if engine == "sim":
                try:
                    ranked = rank_triggers(eng)
                    worst = next((r.finding for r in ranked if r.finding is not None), None)
                    f = worst if worst is not None else Finding("HOLDS")
                except BudgetExceeded:
                    f = Finding("UNKNOWN", f"budget of {eng.timeout:g} s ran out")
                if run.triggers_ranked is None:
                    run.triggers_ranked = [
                        {"trigger": r.trigger.label(), "verdict": r.verdict,
                         "cascade_sessions": r.cascade_sessions,
                         "clients_isolated_peak": r.clients_isolated_peak,
                         "violated": r.violated} for r in ranked]
            else:
                f = exists_violation(eng)
            found = f
            run.bounds = engine_bounds(eng)
            status = f.status
            if status == "VIOLATED":
                assert f.trace is not None and f.point is not None and f.trigger is not None
                n += 1
                cx = write_counterexample(
                    out, _stem(zone, engine, n), eng.space.text_at(f.point), f.trace,
                    [f.trigger], f.point, f.violated, eng.horizon, inputs)
            ranges = ", ".join(f"{p.name}={p.lo}..{p.hi}" for p in eng.space.params
                               if p.lo < p.hi) or "the zone as written"
            bound = f"horizon {num(eng.horizon)} s, {len(eng.triggers)} triggers, " \
                f"{ranges}; {eng.paths} paths of up to {eng.max_steps} events"
            reason = f.reason
        if status == "VIOLATED":
            run.counterexamples.append(cx)
            run.status = "VIOLATED"
            violated = set(found.violated)
            point = ", ".join(f"{k}={v}" for k, v in cx["point"].items())
            at = f" at {point}" if point else ""
            for s in remaining:
                if s.label in violated:
                    rows.append(Row(zone, eng.space.source, s.label, engine, "VIOLATED",
                                    f"{cx['trigger']}{at} -> {cx['verdict']}; "
                                    f"replay: {cx['replay']}", cx,
                                    time.monotonic() - started))
            remaining = [s for s in remaining if s.label not in violated]
            if eng.remaining() <= 0:
                status, reason = "UNKNOWN", f"budget of {eng.timeout:g} s ran out"
            else:
                continue
        for s in remaining:
            rows.append(Row(zone, eng.space.source, s.label, engine, status,
                            bound if status == "HOLDS" else f"{reason}",
                            None, time.monotonic() - started))
        if status == "UNKNOWN" and run.status != "VIOLATED":
            run.status, run.reason = "UNKNOWN", reason or None
        break
    return run, rows


def _hypothesis(eng: Engine, args: argparse.Namespace, progress: Progress) -> HypothesisResult:
    return hypothesis_search(eng.space, eng.triggers, eng.props, eng.horizon,
                             budget=max(0.0, eng.remaining()), seed=args.seed,
                             max_examples=args.examples, max_triggers=args.max_triggers,
                             database=None if args.database in ("", "none")
                             else Path(args.database),
                             progress=progress)


def _static_rows(zone_name: str, source: str, zone: Any, props: list[Selected]) -> list[Row]:
    rows = []
    for s in props:
        ok = s.holds_zone(zone)
        rows.append(Row(zone_name, source, s.label, "static", "HOLDS" if ok else "VIOLATED",
                        "RFC 4456 analysis (see `bgpcascade lint`)" + ("" if ok else
                                                                      ": failing rows")))
    return rows


@dataclass
class CheckOutcome:
    """What a ``check`` found: one row per (zone, property, engine), the runs, the overall
    status. :meth:`assert_holds` is what the pytest fixture uses."""

    rows: list[Row]
    runs: list[Run]
    status: str

    def exit_code(self) -> int:
        """0 all hold, 1 something violated, 3 nothing violated but something unknown."""
        return {"HOLDS": EXIT_OK, "VIOLATED": EXIT_VIOLATED}.get(self.status, EXIT_UNKNOWN)

    def failures(self) -> list[Row]:
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
    # Validate every zone and flag first: bad input is exit 2 before any long run.
    share = args.timeout / max(1, len(args.zone) * len(engines))
    engs = [build_engine(args, z, dynamic, progress, share) for z in args.zone]
    names = [e.space.zone.name for e in engs]
    for name in names:
        if names.count(name) > 1:
            raise InputError(f"two zone files are named {name!r}", field="zone",
                             allowed="zone files with different `zone:` names (reports "
                             "and counterexamples are named after them)")
    if "sim" in engines:
        for e in engs:
            if any(p.lo < p.hi for p in e.space.params):
                raise InputError("--engine sim checks the zone as written", field="--vary",
                                 allowed="--engine z3 or hypothesis for ranges (or `search`)")
    out = check_out_dir(args.out, inputs=inputs)
    rows: list[Row] = []
    runs: list[Run] = []
    for eng in engs:
        zone = eng.space.zone
        rows += _static_rows(zone.name, eng.space.source, zone, static)
        if not dynamic:
            continue
        for engine in engines:
            progress(f"{zone.name}: {engine}")
            e = Engine(eng.space, eng.triggers, list(dynamic), eng.horizon,
                       timeout=share, progress=progress, jobs=eng.jobs)
            run, got = _check_engine(engine, e, args, out, inputs, progress)
            runs.append(run)
            rows += got
    order = {s.label: i for i, s in enumerate(props)}
    zones = {e.space.zone.name: i for i, e in enumerate(engs)}
    kinds = {e: i for i, e in enumerate(("static", *ENGINES))}
    rows.sort(key=lambda r: (zones[r.zone], order[r.prop], kinds[r.engine]))
    overall = "VIOLATED" if any(r.status == "VIOLATED" for r in rows) else \
        "UNKNOWN" if any(r.status == "UNKNOWN" for r in rows) else "HOLDS"
    return CheckOutcome(rows, runs, overall)


def cmd_check(args: argparse.Namespace) -> int:
    """``bgpcascade check ZONE...``: exit 0 all hold, 1 violated, 3 unknown (2 bad input)."""
    res = run_check(args)
    _print(res.rows, res.runs)
    inputs = tuple(args.zone)
    if args.json:
        safe_write(args.json, dumps_json(_json(res.status, res.rows, res.runs)),
                   inputs=inputs)
    if args.junit:
        safe_write(args.junit, junit_xml(res.rows), inputs=inputs)
    return res.exit_code()


def check(*argv: str) -> CheckOutcome:
    """``check`` from Python, with the command line's arguments:
    ``check("zones/a.yaml", "--engine", "z3", "--vary", "a.clients=2..40")``. Bad input
    raises :class:`~bgpcascade.model.errors.InputError`."""
    from bgpcascade.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["check", *argv])
    return run_check(args)


def _print(rows: list[Row], runs: list[Run]) -> None:
    import sys

    console = Console(width=None if sys.stdout.isatty() else 160, highlight=False,
                      soft_wrap=False)
    table = RichTable(title="bgpcascade check", title_justify="left")
    for col in ("zone", "property", "engine", "status", "detail"):
        table.add_column(col, overflow="fold")
    for r in rows:
        style = {"VIOLATED": "bold red", "UNKNOWN": "yellow", "HOLDS": "green"}[r.status]
        table.add_row(escape(r.zone), escape(r.prop), r.engine,
                      f"[{style}]{r.status}[/]", escape(r.detail))
    console.print(table)
    for run in runs:
        if run.triggers_ranked:
            console.print(f"{escape(run.zone)}: worst single flaps (sessions reset by the "
                          "cascade, clients isolated):")
            for t in run.triggers_ranked[:5]:
                console.print(f"  {escape(t['trigger']):<36} {t['verdict']:<12} "
                              f"{t['cascade_sessions']:>7,} {t['clients_isolated_peak']:>7,}")
        for cx in run.counterexamples:
            console.print(f"{escape(run.zone)} ({run.engine}) counterexample: "
                          f"{escape(cx['zone'])}")
            console.print(f"  replay: {escape(cx['replay'])}")
            console.print(f"  or: {escape(cx['simulate'])}")


def _json(overall: str, rows: list[Row], runs: list[Run]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "status": overall,
        "results": [{"zone": r.zone, "source": r.source, "property": r.prop,
                     "engine": r.engine, "status": r.status, "detail": r.detail,
                     "counterexample": r.counterexample} for r in rows],
        "runs": [{"zone": r.zone, "engine": r.engine, "status": r.status,
                  "properties": r.properties, "bounds": r.bounds, "reason": r.reason,
                  "counterexample": r.counterexamples[0] if r.counterexamples else None,
                  "counterexamples": r.counterexamples,
                  "triggers_ranked": r.triggers_ranked} for r in runs]}
    if len(runs) == 1:  # one zone, one engine: its keys at the top level too (docs/cli.md)
        one = data["runs"][0]
        data.update({k: v for k, v in one.items() if k != "status"})
        data["status"] = overall
    return data


def junit_xml(rows: list[Row]) -> str:
    """JUnit XML: a testsuite per zone, a testcase per (property, engine); VIOLATED is a
    failure (with the replay command), UNKNOWN an error, so CI never shows it green."""
    suites = ET.Element("testsuites", name="bgpcascade")
    by_zone: dict[str, list[Row]] = {}
    for r in rows:
        by_zone.setdefault(r.zone, []).append(r)
    for zone, zrows in by_zone.items():
        suite = ET.SubElement(suites, "testsuite", name=zone, tests=str(len(zrows)),
                              failures=str(sum(r.status == "VIOLATED" for r in zrows)),
                              errors=str(sum(r.status == "UNKNOWN" for r in zrows)))
        for r in zrows:
            case = ET.SubElement(suite, "testcase", classname=f"bgpcascade.{zone}",
                                 name=f"{r.prop} [{r.engine}]", file=r.source)
            if r.status == "VIOLATED":
                fail = ET.SubElement(case, "failure", type="VIOLATED", message=r.detail)
                fail.text = r.detail
            elif r.status == "UNKNOWN":
                err = ET.SubElement(case, "error", type="UNKNOWN", message=r.detail)
                err.text = r.detail
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"
