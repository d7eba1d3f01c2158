"""Every offset: the trigger times a search tries within one KEEPALIVE cycle.

Whether a flap snowballs depends on when it happens relative to the KEEPALIVEs the
speakers send (RFC 4271 §10: every KeepaliveTime seconds per session): a flap just after
a KEEPALIVE boundary leaves the slow speakers a whole cycle to catch up before the next
KEEPALIVEs queue behind the UPDATEs, one in the middle of the cycle does not. A check at
one trigger time had hidden the unlucky phases (docs/model.md, "Every offset").

So a search tries each trigger at ``t0 + k`` for every whole second ``k`` in
``[0, keepalive)``: ``t0`` is the trigger's own time (the default flaps' ``--at`` time,
30 s, or the ``@T`` of a ``--flap``), ``keepalive`` the interval in use on the flapped
session (the larger of its two ends', :func:`~bgpcascade.model.rules.session_keepalive`)
or, for a trigger on a speaker (spike, pause, restart), the largest of the speaker's
sessions. ``--at`` pins the time: then only ``t0`` is tried (:class:`Offsets` ``pinned``).

The grid is at whole-second resolution: the symbolic run of the Z3 engine branches on
every comparison of times, so a trigger time made symbolic would give regions a fraction
of a second wide (docs/model.md says so); the offsets are therefore enumerated, and the
bounds say which (``trigger_offsets``, method ``grid`` or ``pinned``).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.numbers import json_number
from bgpcascade.model.rules import session_keepalive
from bgpcascade.model.timing import DEFAULT_COHORTS, DEFAULT_SEED, PHASES_VALUES, Timing
from bgpcascade.model.topology import Zone


def _group_of(zone: Zone, name: str | None) -> str | None:
    found = zone.locate(name) if name is not None else None
    return found[0] if found is not None else None


def _session_keepalive(zone: Zone, ga: str, gb: str) -> Fraction:
    """The larger keepalive interval in use of the two ends of a session between the
    groups ``ga`` and ``gb`` (RFC 4271 §4.2 negotiated hold, §10 keepalive; 0 at hold 0)."""
    a, b = zone.group(ga), zone.group(gb)
    _, ka = session_keepalive(a.timers.hold, a.timers.keepalive, b.timers.hold)
    _, kb = session_keepalive(b.timers.hold, b.timers.keepalive, a.timers.hold)
    return max(ka, kb)


def keepalive_of(zone: Zone, trigger: Trigger) -> Fraction:
    """The KEEPALIVE cycle a trigger's offsets cover: the flapped (cleared) session's
    keepalive interval, the larger of its ends'; for a trigger on one speaker (spike,
    pause, restart) the largest of that speaker's sessions'. 0 when no session of it
    sends KEEPALIVEs (hold 0, RFC 4271 §4.4)."""
    ga, gb = _group_of(zone, trigger.a), _group_of(zone, trigger.b)
    if ga is None:
        return Fraction(0)
    if gb is not None and trigger.kind in ("flap", "clear"):
        return _session_keepalive(zone, ga, gb)
    return max((_session_keepalive(zone, ga, nbr) for nbr, _rel in zone.adjacency[ga]),
               default=Fraction(0))


def cycle_seconds(zone: Zone, trigger: Trigger) -> int:
    """How many whole-second offsets cover the cycle: ``ceil(keepalive)``, at least 1."""
    return max(1, math.ceil(keepalive_of(zone, trigger)))


@dataclass(frozen=True)
class Offsets:
    """Which times a trigger is tried at: every whole second of one KEEPALIVE cycle after
    its own time (``pinned`` False), or its own time only (``--at`` given)."""

    pinned: bool = False

    def of(self, zone: Zone, trigger: Trigger) -> list[Trigger]:
        """``trigger`` at each time tried, offset 0 (its own time) first."""
        if self.pinned:
            return [trigger]
        return [replace(trigger, t=trigger.t + k) for k in range(cycle_seconds(zone, trigger))]

    def expand(self, zone: Zone, triggers: Sequence[Trigger]) -> list[list[Trigger]]:
        """Per trigger, its offsets (:meth:`of`)."""
        return [self.of(zone, t) for t in triggers]

    def bounds(self, zone: Zone, triggers: Sequence[Trigger],
               method: str = "grid") -> dict[str, Any]:
        """The ``trigger_offsets`` key of a verdict's bounds: seconds after each trigger's
        own time that were tried (``from_s``..``to_s`` every ``step_s``; ``count`` per
        trigger, the largest when the triggers' cycles differ) and how (``grid``: each
        whole second was run; ``pinned``: ``--at`` pinned the time, ``at_s``)."""
        if self.pinned:
            at = [json_number(t.t) for t in triggers]
            return {"from_s": 0, "to_s": 0, "step_s": 1, "count": 1, "method": "pinned",
                    "at_s": at[0] if len(set(at)) == 1 else at}
        count = max((cycle_seconds(zone, t) for t in triggers), default=1)
        return {"from_s": 0, "to_s": count - 1, "step_s": 1, "count": count,
                "method": method}


def timing_bounds(timing: Timing | None) -> dict[str, Any]:
    """The ``seed``, ``phases`` and ``cohorts`` keys of a verdict's bounds: the timing
    every run of the verdict used (lockstep when none was given)."""
    t = timing if timing is not None else Timing.lockstep()
    return {"seed": t.seed, "phases": t.phases, "cohorts": t.k}


def question_offsets(parameters: Any) -> Offsets:
    """The offsets a question's ``parameters`` ask for (``offsets``; default every
    offset)."""
    got = parameters.get("offsets")
    return got if isinstance(got, Offsets) else Offsets()


def question_timing(parameters: Any) -> Timing | None:
    """The timing a question's ``parameters`` give (``timing``; None: lockstep)."""
    got = parameters.get("timing")
    return got if isinstance(got, Timing) else None


# -- the flags that choose a Timing (check, search, review, explore) --------------------
def add_timing_flags(p: argparse.ArgumentParser, *, hypothesis: bool = False) -> None:
    """``--seed``, ``--phases`` and ``--cohorts``: the :class:`~bgpcascade.model.timing.Timing`
    of every run a command makes (``check``, ``search``, ``review``, ``explore``)."""
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S",
                   help="the seed of the runs' timer phases and jitter" +
                   (" and of the hypothesis engine's examples" if hypothesis else "") +
                   f" (default {DEFAULT_SEED}; same seed, same answer)")
    p.add_argument("--phases", choices=PHASES_VALUES, default="spread",
                   help="spread: each session's KEEPALIVE timer at its own phase "
                   "(default); aligned: every session in phase at t=0")
    p.add_argument("--cohorts", type=int, default=DEFAULT_COHORTS, metavar="K",
                   help="lockstep cohorts a group of alike speakers is split into (0: one "
                   f"per speaker; default {DEFAULT_COHORTS})")


def timing_of(args: argparse.Namespace) -> Timing:
    """The :class:`Timing` of ``--seed``, ``--phases`` and ``--cohorts`` (one-line errors)."""
    if not 0 <= args.seed < 2**63:
        raise InputError(f"{args.seed}", field="--seed", allowed="an integer 0..2^63-1")
    if not 0 <= args.cohorts <= 100_000:
        raise InputError(f"{args.cohorts}", field="--cohorts",
                         allowed="0 (one per speaker) .. 100000")
    return Timing(seed=args.seed, phases=args.phases, cohorts=args.cohorts)
