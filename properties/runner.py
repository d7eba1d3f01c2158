"""One scenario run: a zone, its triggers, a horizon; what happened, and what it broke.

Every engine and command that asks "what do these triggers do to this zone, and which
properties does that break?" calls :func:`run` (the simulator scan, the Z3 engine's
concrete runs and replays, the Hypothesis engine, ``explore``, the property witnesses,
``simulate`` and ``demo``). The sequence it models is always the same:

1. build the simulator (:class:`~bgpcascade.model.dynamics.Sim`) on the zone at rest,
   with the triggers (RFC 4271 §8 sessions, RFC 4456 reflection: docs/model.md);
2. drive it to the horizon with a :class:`~bgpcascade.model.trace.Recorder`, sampling
   the per-speaker series every ``dt`` (the peaks of isolation and reachability are
   measured after every state change, so they do not depend on ``dt``);
3. measure the run once: its :class:`~bgpcascade.model.outcomes.Outcome`;
4. judge the selected properties on that Outcome (one verdict per property label).

The :class:`Run` it returns keeps the simulator and the recorder, so a caller that needs
the trace (a counterexample, ``simulate --trace``) builds it from the very run that was
judged, never from a second one.

A symbolic run (the Z3 engine) passes ``bind``, which swaps the varied numbers for Z3
terms before the first event, and calls :func:`run` inside
:func:`~bgpcascade.properties.engines.symbolic.recording`: the same four steps then
record the path condition.

:class:`RunJob` is the same question as picklable data (zone text, not a loaded zone;
property labels, not predicates), for :mod:`bgpcascade.properties.executor`: a job runs
in another process, or on another machine, with nothing shared but its arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.timing import Timing
from bgpcascade.model.trace import Recorder, build_trace, summary

if TYPE_CHECKING:
    from bgpcascade.model.params import Space
    from bgpcascade.model.topology import Zone

    from .library import Selected


@dataclass
class Run:
    """One finished run: the simulator and recorder as they ended, the measured
    :class:`Outcome` and the verdict of each selected property (``holds``, by label, in
    the order given)."""

    sim: Sim
    recorder: Recorder
    outcome: Outcome
    holds: dict[str, bool] = field(default_factory=dict)

    @property
    def violated(self) -> list[str]:
        """Labels of the selected properties the run violates, in the order given."""
        return [label for label, ok in self.holds.items() if not ok]

    @property
    def steps(self) -> int:
        """Events the simulator processed."""
        return self.sim.processed

    def trace(self, zone_text: str, zone_source: str, *,
              outage_threshold: float = 0.5) -> dict[str, Any]:
        """The run's trace (``simulate --trace``'s format, docs/cli.md): it embeds
        ``zone_text`` so that it replays on its own."""
        return build_trace(zone_text, zone_source, self.sim, self.recorder,
                           outage_threshold=outage_threshold)

    def summary(self, *, outage_threshold: float = 0.5) -> dict[str, Any]:
        """The run's summary (``simulate --json``'s keys, docs/cli.md)."""
        return summary(self.sim, self.recorder, outage_threshold=outage_threshold)


def judge(outcome: Outcome, props: Iterable[Selected]) -> dict[str, bool]:
    """Each run property's verdict on ``outcome``, by label (static properties are
    judged on the zone, not here)."""
    return {s.label: s.holds(outcome) for s in props}


def run(zone: Zone, triggers: Sequence[Trigger], horizon: Fraction, *,
        props: Iterable[Selected] = (), dt: Fraction | None = None, expand: bool = False,
        bind: Callable[[Sim], None] | None = None,
        progress: Callable[[Fraction], None] | None = None,
        timing: Timing | None = None) -> Run:
    """Simulate ``triggers`` on ``zone`` from rest up to ``horizon``, measure the run and
    judge ``props`` on it (the module docstring's four steps).

    ``dt``: the sampling step of the series (default: the horizon, i.e. only the start
    and the end; the verdicts do not depend on it; a trace to show or replay is sampled
    every second). ``expand``: one state per speaker instead of per symmetry group.
    ``bind``: called on the fresh simulator before it runs (the Z3 engine's symbolic
    numbers). ``progress``: called with the zone time after each sampling step.
    ``timing``: the run's seed, phases and cohorts (:mod:`bgpcascade.model.timing`;
    default lockstep, every session in phase).
    """
    sim = Sim(zone, list(triggers), expand=expand, bind=bind, timing=timing)
    rec = Recorder(sim, horizon, horizon if dt is None else dt)
    rec.run(progress)
    outcome = Outcome.of(rec)
    return Run(sim, rec, outcome, judge(outcome, props))


def run_at(space: Space, triggers: Sequence[Trigger], point: Mapping[str, int],
           horizon: Fraction, *, props: Iterable[Selected] = (),
           dt: Fraction | None = None, timing: Timing | None = None) -> Run:
    """:func:`run` on ``space``'s zone at the parameter values ``point`` (the others as
    written), with the triggers' varied numbers (a spike's work) at that point too."""
    values = space.point(point)
    return run(space.zone_at(values), [space.trigger_at(t, values) for t in triggers],
               horizon, props=props, dt=dt, timing=timing)


@dataclass(frozen=True)
class RunJob:
    """A run as picklable data, for an executor (:mod:`bgpcascade.properties.executor`):
    ``space`` (the zone's text and the varied parameters), the parameter values
    ``point``, the ``triggers``, the ``horizon`` and the properties to judge.

    Properties pickle by their label (:class:`~bgpcascade.properties.library.Selected`)
    and are looked up again in the worker's registry: the built-in ones everywhere, a
    user's own wherever its file was loaded (a forked worker inherits it)."""

    space: Space
    point: Mapping[str, int]
    triggers: tuple[Trigger, ...]
    horizon: Fraction
    props: tuple[Selected, ...] = ()
    timing: Timing | None = None  # None: lockstep


def violations(job: RunJob) -> list[str]:
    """Run ``job`` (sampling only the horizon) and return the labels of the properties it
    violates: the function an executor maps over jobs."""
    return run_at(job.space, job.triggers, job.point, job.horizon, props=job.props,
                  timing=job.timing).violated
