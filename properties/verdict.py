"""Three-valued verdicts, shared by every engine (simulator, Z3, Hypothesis).

A property is checked by some method and comes back as one :class:`Verdict`:

``HOLDS``
    proved within the bounds that ``method`` names ("induction (1-step, all states)",
    "bounded model checking, k <= 8 events", ...). For a ``sometimes`` property it means
    a witness was found, and ``trace`` holds it.
``VIOLATED``
    a counterexample was found (``trace``), or, for a ``sometimes`` property, it was
    proved that no witness exists.
``UNKNOWN``
    the solver gave up or a budget ran out. An UNKNOWN is never turned into HOLDS
    (docs/cli.md, "Exit codes"; as CrossHair handles ``z3.unknown``).

:func:`exit_code` maps a list of verdicts to the CLI's exit status (docs/cli.md, "Exit
codes"): 0 all hold, 1 something is violated, 3 nothing violated but something unknown.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Status = Literal["HOLDS", "VIOLATED", "UNKNOWN"]
Kind = Literal["always", "sometimes"]

STATUSES: tuple[Status, ...] = ("HOLDS", "VIOLATED", "UNKNOWN")
KINDS: tuple[Kind, ...] = ("always", "sometimes")

#: Exit codes (docs/cli.md, "Exit codes").
EXIT_HOLDS = 0
EXIT_VIOLATED = 1
EXIT_UNKNOWN = 3


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one named property with one method.

    ``trace`` is the event sequence of a counterexample (``VIOLATED``) or of a witness
    (``HOLDS`` of a ``sometimes`` property); empty otherwise. ``seconds`` is the measured
    wall-clock time of the check; it is left out of :meth:`as_json` unless asked for, so
    that reports stay byte-identical from run to run (docs/validation.md, "Trust").
    """

    property: str
    status: Status
    method: str
    detail: str = ""
    trace: tuple[str, ...] = ()
    kind: Kind = "always"
    seconds: float | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} of {self.property!r}: one of {STATUSES}")
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} of {self.property!r}: one of {KINDS}")
        if not isinstance(self.trace, tuple):
            raise TypeError(f"trace of {self.property!r} must be a tuple of event names")

    @builtins.property  # the field ``property`` shadows the builtin in the class body
    def passed(self) -> bool:
        """HOLDS, and for a ``sometimes`` property the witness is there."""
        if self.status != "HOLDS":
            return False
        return self.kind == "always" or bool(self.trace)

    def as_json(self, *, timing: bool = False) -> dict[str, Any]:
        """JSON form; ``timing=True`` adds the measured ``seconds``."""
        out: dict[str, Any] = {
            "property": self.property,
            "kind": self.kind,
            "status": self.status,
            "method": self.method,
            "detail": self.detail,
            "trace": list(self.trace),
        }
        if timing:
            out["seconds"] = self.seconds
        return out


def exit_code(verdicts: Iterable[Verdict]) -> int:
    """0 if every verdict HOLDS (with its witness, for ``sometimes`` properties), 1 if any
    is VIOLATED, else 3 (something UNKNOWN, or a ``sometimes`` HOLDS without a witness).

    >>> exit_code([Verdict("p", "HOLDS", "table check")])
    0
    >>> exit_code([Verdict("p", "UNKNOWN", "bmc"), Verdict("q", "VIOLATED", "bmc", trace=("e",))])
    1
    >>> exit_code([Verdict("p", "HOLDS", "bmc", kind="sometimes")])
    3
    """
    vs = list(verdicts)
    if any(v.status == "VIOLATED" for v in vs):
        return EXIT_VIOLATED
    if all(v.passed for v in vs):
        return EXIT_HOLDS
    return EXIT_UNKNOWN
