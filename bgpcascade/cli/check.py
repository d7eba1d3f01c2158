"""``bgpcascade check ZONE...``: every selected property, by every selected engine, for CI.

What it checks and how (the engines, the search again for the properties still open):
bgpcascade/checking.py, which the pytest plugin and ``check()`` from Python share. This
module prints the violations table, the worst flaps and the counterexamples, and writes
the JSON and JUnit reports. Exit 0 all hold, 1 something is violated, 2 bad input, 3
nothing violated but something unknown. Flags and JSON keys: docs/cli.md; CI recipes:
docs/ci.md.
"""

from __future__ import annotations

import argparse
import sys

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from bgpcascade.checking import (
    ENGINES,
    CheckOutcome,
    CheckRow,
    EngineRun,
    add_zone_flags,
    check,
    run_check,
)
from bgpcascade.io import dumps_json, safe_write

__all__ = ["ENGINES", "CheckOutcome", "CheckRow", "add_check_args", "check", "cmd_check"]


def add_check_args(p: argparse.ArgumentParser) -> None:
    """``check``'s flags (bgpcascade/checking.py: shared with ``search``)."""
    add_zone_flags(p, check=True)


def cmd_check(args: argparse.Namespace) -> int:
    """``bgpcascade check ZONE...``: exit 0 all hold, 1 violated, 3 unknown (2 bad input)."""
    res = run_check(args)
    _print(res.rows, res.runs)
    inputs = tuple(args.zone)
    if args.json:
        safe_write(args.json, dumps_json(res.as_json()), inputs=inputs)
    if args.junit:
        safe_write(args.junit, res.junit_xml(), inputs=inputs)
    return res.exit_code()


def _print(rows: list[CheckRow], runs: list[EngineRun]) -> None:
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
