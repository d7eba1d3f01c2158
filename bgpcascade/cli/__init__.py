"""The ``bgpcascade`` command line (docs/cli.md).

Exit codes (for CI): 0 holds / ok, 1 violated (a check failed; its table is printed and,
with --json, written), 2 bad input or usage (ONE line on stderr, never a traceback),
3 unknown (a budget ran out or the solver gave up).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from bgpcascade import __version__
from bgpcascade.cli.calibrate import add_calibrate_args, cmd_calibrate
from bgpcascade.cli.check import cmd_check
from bgpcascade.cli.importer import add_import_args, cmd_import
from bgpcascade.cli.lab import add_lab_args, cmd_lab
from bgpcascade.cli.review import add_review_args, cmd_review
from bgpcascade.cli.search import add_search_args, cmd_search
from bgpcascade.io import check_out_dir, dumps_json, load_zone_file, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.model.summary import zone_summary
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import zone_json_schema
from bgpcascade.progress import Progress
from bgpcascade.properties.static import LintResult, Table, lint

EXIT_OK, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_UNKNOWN = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in ONE line and exits 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _console() -> Console:
    # A fixed width off a terminal keeps output byte-identical across machines and pipes.
    return Console(width=None if sys.stdout.isatty() else 120, highlight=False,
                   soft_wrap=False)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = _Parser(prog="bgpcascade", description="Find the single BGP session flap that "
                     "cascades into a zone-wide outage, or show within bounds that none does.")
    parser.add_argument("--version", action="version", version=f"bgpcascade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("demo", help="the main job on the built-in fr-par-like zone")
    p.add_argument("--out", default="bgpcascade-demo", help="output directory "
                   "(default ./bgpcascade-demo)")
    _add_common(p)

    p = sub.add_parser("lint", help="schema and static route-reflection checks")
    p.add_argument("zone", help="zone file (YAML), or builtin:fr-par-like")
    p.add_argument("--json", metavar="FILE", help="write the check tables as JSON")
    p.add_argument("--rows", type=int, default=20, metavar="N",
                   help="rows shown per table in the terminal (default 20; JSON has all)")
    _add_common(p)

    p = sub.add_parser("show", help="summary of a zone, or the JSON Schema ('show schema')")
    p.add_argument("zone", help="zone file (YAML), builtin:fr-par-like, or 'schema'")
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    _add_common(p)

    p = sub.add_parser("schema", help="print the JSON Schema of zone files")
    _add_common(p)

    p = sub.add_parser("simulate", help="what a flap, spike, restart or pause does to the zone "
                       "(always exit 0: a what-if; `check` is what fails)")
    p.add_argument("zone", nargs="?", help="zone file (YAML) or builtin:fr-par-like")
    p.add_argument("--flap", action="append", default=[], metavar="A~B@T",
                   help="the session A~B goes down at T seconds (repeatable)")
    p.add_argument("--down", type=float, default=0.0, metavar="S",
                   help="keep flapped sessions down S seconds before they may reconnect")
    p.add_argument("--spike", action="append", default=[], metavar="SPEAKER:WORK@T",
                   help="WORK units arrive at SPEAKER at T (repeatable)")
    p.add_argument("--restart", action="append", default=[], metavar="SPEAKER@T",
                   help="SPEAKER's process restarts at T (repeatable)")
    p.add_argument("--pause", action="append", default=[], metavar="SPEAKER:SECONDS@T",
                   help="SPEAKER's process is frozen from T for SECONDS, KEEPALIVEs and all, "
                   "like a SIGSTOP or a hung VM (repeatable)")
    p.add_argument("--horizon", type=float, default=600.0, metavar="S",
                   help="seconds simulated (default 600)")
    p.add_argument("--dt", type=float, default=1.0, metavar="S",
                   help="sampling step of the trace's series (default 1 s)")
    p.add_argument("--outage-threshold", type=float, default=0.5, metavar="F",
                   help="zone-outage when this fraction of clients is isolated or of client "
                   "pairs unreachable (default 0.5)")
    p.add_argument("--explicit", action="store_true",
                   help="one state per speaker instead of per symmetry group (slow; same "
                   "answer)")
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    p.add_argument("--trace", metavar="FILE", help="write the whole trace as JSON")
    p.add_argument("--replay", metavar="TRACE", help="recompute a trace and fail (exit 1) "
                   "if anything differs")
    _add_common(p)

    p = sub.add_parser("fsm", help="the BGP session FSM: its table, a drawing, Z3 proofs")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--table", action="store_true", help="print the transition table")
    what.add_argument("--dot", action="store_true", help="print the FSM as Graphviz DOT")
    what.add_argument("--check", action="store_true", help="prove the FSM properties with "
                      "Z3; exit 0 all hold, 1 one is violated, 3 unknown")
    p.add_argument("--format", choices=("markdown", "json"), default="markdown",
                   help="table format (default markdown)")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="Z3 time limit per property in seconds (default 60)")
    p.add_argument("--json", metavar="FILE", help="with --check: write the verdicts as JSON")
    _add_common(p)

    p = sub.add_parser("check", help="judge zones by properties with the sim, z3 and "
                       "hypothesis engines, for CI (exit 0 holds, 1 violated, 3 unknown)")
    add_search_args(p, check=True)

    p = sub.add_parser("search", help="the boundary of one parameter between safe and "
                       "cascading, and the headroom of its current value")
    add_search_args(p, check=False)

    p = sub.add_parser("review", help="the design review of an RR sharding: per-shard "
                       "boundaries and headroom, what-ifs, recommendations (HTML + "
                       "Markdown)")
    add_review_args(p)

    p = sub.add_parser("lab", help="the zone on real FRR daemons (one bgpd per speaker on "
                       "127.0.1.x): a scenario, its counters and session changes")
    add_lab_args(p)

    p = sub.add_parser("import", help="a zone from what operators have: FRR "
                       "configurations (`import frr PATH...`), with a report of what was "
                       "left out")
    add_import_args(p)

    p = sub.add_parser("calibrate", help="measure what a route costs FRR on this machine "
                       "(bursts on the lab, a fit) and write the profile")
    add_calibrate_args(p)

    p = sub.add_parser("explore", help="generated zones: the smallest one a single flap "
                       "breaks (Hypothesis, shrunk)")
    p.add_argument("--property", action="append", default=[], metavar="NAME[=ARG]",
                   help="run properties (repeatable; default no_cascade and no_zone_outage)")
    p.add_argument("--examples", type=int, default=100, metavar="N",
                   help="generated zones to try (default 100)")
    p.add_argument("--seed", type=int, default=0, help="the seed (default 0)")
    p.add_argument("--budget", type=float, default=300.0, metavar="S",
                   help="seconds (default 300); out of budget before a failure: UNKNOWN")
    p.add_argument("--horizon", type=float, default=300.0, metavar="S",
                   help="seconds simulated (default 300)")
    p.add_argument("--max-clients", type=int, default=400, metavar="N",
                   help="clients per shard at most (default 400)")
    p.add_argument("--profiles", default="frr,bird,gobgp,openbgpd,appliance",
                   help="implementations to draw from (default: all five built-ins)")
    p.add_argument("--min-rrs", type=int, default=2, metavar="N",
                   help="RRs per shard at least (default 2: no single-homed client, "
                   "whose isolation lint already reports)")
    p.add_argument("--out", default="bgpcascade-out", metavar="DIR",
                   help="where the shrunk zone and its trace go (default bgpcascade-out)")
    _add_common(p)

    p = sub.add_parser("properties", help="the properties --property accepts")
    p.add_argument("--properties-from", action="append", default=[], metavar="FILE.py",
                   help="a Python file that registers properties of your own")
    p.add_argument("--json", action="store_true", help="as JSON")

    p = sub.add_parser("render", help="draw a zone's topology, or a trace's frames and "
                       "timeline charts (Graphviz DOT + SVG)")
    p.add_argument("input", help="zone file (YAML), builtin:fr-par-like, or a trace "
                   "(*.json, from simulate --trace or a counterexample)")
    p.add_argument("--out", required=True, help="output directory")
    _add_common(p)
    return parser


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output file a command was given (``--json``, ``--trace``, ``--junit``,
    ``--report``), checked before any work: not an input, not a directory, not under a
    system directory, its directory writable. So a long run never ends in a refusal."""
    from bgpcascade.io import check_out_file

    inputs: list[str] = []
    for name in ("zone", "paths", "replay", "side"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            inputs.append(value)
        elif isinstance(value, list):
            inputs += [str(v) for v in value]
    for name in ("json", "trace", "junit", "report"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            check_out_file(value, f"--{name}", inputs=tuple(inputs))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = _HANDLERS[args.command]
        _check_outputs(args)
        return handler(args)
    except InputError as exc:
        print(f"bgpcascade: error: {exc.one_line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("bgpcascade: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `bgpcascade fsm --table | head`: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


# -- lint ------------------------------------------------------------------------------


def _print_table(console: Console, table: Table, limit: int) -> None:
    status = "[green]PASS[/]" if table.passed else "[red]FAIL[/]"
    if table.kind == "report":
        status = "[cyan]INFO[/]"
    console.print(f"{status} {table.name}: {table.title} "
                  f"({len(table.rows)} row{'s' if len(table.rows) != 1 else ''})")
    if not table.rows:
        return
    rt = RichTable(show_edge=False, pad_edge=False, box=None, header_style="bold")
    for col in table.columns:
        rt.add_column(col, justify="right" if isinstance(table.rows[0][table.columns.index(col)],
                                                          int | float) else "left")
    for row in table.rows[:limit]:
        rt.add_row(*(_cell(c) for c in row))
    console.print(rt)
    if len(table.rows) > limit:
        console.print(f"  ... {len(table.rows) - limit} more rows (all in --json)")


def _cell(c: Any) -> str:
    if isinstance(c, bool):
        return str(c).lower()
    if isinstance(c, int):
        return f"{c:,}"
    if isinstance(c, float):
        return f"{c:,.3g}"
    return "" if c is None else escape(str(c))


def _lint_zone(zone: Zone, progress: Progress) -> LintResult:
    return lint(zone, progress=lambda step: progress(f"lint {zone.name}: {step}"))


def cmd_lint(args: argparse.Namespace) -> int:
    """``bgpcascade lint ZONE``: exit 0 when every check's table is empty, else 1."""
    progress = Progress(args.quiet)
    zone = load_zone_file(args.zone)
    result = _lint_zone(zone, progress)
    console = _console()
    console.print(f"zone {zone.name}: {zone.speaker_count:,} speakers, "
                  f"{zone.total_sessions:,} sessions ({escape(zone.source)})")
    for table in result.tables:
        _print_table(console, table, args.rows)
    failed = [t.name for t in result.tables if not t.passed]
    console.print("lint: ok" if not failed else f"lint: FAILED ({', '.join(failed)})")
    if args.json:
        safe_write(args.json, dumps_json(result.as_json()), inputs=(args.zone,))
    return EXIT_OK if result.ok else EXIT_VIOLATED


# -- show / schema -----------------------------------------------------------------------


def _print_summary(console: Console, s: dict[str, Any]) -> None:
    console.print(f"zone [bold]{escape(s['zone'])}[/] ({s['form']} form): "
                  f"{s['speakers']:,} speakers, "
                  f"{s['route_reflectors']} route reflectors in {len(s['rr_tiers'])} "
                  f"tier(s), {s['clients']:,} clients, {s['sessions']:,} sessions, "
                  f"{s['routes']:,} routes")
    t = s["timers"]
    console.print(f"timers (zone default): hold {t['hold']} s, keepalive {t['keepalive']} s, "
                  f"connect-retry {t['connect_retry']} s")
    if s["shards"]:
        rt = RichTable(box=None, header_style="bold", pad_edge=False)
        for col in ("shard", "rrs", "rr_profile", "cluster_id", "clients",
                    "routes_per_client", "hold", "keepalive"):
            rt.add_column(col)
        for sh in s["shards"]:
            rt.add_row(*(_cell(sh[c]) for c in ("shard", "rrs", "rr_profile", "cluster_id",
                                                "clients", "routes_per_client", "hold",
                                                "keepalive")))
        console.print(rt)
    rt = RichTable(box=None, header_style="bold", pad_edge=False,
                   title="route reflectors at rest", title_justify="left")
    cols = ("rr", "profile", "sessions", "adj_rib_in_paths", "adj_rib_out_copies",
            "keepalives_per_s", "rest_utilisation_percent", "full_resync_s")
    headers = {"adj_rib_in_paths": "rib_in_paths", "adj_rib_out_copies": "rib_out_copies",
               "keepalives_per_s": "keepalive/s", "rest_utilisation_percent": "rest_util_%"}
    for col in cols:
        rt.add_column(headers.get(col, col), justify="left" if col in ("rr", "profile")
                      else "right")
    for r in s["rr_load"]:
        rt.add_row(*(_cell(r[c]) for c in cols))
    console.print(rt)
    console.print("full_resync_s: seconds at the profile's capacity to take in every "
                  "Adj-RIB-In path and send the whole Adj-RIB-Out once.")


def cmd_show(args: argparse.Namespace) -> int:
    """``bgpcascade show ZONE``: the summary table (``show schema``: the JSON Schema)."""
    if args.zone == "schema" and not Path("schema").exists():
        return cmd_schema(args)
    zone = load_zone_file(args.zone)
    Progress(args.quiet)(f"summarising {zone.name}")
    summary = zone_summary(zone)
    _print_summary(_console(), summary)
    if args.json:
        safe_write(args.json, dumps_json(summary), inputs=(args.zone,))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    """``bgpcascade schema``: the JSON Schema of zone files on stdout."""
    sys.stdout.write(json.dumps(zone_json_schema(), indent=2, sort_keys=True) + "\n")
    return EXIT_OK


# -- simulate ----------------------------------------------------------------------------


def _positive(value: float, flag: str, allow_zero: bool = False) -> Fraction:
    import math

    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"{value:g} is not allowed", field=flag,
                         allowed="seconds >= 0" if allow_zero else "a number > 0")
    return Fraction(str(value))


def _timeline(console: Console, trace: dict[str, Any], limit: int = 24) -> None:
    events = trace["events"]
    console.print(f"[bold]timeline[/] ({len(events)} session events)")
    shown = events if len(events) <= limit else events[: limit - 4] + events[-4:]
    for i, e in enumerate(shown):
        if len(events) > limit and i == limit - 4:
            console.print(f"  ... {len(events) - limit} more (all in --trace)")
        mark = "[red]down[/]" if e["kind"] == "down" else "[green]up  [/]"
        count = f" x{e['count']}" if e["count"] > 1 else ""
        why = "" if e["kind"] == "established" else f" {escape(e['reason'])} at {escape(e['at'])}"
        console.print(f"  t={e['t']:>10.3f}s {mark} {escape(e['session'])}{count}{why}")


def _print_sim_summary(console: Console, s: dict[str, Any]) -> None:
    colour = {"contained": "green", "cascade": "yellow", "zone-outage": "red"}[s["verdict"]]
    console.print(f"verdict: [{colour}]{s['verdict']}[/] ({escape(s['zone'])}, "
                  f"{s['horizon_s']} s after "
                  f"{', '.join(escape(t['label']) for t in s['triggers']) or 'no trigger'})")
    first = s["first_cascade_reset_s"]
    # A count of resets: a session that goes down twice counts twice, so it can pass the
    # number of sessions (docs/cli.md, `sessions_reset`).
    console.print(f"  session resets beyond the trigger: {s['sessions_reset']:,} (the zone "
                  f"has {s['sessions_total']:,} sessions)"
                  + (f", first {first:.1f} s after the trigger" if first is not None else ""))
    console.print(f"  resets by reason: {s['resets_by_reason'] or 'none'}")
    console.print(f"  clients isolated at peak: {s['clients_isolated_peak']:,} of "
                  f"{s['clients_total']:,}; client pairs unreachable at peak: "
                  f"{100 * s['unreachable_pairs_peak_fraction']:.1f}%")
    worst = sorted(s["peak_queue_delay_s"].items(), key=lambda kv: -kv[1])[:5]
    console.print("  peak queue delay: " + ", ".join(f"{escape(k)} {v:,.1f} s"
                                                     for k, v in worst))
    rc = s["reconverged_at_s"]
    when = f"at {rc:.1f} s" if rc is not None else "no, within the horizon"
    console.print(f"  reconverged: {when}")


#: The longest run `simulate` takes: a day of zone time (the built-in zone simulates 300 s in
#: about 0.2 s, so a day is about a minute; a longer horizon is refused, not left to run).
MAX_HORIZON = 86_400
#: The most speakers `simulate --explicit` runs one by one (benchmarks/RESULTS.md: 500
#: clients take 54 s, 5,000 more than a minute, a million grew past 3.6 GB in 2 minutes).
MAX_EXPLICIT = 1_000


def _check_run(horizon: Fraction, dt: Fraction, threshold: float, triggers: list[Any],
               source: str | None) -> None:
    """The run's bounds, the same for a new run and a replayed trace."""
    if not horizon > 0 or horizon > MAX_HORIZON:
        raise InputError(f"horizon {float(horizon):g} s", source=source, field="--horizon",
                         allowed=f"0 < S <= {MAX_HORIZON:,} s")
    if not dt > 0:
        raise InputError(f"dt {float(dt):g} s", source=source, field="--dt", allowed="> 0")
    if not 0 < threshold <= 1:
        raise InputError(f"{threshold:g} is not allowed", source=source,
                         field="--outage-threshold", allowed="a fraction in (0, 1]")
    for trig in triggers:
        if trig.t > horizon:
            raise InputError(f"{trig.label()} is after the horizon ({float(horizon):g} s)",
                             source=source, field="--horizon",
                             allowed="a horizon after every trigger")
    if horizon / dt > 1_000_000:
        raise InputError(f"{float(horizon / dt):,.0f} samples", source=source, field="--dt",
                         allowed="horizon/dt <= 1,000,000")


def cmd_simulate(args: argparse.Namespace) -> int:
    """``bgpcascade simulate``: always 0 for a finished run (2 bad input, 1 replay diff)."""
    from bgpcascade.io import read_zone_text
    from bgpcascade.model.trace import simulate, trigger_from_json
    from bgpcascade.model.triggers import (
        check_trigger,
        parse_flap,
        parse_pause,
        parse_restart,
        parse_spike,
    )
    from bgpcascade.model.zonefile import load_zone

    progress = Progress(args.quiet)
    stored: dict[str, Any] | None = None
    if args.replay:
        if args.zone:
            raise InputError("give either ZONE or --replay TRACE", field="--replay",
                             allowed="simulate --replay TRACE")
        try:
            stored = json.loads(Path(args.replay).read_text(encoding="utf-8"))
            assert isinstance(stored, dict)
            _check_trace_version(stored, args.replay)
            params = stored["params"]
            assert isinstance(params, dict) and isinstance(params["triggers"], list)
            text, source = stored["zone_text"], stored["zone_source"]
            assert isinstance(text, str) and isinstance(source, str)
            triggers = [trigger_from_json(t) for t in params["triggers"]]
            horizon = Fraction(str(params["horizon_s"]))
            dt = Fraction(str(params["dt_s"]))
            threshold = float(params["outage_threshold"])
            expand = params["expand"]
            assert isinstance(expand, bool)
        except InputError:
            raise
        except (OSError, ValueError, KeyError, TypeError, AssertionError,
                ZeroDivisionError) as exc:
            raise InputError(f"not a bgpcascade trace ({type(exc).__name__})",
                             source=args.replay, allowed="a file written by --trace") from None
        zone = load_zone(text, source=source)
        for trig in triggers:
            check_trigger(zone, trig, source=args.replay)
        _check_run(horizon, dt, threshold, triggers, args.replay)
    else:
        if not args.zone:
            raise InputError("missing ZONE", field="simulate",
                             allowed="simulate ZONE [--flap A~B@T] ... or --replay TRACE")
        text, source = read_zone_text(args.zone), args.zone
        zone = load_zone(text, source=args.zone)
        horizon = _positive(args.horizon, "--horizon")
        dt = _positive(args.dt, "--dt")
        down = _positive(args.down, "--down", allow_zero=True)
        threshold = args.outage_threshold
        expand = args.explicit
        if expand and zone.speaker_count > MAX_EXPLICIT:
            raise InputError(f"{zone.speaker_count:,} speakers", field="--explicit",
                             allowed=f"at most {MAX_EXPLICIT:,} speakers one by one (500 "
                             "take about a minute); without --explicit the same answer "
                             "for any size")
        triggers = [parse_flap(zone, f, down) for f in args.flap] + \
            [parse_spike(zone, x) for x in args.spike] + \
            [parse_restart(zone, r) for r in args.restart] + \
            [parse_pause(zone, x) for x in args.pause]
        _check_run(horizon, dt, threshold, triggers, None)
    step_every = max(Fraction(1), horizon / 10)
    last = [Fraction(0)]

    def tick(t: Fraction) -> None:
        if t - last[0] >= step_every or t == horizon:
            last[0] = t
            progress(f"simulated {float(t):.0f} of {float(horizon):.0f} s")

    trace = simulate(zone, text, source, triggers, horizon=horizon, dt=dt,
                     outage_threshold=threshold, expand=expand, progress=tick)
    if stored is not None:
        if trace == stored:
            print(f"replay: identical ({len(trace['events'])} events, verdict "
                  f"{trace['summary']['verdict']})")
            return EXIT_OK
        diff = next((k for k in sorted(set(trace) | set(stored))
                     if trace.get(k) != stored.get(k)), "?")
        print(f"replay: DIFFERS in '{diff}' (the trace does not match this model)",
              file=sys.stderr)
        return EXIT_VIOLATED
    console = _console()
    _timeline(console, trace)
    _print_sim_summary(console, trace["summary"])
    inputs = (args.zone,)
    if args.json:
        safe_write(args.json, dumps_json(trace["summary"]), inputs=inputs)
    if args.trace:
        safe_write(args.trace, dumps_json(trace), inputs=inputs)
    return EXIT_OK


# -- fsm ---------------------------------------------------------------------------------


def cmd_fsm(args: argparse.Namespace) -> int:
    """``bgpcascade fsm --table|--dot|--check``."""
    from bgpcascade.model.fsm import TABLE, table_json

    if args.table:
        if args.format == "json":
            sys.stdout.write(json.dumps(table_json(), indent=2) + "\n")
            return EXIT_OK
        print("| state | event | guard | next state | actions | deviation |")
        print("|---|---|---|---|---|---|")
        for t in TABLE:
            nxt = t.next_state.value + (f" (RFC: {t.rfc_next.value})"
                                        if t.rfc_next is not t.next_state else "")
            print(f"| {t.state.value} | {int(t.event)} {t.event.name} | {t.guard.value} | "
                  f"{nxt} | {'; '.join(str(a) for a in t.actions) or '(ignored)'} | "
                  f"{t.deviation or ''} |")
        return EXIT_OK
    if args.dot:
        from bgpcascade.diagrams import fsm_to_dot

        sys.stdout.write(fsm_to_dot())
        return EXIT_OK
    from bgpcascade.properties.fsm.proofs import check_all
    from bgpcascade.properties.verdict import exit_code

    if args.timeout <= 0:
        raise InputError(f"{args.timeout} is not allowed", field="--timeout",
                         allowed="seconds > 0")
    progress = Progress(args.quiet)
    progress("proving FSM properties with Z3")
    verdicts = check_all(timeout_s=args.timeout)
    console = _console()
    for v in verdicts:
        colour = {"HOLDS": "green", "VIOLATED": "red"}.get(v.status, "yellow")
        console.print(f"[{colour}]{v.status:8}[/] {escape(v.property)}: {escape(v.method)}")
        if v.detail:
            console.print(f"         {escape(v.detail)}")
        if v.trace:
            console.print(f"         events: {escape(' -> '.join(v.trace))}")
    if args.json:
        safe_write(args.json, dumps_json([v.as_json() for v in verdicts]))
    return exit_code(verdicts)


# -- render ------------------------------------------------------------------------------


def cmd_render(args: argparse.Namespace) -> int:
    """``bgpcascade render ZONE|TRACE --out DIR``: a zone's topology.dot (+ .svg), or a
    trace's frames, charts and index.html."""
    from bgpcascade.diagrams import render_trace, render_zone

    if args.input.endswith(".json"):
        trace = _read_trace(args.input)
        out = check_out_dir(args.out, inputs=(args.input,))
        Progress(args.quiet)(f"rendering trace of {trace['zone']} into {out}")
        res = render_trace(trace, out, inputs=(args.input,))
        print(f"wrote {len(res.frames)} frames, {len(res.charts)} charts and {res.index}")
        if res.message:
            print(res.message, file=sys.stderr)
        return EXIT_OK
    zone = load_zone_file(args.input)
    out = check_out_dir(args.out, inputs=(args.input,))
    Progress(args.quiet)(f"rendering {zone.name} into {out}")
    result = render_zone(zone, out)
    print(f"wrote {result.dot_path}")
    if result.svg_path is not None:
        print(f"wrote {result.svg_path}")
    if result.message:
        print(result.message, file=sys.stderr)
    return EXIT_OK


def _check_trace_version(data: dict[str, Any], path: str) -> None:
    """Refuse a trace of another format version (its keys may mean something else)."""
    from bgpcascade.model.trace import TRACE_VERSION

    version = data.get("version")
    if type(version) is not int or version != TRACE_VERSION:
        raise InputError(f"trace format version {version!r}", source=path, field="version",
                         allowed=f"version {TRACE_VERSION}, the one this bgpcascade writes")


def _read_trace(path: str) -> dict[str, Any]:
    """A trace file (``simulate --trace``), or one clear line."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        for key in ("version", "zone", "nodes", "sessions", "events", "series", "params"):
            assert key in data, key
        _check_trace_version(data, path)
    except FileNotFoundError:
        raise InputError("no such file", source=path, allowed="a trace JSON file") from None
    except InputError:
        raise
    except (OSError, ValueError, AssertionError, UnicodeDecodeError) as exc:
        raise InputError(f"not a bgpcascade trace ({type(exc).__name__} {exc})",
                         source=path, allowed="a file written by simulate --trace") from None
    return data


# -- explore -----------------------------------------------------------------------------


def cmd_explore(args: argparse.Namespace) -> int:
    """``bgpcascade explore``: exit 1 with the shrunk zone when one is found, 0 when none
    is in the examples (a bounded search), 3 when the budget ran out first."""
    from bgpcascade.properties.engines.explore import check_profiles, explore
    from bgpcascade.properties.library import DEFAULT_PROPERTIES, parse_property

    props = [parse_property(p) for p in (args.property or DEFAULT_PROPERTIES)]
    if any(p.static for p in props):
        raise InputError("static properties are judged by `check`", field="--property",
                         allowed="properties of runs")
    if not 1 <= args.examples <= 100_000:
        raise InputError(f"{args.examples}", field="--examples", allowed="1..100000")
    if not 2 <= args.max_clients <= 100_000:
        raise InputError(f"{args.max_clients}", field="--max-clients", allowed="2..100000")
    horizon = _positive(args.horizon, "--horizon")
    budget = float(_positive(args.budget, "--budget"))
    profiles = check_profiles(args.profiles)
    out = check_out_dir(args.out)
    if not 1 <= args.min_rrs <= 3:
        raise InputError(f"{args.min_rrs}", field="--min-rrs", allowed="1..3")
    res = explore(props, horizon, examples=args.examples, seed=args.seed, budget=budget,
                  max_clients=args.max_clients, profiles=profiles, min_rrs=args.min_rrs,
                  progress=Progress(args.quiet))
    if res.status == "VIOLATED":
        assert res.trigger is not None and res.trace is not None
        zone_path = out / "explore-counterexample.yaml"
        trace_path = out / "explore-counterexample.trace.json"
        safe_write(zone_path, res.zone_text)
        safe_write(trace_path, dumps_json(res.trace))
        kind, what = res.trigger.label().split(" ", 1)
        print(f"VIOLATED {', '.join(res.violated or [])} after {res.examples} zones; the "
              f"smallest zone found ({zone_path}):\n")
        print(res.zone_text)
        print(f"trigger: {res.trigger.label()} -> {res.trace['summary']['verdict']}")
        print(f"replay: bgpcascade simulate {zone_path} --{kind} {what} "
              f"--horizon {float(horizon):g}")
        print(f"   or: bgpcascade simulate --replay {trace_path}")
        return EXIT_VIOLATED
    if res.status == "UNKNOWN":
        print(f"UNKNOWN: {res.reason}")
        return EXIT_UNKNOWN
    print(f"HOLDS: no violation in {res.examples} generated zones (seed {args.seed}; a "
          "bounded search, not a proof)")
    return EXIT_OK


# -- properties --------------------------------------------------------------------------


def cmd_properties(args: argparse.Namespace) -> int:
    """``bgpcascade properties``: name, kind, argument and meaning of each property."""
    from bgpcascade.properties.library import PROPERTIES, load_properties_file

    for f in args.properties_from:
        load_properties_file(f)
    rows: list[dict[str, str | None]] = [{"name": p.name, "kind": p.kind,
             "argument": p.arg_kind or None,
             "default": None if p.default is None else p.label(p.default).split("=")[1],
             "description": p.description} for p in PROPERTIES.values()]
    if args.json:
        print(dumps_json(rows), end="")
        return EXIT_OK
    table = RichTable(title="Properties (--property NAME[=ARG])", title_justify="left")
    for col in ("name", "kind", "argument", "description"):
        table.add_column(col, overflow="fold")
    for r in rows:
        arg = f"{r['argument']} (default {r['default']})" if r["argument"] else ""
        table.add_row(str(r["name"]), str(r["kind"]), arg, escape(str(r["description"])))
    _console().print(table)
    return EXIT_OK


# -- demo --------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace) -> int:
    """``bgpcascade demo``: the main job on the built-in fr-par-like zone.

    The zone summary, the static RFC 4456 checks, then the incident's story: one flap of a
    spine/leaf RR session, simulated for 600 s (the timeline and the verdict); the trace's
    frames, charts and explorer; then the design review (quick scope: docs/cli.md). Writes
    everything under ``--out`` and prints what to open.
    """
    from bgpcascade.cli.review import print_summary, run_review
    from bgpcascade.diagrams import render_trace, render_zone
    from bgpcascade.io import read_zone_text
    from bgpcascade.model.trace import simulate
    from bgpcascade.model.triggers import parse_flap

    progress = Progress(args.quiet)
    source = "builtin:fr-par-like"
    progress(f"loading {source}")
    text = read_zone_text(source)
    zone = load_zone_file(source)
    console = _console()
    _print_summary(console, zone_summary(zone))
    console.print()
    result = _lint_zone(zone, progress)
    for table in result.tables:
        _print_table(console, table, 8)
    out = check_out_dir(args.out)
    safe_write(out / "lint.json", dumps_json(result.as_json()))
    console.print()
    flap = parse_flap(zone, "spine1~b-rr1@30")
    console.print(f"[bold]The incident's question:[/] what does one {escape(flap.label())} "
                  "do to this zone?")
    horizon = Fraction(600)

    def tick(t: Fraction) -> None:
        if t % 100 == 0:
            progress(f"simulated {float(t):.0f} of 600 s")

    trace = simulate(zone, text, source, [flap], horizon=horizon, dt=Fraction(1),
                     progress=tick)
    _timeline(console, trace)
    _print_sim_summary(console, trace["summary"])
    safe_write(out / "trace.json", dumps_json(trace))
    progress(f"rendering topology into {out}")
    rendered = render_zone(zone, out)
    progress(f"rendering the trace's frames, charts and explorer into {out / 'trace'}")
    drawn = render_trace(trace, out / "trace")
    console.print()
    console.print("[bold]The design review:[/] which shard is over its limit, and what "
                  "fixes it?")
    rv, written = run_review(source, str(out / "review"), jobs=min(4, os.cpu_count() or 1),
                             quick=True, progress=progress)
    print_summary(rv, written)
    console.print()
    console.print(f"wrote {out / 'lint.json'}, {out / 'trace.json'}, "
                  f"{len(drawn.frames)} frames, {len(drawn.charts)} charts, the review")
    console.print(f"open: {drawn.explorer} (the flap, frame by frame)")
    console.print(f"      {written['html']} (the design review)")
    console.print(f"      {rendered.svg_path or rendered.dot_path} (the topology)")
    console.print(f"replay: bgpcascade simulate --replay {out / 'trace.json'}")
    console.print(f"full review (every shard's boundaries, ~5 min): bgpcascade review "
                  f"{source} --out DIR")
    for message in {rendered.message, drawn.message} - {None}:
        print(message, file=sys.stderr)
    return EXIT_OK


_HANDLERS = {
    "demo": cmd_demo,
    "lint": cmd_lint,
    "show": cmd_show,
    "schema": cmd_schema,
    "simulate": cmd_simulate,
    "fsm": cmd_fsm,
    "render": cmd_render,
    "check": cmd_check,
    "review": cmd_review,
    "lab": cmd_lab,
    "calibrate": cmd_calibrate,
    "import": cmd_import,
    "properties": cmd_properties,
    "explore": cmd_explore,
    "search": cmd_search,
}


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
