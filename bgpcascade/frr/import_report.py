"""What an FRR import made and what it left out: the result, its zone file, its report.

:class:`Imported` holds the zone (a mapping ready to dump as a zone file,
docs/zone-format.md), every :class:`Problem` (a session, router or range left out and
why, or a setting the zone changes), and every configuration line not used.
:func:`report` words it for the operator: the counts, the problems with file:line, then
each line the model leaves out with the reason (docs/import.md, "The report").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from bgpcascade.frr.config_parse import Line


@dataclass
class Problem:
    """Something the import reports (and, for a session, leaves out)."""

    where: str
    what: str

    @property
    def left_out(self) -> bool:
        """Did the zone lose something over it (a session, a router, dynamic neighbors)?"""
        return "left out" in self.what or "none imported" in self.what

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Imported:
    """The import's result: the zone (as a mapping ready to dump), what was left out and
    why, and the lines not used."""

    zone: dict[str, object]
    problems: list[Problem]
    unused: list[Line]
    routers: int
    sessions: int
    synthetic: int
    files: int = 0

    def yaml(self) -> str:
        """The zone file's text, with how it was made as comments."""
        head = [f"# bgpcascade import frr: {self.routers} routers from "
                f"{self.files} file(s), {self.sessions} sessions"
                + (f", {self.synthetic} dynamic neighbors from --dynamic" if self.synthetic
                   else ""),
                f"# {len(self.problems)} problem(s) and {len(self.unused)} line(s) not used: "
                "see the import report"]
        return "\n".join(head) + "\n" + yaml.safe_dump(self.zone, sort_keys=False,
                                                        default_flow_style=None, width=100)



def report(result: Imported) -> Iterable[str]:
    """The import report: what was left out and why, then every line not used."""
    yield (f"imported {result.routers} routers, {result.sessions} sessions"
           + (f", {result.synthetic} dynamic neighbors from --dynamic" if result.synthetic
              else ""))
    if result.problems:
        yield f"{len(result.problems)} problem(s):"
        for p in result.problems:
            yield f"  {p}"
    if result.unused:
        yield f"{len(result.unused)} line(s) not used (the model leaves them out):"
        for ln in result.unused:
            yield f"  {ln.where()}: {ln.text.strip()}" + (f"  [{ln.note}]" if ln.note else "")
