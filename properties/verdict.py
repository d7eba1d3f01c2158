"""Three-valued statuses, the exit codes they map to, and the FSM proofs' verdicts.

Every engine's answer (:class:`~bgpcascade.properties.result.Result`) has one of three
statuses, :data:`STATUSES`, and every command exits with an :class:`Exit` code:
0 holds, 1 violated, 2 bad input or usage, 3 unknown (docs/cli.md, "Exit codes").

The FSM proofs (properties/fsm/) check one named property by one method at a time, and
return a :class:`Verdict` (the FSM engine's result wraps them as its ``detail``):

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
from enum import IntEnum
from typing import Any, Literal

Status = Literal["HOLDS", "VIOLATED", "UNKNOWN"]
Kind = Literal["always", "sometimes"]

STATUSES: tuple[Status, ...] = ("HOLDS", "VIOLATED", "UNKNOWN")
KINDS: tuple[Kind, ...] = ("always", "sometimes")



class Exit(IntEnum):
    """The exit codes of every ``bgpcascade`` command (docs/cli.md, "Exit codes"; a
    contract for CI). ``OK`` is ``HOLDS`` for commands that judge nothing."""

    HOLDS = 0
    OK = 0
    VIOLATED = 1
    BAD_INPUT = 2
    UNKNOWN = 3
    #: Interrupted by the user (Ctrl-C), as a shell reports SIGINT: 128 + 2.
    INTERRUPTED = 130

    @classmethod
    def of(cls, status: str) -> Exit:
        """The exit code of a status: HOLDS 0, VIOLATED 1, anything else (UNKNOWN) 3.

        >>> int(Exit.of("VIOLATED")), int(Exit.of("UNKNOWN"))
        (1, 3)
        """
        return {"HOLDS": cls.HOLDS, "VIOLATED": cls.VIOLATED}.get(status, cls.UNKNOWN)


def as_status(text: str) -> Status:
    """An engine's own status string as a :data:`Status`: HOLDS and VIOLATED as they are,
    anything else UNKNOWN (never HOLDS)."""
    return "HOLDS" if text == "HOLDS" else "VIOLATED" if text == "VIOLATED" else "UNKNOWN"


def overall(statuses: Iterable[str]) -> Status:
    """The status of many answers: VIOLATED if any is, else UNKNOWN if any is, else HOLDS
    (also for none at all).

    >>> overall(["HOLDS", "UNKNOWN"]), overall(["UNKNOWN", "VIOLATED"]), overall([])
    ('UNKNOWN', 'VIOLATED', 'HOLDS')
    """
    seen = set(statuses)
    return "VIOLATED" if "VIOLATED" in seen else "UNKNOWN" if "UNKNOWN" in seen else "HOLDS"


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


def status_of(verdicts: Iterable[Verdict]) -> Status:
    """VIOLATED if any verdict is, HOLDS if every one passed (with its witness, for a
    ``sometimes`` property), else UNKNOWN."""
    vs = list(verdicts)
    if any(v.status == "VIOLATED" for v in vs):
        return "VIOLATED"
    return "HOLDS" if all(v.passed for v in vs) else "UNKNOWN"


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
    return int(Exit.of(status_of(verdicts)))
