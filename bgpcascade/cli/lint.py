"""``bgpcascade lint ZONE``: the schema and the static RFC 4456 checks, as tables.

Exit 0 when every check's table is empty, 1 otherwise (docs/cli.md, ``lint``).
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from bgpcascade.io import dumps_json, load_zone_file, safe_write
from bgpcascade.model.topology import Zone
from bgpcascade.progress import Progress
from bgpcascade.properties.static import LintResult, Table, lint
from bgpcascade.properties.verdict import Exit

from .common import add_common, cell, stdout_console


def add_lint_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``lint``."""
    p.add_argument("zone", help="zone file (YAML), or builtin:fr-par-like")
    p.add_argument("--json", metavar="FILE", help="write the check tables as JSON")
    p.add_argument("--rows", type=int, default=20, metavar="N",
                   help="rows shown per table in the terminal (default 20; JSON has all)")
    add_common(p)


def print_table(console: Console, table: Table, limit: int) -> None:
    """One table: its PASS / FAIL / INFO line, then at most ``limit`` rows."""
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
        rt.add_row(*(cell(c) for c in row))
    console.print(rt)
    if len(table.rows) > limit:
        console.print(f"  ... {len(table.rows) - limit} more rows (all in --json)")


def lint_zone(zone: Zone, progress: Progress) -> LintResult:
    """The static checks of ``zone``, with progress lines."""
    return lint(zone, progress=lambda step: progress(f"lint {zone.name}: {step}"))


def cmd_lint(args: argparse.Namespace) -> int:
    """``bgpcascade lint ZONE``: exit 0 when every check's table is empty, else 1."""
    progress = Progress(args.quiet)
    zone = load_zone_file(args.zone)
    result = lint_zone(zone, progress)
    console = stdout_console()
    console.print(f"zone {zone.name}: {zone.speaker_count:,} speakers, "
                  f"{zone.total_sessions:,} sessions ({escape(zone.source)})")
    for table in result.tables:
        print_table(console, table, args.rows)
    failed = [t.name for t in result.tables if not t.passed]
    console.print("lint: ok" if not failed else f"lint: FAILED ({', '.join(failed)})")
    if args.json:
        safe_write(args.json, dumps_json(result.as_json()), inputs=(args.zone,))
    return Exit.OK if result.ok else Exit.VIOLATED
