"""What several commands share: the console, the ``--quiet`` flag, table cells, seconds
flags and reading a trace file (docs/cli.md: output and exit-code conventions)."""

from __future__ import annotations

import argparse
import json
import math
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from bgpcascade.model.errors import InputError


def stdout_console() -> Console:
    """The stdout console. A fixed width off a terminal keeps output byte-identical
    across machines and pipes."""
    return Console(width=None if sys.stdout.isatty() else 120, highlight=False,
                   soft_wrap=False)


def add_common(p: argparse.ArgumentParser) -> None:
    """``--quiet`` / ``-q``: no progress lines on stderr."""
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def cell(c: Any) -> str:
    """A table cell: booleans in lower case, thousands separated, 3 significant digits."""
    if isinstance(c, bool):
        return str(c).lower()
    if isinstance(c, int):
        return f"{c:,}"
    if isinstance(c, float):
        return f"{c:,.3g}"
    return "" if c is None else escape(str(c))


def positive(value: float, flag: str, allow_zero: bool = False) -> Fraction:
    """A flag's seconds as an exact number: finite and > 0 (>= 0 with ``allow_zero``)."""
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise InputError(f"{value:g} is not allowed", field=flag,
                         allowed="seconds >= 0" if allow_zero else "a number > 0")
    return Fraction(str(value))


def check_trace_version(data: dict[str, Any], path: str) -> None:
    """Refuse a trace of another format version (its keys may mean something else)."""
    from bgpcascade.model.trace import TRACE_VERSION

    version = data.get("version")
    if type(version) is not int or version != TRACE_VERSION:
        raise InputError(f"trace format version {version!r}", source=path, field="version",
                         allowed=f"version {TRACE_VERSION}, the one this bgpcascade writes")


def read_trace(path: str) -> dict[str, Any]:
    """A trace file (``simulate --trace``), or one clear line."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        assert isinstance(data, dict)
        for key in ("version", "zone", "nodes", "sessions", "events", "series", "params"):
            assert key in data, key
        check_trace_version(data, path)
    except FileNotFoundError:
        raise InputError("no such file", source=path, allowed="a trace JSON file") from None
    except InputError:
        raise
    except (OSError, ValueError, AssertionError, UnicodeDecodeError) as exc:
        raise InputError(f"not a bgpcascade trace ({type(exc).__name__} {exc})",
                         source=path, allowed="a file written by simulate --trace") from None
    return data
