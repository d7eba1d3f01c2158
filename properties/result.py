"""One question, one answer, for every engine.

Every engine that decides properties (the simulator scan, the Z3 cascade search, the
Hypothesis search, ``explore``'s generated zones, the FSM proofs) implements the
:class:`Engine` protocol: it is asked a :class:`Question` and answers with a
:class:`Result`. Whoever reports or exits (``check``, ``explore``, ``fsm --check``, the
pytest plugin) reads only these two types, never an engine's own classes, and maps the
status to the exit code with :meth:`Result.exit_code` (:class:`~.verdict.Exit`).

A status is three-valued (:data:`~.verdict.STATUSES`):

``HOLDS``
    nothing violates the properties within ``bounds``, which name what was covered (the
    horizon, the triggers, the parameter ranges, the number of paths, scenarios or
    generated zones). For the Z3 engine that is a proof within those bounds; for the
    Hypothesis engine and ``explore`` a bounded search ("none found in N").
``VIOLATED``
    ``counterexample`` holds a scenario that breaks the properties it names, with all
    that is needed to replay it: the zone's text at the failing point, the triggers and
    the trace (``bgpcascade simulate --replay``).
``UNKNOWN``
    the budget ran out or the solver gave up (``reason``); never HOLDS.

An engine's richer data (the sim scan's ranking, the FSM proofs' per-property
:class:`~.verdict.Verdict`\\ s, the Hypothesis engine's own result) rides in ``detail``
and ``statistics`` for those who want it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Protocol

from .verdict import Exit, Status

if TYPE_CHECKING:
    from bgpcascade.model.dynamics import Trigger
    from bgpcascade.model.params import Space

    from .library import Selected


@dataclass(frozen=True)
class Question:
    """What an engine is asked.

    ``space``: the zone (its text, source and loaded form) and the parameter ranges
    (``--vary``); None for an engine with a subject of its own (``explore`` generates
    zones, the FSM proofs judge the RFC 4271 §8 table). ``triggers``: the trigger space
    (the flaps and spikes an engine may fire). ``props``: the properties to judge.
    ``horizon``: seconds of zone time checked. ``budget``: wall-clock seconds, counted
    from ``started``, so the same question asked again (for the properties still open)
    shares what is left. ``parameters``: the engine's own knobs (``seed``, ``examples``,
    ``max_triggers``, ``database``, ``jobs``, ``timeout``, ...): an engine reads those it
    knows and ignores the rest. ``progress``: one-line progress messages.
    """

    space: Space | None
    triggers: tuple[Trigger, ...] = ()
    props: tuple[Selected, ...] = ()
    horizon: Fraction = Fraction(300)
    budget: float = 300.0
    parameters: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[str], None] = field(default=lambda _msg: None)
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """Seconds left of the budget."""
        return self.budget - (time.monotonic() - self.started)


@dataclass(frozen=True)
class Counterexample:
    """A scenario that violates properties, as replayable data.

    ``zone_text`` is the zone at the failing point (``zone_source`` says where it came
    from), ``triggers`` what was fired, ``point`` the parameter values (empty when
    nothing was varied), ``violated`` the properties' labels and ``trace`` the run's
    trace (``simulate --trace``'s format; it embeds ``zone_text``). ``events``: for the
    FSM proofs, which have no zone, the event sequence that breaks the property.
    """

    zone_text: str
    zone_source: str
    triggers: tuple[Trigger, ...]
    point: Mapping[str, int]
    violated: tuple[str, ...]
    trace: dict[str, Any] | None = None
    events: tuple[str, ...] = ()


@dataclass(frozen=True)
class Result:
    """An engine's answer to a :class:`Question` (the module docstring says what each
    status means).

    ``engine``: which engine answered. ``bounds``: what was covered, as JSON-ready data
    (``check --json``'s ``bounds``: a contract, docs/cli.md). ``covered``: the same in
    one line, for a HOLDS row. ``statistics``: what the engine ran (paths, runs, a
    ranking of the triggers), JSON-ready. ``reason``: why an answer is UNKNOWN.
    ``detail``: the engine's own result, for callers that want more.
    """

    engine: str
    status: Status
    bounds: Mapping[str, Any] = field(default_factory=dict)
    counterexample: Counterexample | None = None
    statistics: Mapping[str, Any] = field(default_factory=dict)
    covered: str = ""
    reason: str = ""
    detail: Any = None

    def __post_init__(self) -> None:
        if (self.status == "VIOLATED") != (self.counterexample is not None):
            raise ValueError(f"{self.engine}: a {self.status} result "
                             f"{'needs' if self.status == 'VIOLATED' else 'has no'} "
                             "counterexample")

    @property
    def violated(self) -> tuple[str, ...]:
        """The labels of the properties the counterexample violates (none otherwise)."""
        return self.counterexample.violated if self.counterexample is not None else ()

    def exit_code(self) -> Exit:
        """0 HOLDS, 1 VIOLATED, 3 UNKNOWN."""
        return Exit.of(self.status)


class Engine(Protocol):
    """Decides a :class:`Question`. ``name`` is what reports call it (``sim``, ``z3``,
    ``hypothesis``, ``explore``, ``fsm``). An engine object may keep counters over the
    questions it is asked about one zone (the paths a Z3 search has run), so ask a
    fresh one for each zone."""

    @property
    def name(self) -> str:
        """The engine's name in reports."""
        ...

    @property
    def covers_ranges(self) -> bool:
        """Whether the engine covers the parameter ranges of ``question.space`` (the
        ``--vary`` flags); one that does not judges the zone as written only."""
        ...

    def check(self, question: Question) -> Result:
        """Judge ``question.props`` within the question's bounds and budget."""
        ...
