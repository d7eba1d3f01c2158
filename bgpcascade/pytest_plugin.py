"""pytest plugin (entry point ``pytest11``): zone files as test items, and a fixture.

``pytest --bgpcascade zones/`` collects every zone file (``*.yaml`` / ``*.yml`` whose
top level has a ``zone:`` key) under the given paths. Each file runs one ``bgpcascade
check`` (engine, properties, budget from the ``--bgpcascade-*`` options) and yields one
test item per (property, engine). A failing item shows the counterexample's zone file
and trace, and the ``bgpcascade simulate`` command that replays it.

The ``bgpcascade`` fixture runs ``check`` from a test, with the command line's
arguments::

    def test_shard_a_may_grow_to_400(bgpcascade):
        bgpcascade.check("zones/par1.yaml", "--engine", "z3",
                         "--vary", "a.clients=2..400").assert_holds()

Counterexamples go under ``--bgpcascade-out`` (default ``bgpcascade-out``). The plugin
builds on :mod:`bgpcascade.checking` (one row per property and engine, whatever the
engine), not on the command line's parser.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bgpcascade.checking import ENGINES, CheckOutcome, CheckRow, check
from bgpcascade.model.errors import InputError


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``--bgpcascade*`` options."""
    group = parser.getgroup("bgpcascade", "BGP route-reflector cascade checks")
    group.addoption("--bgpcascade", action="store_true",
                    help="collect zone files (*.yaml, *.yml with a top-level 'zone:') as "
                    "bgpcascade checks")
    group.addoption("--bgpcascade-engine", default="sim",
                    choices=(*ENGINES, "all"), help="engine for zone files (default sim)")
    group.addoption("--bgpcascade-property", action="append", default=[],
                    metavar="NAME[=ARG]", help="properties (repeatable; default "
                    "no_cascade, no_zone_outage, reconverges_in_time and backlog_margin)")
    group.addoption("--bgpcascade-budget", default="120", metavar="S",
                    help="budget per zone file in seconds (default 120)")
    group.addoption("--bgpcascade-out", default="bgpcascade-out", metavar="DIR",
                    help="where counterexamples go (default bgpcascade-out)")
    group.addoption("--bgpcascade-arg", action="append", default=[], metavar="ARG",
                    help="any other `bgpcascade check` argument, e.g. "
                    "--bgpcascade-arg=--horizon=200 (repeatable)")


def _is_zone_file(path: Path) -> bool:
    if path.suffix not in (".yaml", ".yml"):
        return False
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return True  # let the item report the problem in one line
    return isinstance(data, dict) and "zone" in data


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Zone files become :class:`ZoneFile` collectors when ``--bgpcascade`` is given."""
    if parent.config.getoption("bgpcascade") and _is_zone_file(file_path):
        return ZoneFile.from_parent(parent, path=file_path)
    return None


def _argv(config: pytest.Config, zone: Path) -> list[str]:
    argv = [str(zone), "--engine", config.getoption("bgpcascade_engine"),
            "--budget", config.getoption("bgpcascade_budget"),
            "--out", config.getoption("bgpcascade_out"), "--quiet"]
    for p in config.getoption("bgpcascade_property"):
        argv += ["--property", p]
    return argv + list(config.getoption("bgpcascade_arg"))


class ZoneFile(pytest.File):
    """One zone file: one check, one item per (property, engine)."""

    outcome: CheckOutcome | None = None
    error: str | None = None

    def _run(self) -> None:
        if self.outcome is None and self.error is None:
            try:
                self.outcome = check(*_argv(self.config, self.path))
            except InputError as exc:
                self.error = exc.one_line()
            except SystemExit:
                self.error = "bad --bgpcascade options (see the message above)"

    def collect(self) -> Iterator[pytest.Item]:
        self._run()
        if self.error is not None or self.outcome is None:
            yield ZoneItem.from_parent(self, name="zone", row=None)
            return
        for row in self.outcome.rows:
            yield ZoneItem.from_parent(self, name=f"{row.prop}[{row.engine}]", row=row)


class BgpcascadeFailure(Exception):
    """A property that does not hold (or is unknown) for a zone file."""


class ZoneItem(pytest.Item):
    """One (property, engine) verdict of a zone file."""

    def __init__(self, *, row: CheckRow | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.row = row

    def runtest(self) -> None:
        if self.row is None:
            parent = self.parent
            assert isinstance(parent, ZoneFile)
            raise BgpcascadeFailure(parent.error or "no result")
        if self.row.status != "HOLDS":
            raise BgpcascadeFailure(self._describe(self.row))

    @staticmethod
    def _describe(row: CheckRow) -> str:
        lines = [f"{row.prop} [{row.engine}]: {row.status}", f"  {row.detail}"]
        cx = row.counterexample
        if cx:
            lines += [f"  counterexample zone: {cx['zone']}",
                      f"  trace: {cx['trace']}",
                      f"  replay: {cx['simulate']}",
                      f"  or: {cx['replay']}"]
        return "\n".join(lines)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, BgpcascadeFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"bgpcascade {self.path.name}::{self.name}"


class Checker:
    """The ``bgpcascade`` fixture: :meth:`check` runs ``bgpcascade check`` in-process."""

    def __init__(self, out: Path) -> None:
        self.out = out

    def check(self, *argv: str) -> CheckOutcome:
        """Run ``check`` with these arguments (``--out`` defaults to the test's temporary
        directory, ``--quiet`` is implied)."""
        args = list(argv)
        if "--out" not in args:
            args += ["--out", str(self.out)]
        return check(*args, "--quiet")


@pytest.fixture
def bgpcascade(tmp_path: Path) -> Checker:
    """Run ``bgpcascade check`` from a test: ``bgpcascade.check(ZONE, *flags)``."""
    return Checker(tmp_path / "bgpcascade-out")
