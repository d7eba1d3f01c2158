"""``bgpcascade properties``: the properties ``--property`` accepts, with their kind,
argument and meaning (properties/library.py; docs/cli.md, ``check``)."""

from __future__ import annotations

import argparse

from rich.markup import escape
from rich.table import Table as RichTable

from bgpcascade.io import dumps_json
from bgpcascade.properties.verdict import Exit

from .common import stdout_console


def add_properties_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``properties``."""
    p.add_argument("--properties-from", action="append", default=[], metavar="FILE.py",
                   help="a Python file that registers properties of your own")
    p.add_argument("--json", action="store_true", help="as JSON")


def cmd_properties(args: argparse.Namespace) -> int:
    """``bgpcascade properties``: name, kind, argument and meaning of each property."""
    from bgpcascade.properties.library import (
        DEFAULT_PROPERTIES,
        DEFAULT_REASONS,
        PROPERTIES,
        load_properties_file,
    )

    for f in args.properties_from:
        load_properties_file(f)
    rows: list[dict[str, str | bool | None]] = [{"name": p.name, "kind": p.kind,
             "argument": p.arg_kind or None,
             "default": None if p.default is None else p.label(p.default).split("=")[1],
             "description": p.description,
             "checked_by_default": p.name in DEFAULT_PROPERTIES,
             "why_default": DEFAULT_REASONS.get(p.name)} for p in PROPERTIES.values()]
    if args.json:
        print(dumps_json(rows), end="")
        return Exit.OK
    table = RichTable(title="Properties (--property NAME[=ARG])", title_justify="left")
    for col in ("name", "kind", "argument", "description"):
        table.add_column(col, overflow="fold")
    for r in rows:
        arg = f"{r['argument']} (default {r['default']})" if r["argument"] else ""
        table.add_row(str(r["name"]), str(r["kind"]), arg, escape(str(r["description"])))
    console = stdout_console()
    console.print(table)
    console.print("check and search judge by these when no --property is given:")
    for name in DEFAULT_PROPERTIES:
        console.print(f"  {name}: {escape(DEFAULT_REASONS[name])}")
    return Exit.OK
