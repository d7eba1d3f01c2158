"""``bgpcascade fsm --table|--dot|--check``: the RFC 4271 §8 session FSM (with RFC 9687)
as a table, as a drawing, and its properties proved by Z3 (docs/cli.md, ``fsm``)."""

from __future__ import annotations

import argparse
import json
import sys

from rich.markup import escape

from bgpcascade.io import dumps_json, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.progress import Progress
from bgpcascade.properties.verdict import Exit

from .common import add_common, stdout_console


def add_fsm_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``fsm``."""
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
    add_common(p)


def _print_table() -> None:
    """The FSM table as Markdown."""
    from bgpcascade.model.fsm import TABLE

    print("| state | event | guard | next state | actions | deviation |")
    print("|---|---|---|---|---|---|")
    for t in TABLE:
        nxt = t.next_state.value + (f" (RFC: {t.rfc_next.value})"
                                    if t.rfc_next is not t.next_state else "")
        print(f"| {t.state.value} | {int(t.event)} {t.event.name} | {t.guard.value} | "
              f"{nxt} | {'; '.join(str(a) for a in t.actions) or '(ignored)'} | "
              f"{t.deviation or ''} |")


def cmd_fsm(args: argparse.Namespace) -> int:
    """``bgpcascade fsm --table|--dot|--check``: the proofs exit 0 all hold, 1 one is
    violated, 3 one is unknown."""
    if args.table:
        if args.format == "json":
            from bgpcascade.model.fsm import table_json

            sys.stdout.write(json.dumps(table_json(), indent=2) + "\n")
        else:
            _print_table()
        return Exit.OK
    if args.dot:
        from bgpcascade.diagrams import fsm_to_dot

        sys.stdout.write(fsm_to_dot())
        return Exit.OK
    return _prove(args)


def _prove(args: argparse.Namespace) -> int:
    """``fsm --check``: the FSM proofs engine's result, one line per property."""
    from bgpcascade.properties.engines.fsm_engine import FsmProofs
    from bgpcascade.properties.result import Question

    if args.timeout <= 0:
        raise InputError(f"{args.timeout} is not allowed", field="--timeout",
                         allowed="seconds > 0")
    progress = Progress(args.quiet)
    progress("proving FSM properties with Z3")
    result = FsmProofs().check(Question(None, parameters={"timeout": args.timeout},
                                        progress=progress))
    console = stdout_console()
    for v in result.detail:
        colour = {"HOLDS": "green", "VIOLATED": "red"}.get(v.status, "yellow")
        console.print(f"[{colour}]{v.status:8}[/] {escape(v.property)}: {escape(v.method)}")
        if v.detail:
            console.print(f"         {escape(v.detail)}")
        if v.trace:
            console.print(f"         events: {escape(' -> '.join(v.trace))}")
    if args.json:
        safe_write(args.json, dumps_json([v.as_json() for v in result.detail]))
    return result.exit_code()
