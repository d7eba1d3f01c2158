"""Monte Carlo over nature: one scenario run under N seeds, and what the runs say together.

A zone's timers are not in lockstep (:mod:`bgpcascade.model.timing`: per-session
KeepaliveTimer phases, RFC 4271 §10 jitter, cohorts), and where they fall decides whether
a flap snowballs. The model draws them from a seed, deterministically; this module runs
the same zone and triggers under seeds ``S, S+1, ..., S+N-1`` (run ``i`` uses seed
``S + i``, with the phases and cohorts of the base :class:`Timing`) and summarises the N
runs as a :class:`Distribution` (docs/model.md, "Monte Carlo"):

- ``p_cascade``: the fraction of runs in which a session reset that no trigger reset
  directly (:meth:`Outcome.cascaded`, the condition of ``simulate``'s ``cascade``
  verdict and of ``sessions_reset > 0``); ``p_zone_outage``: the fraction whose verdict
  is ``zone-outage`` (:meth:`Outcome.outage` at the run's threshold). Nothing here
  re-defines either: both are read off :class:`~bgpcascade.model.outcomes.Outcome`.
- ``ci95``: the Wilson score interval at 95 % (:func:`wilson`) of each fraction.
- ``quantiles``: p5, p50, p95 of the first cascade reset (seconds after the first
  trigger), the isolation peak and the reconvergence time, by the nearest-rank method
  (:func:`nearest_rank`) over the runs that have a value: a run without a cascade has no
  first cascade reset, a run that never reconverged within the horizon no reconvergence
  time; they are left out and ``n`` says how many runs entered.
- the worst run (:meth:`RunStat.badness`): the most severe verdict (zone-outage, then
  cascade, then degraded, then contained), then the most resets by the cascade, the most clients
  isolated at once, the latest reconvergence (never reconverged is the latest), and among
  equals the lowest seed.

Every run is :func:`bgpcascade.properties.runner.run`; the runs fan out as picklable
:class:`SeedJob` s over an :class:`~bgpcascade.properties.executor.Executor`, whose
results come back in job order, so a distribution never depends on the number of workers.

:class:`MonteCarloCheck` answers the engine protocol (:mod:`.result`) for the
probability properties (``p_cascade_below=P``, kind ``probability``): HOLDS when, for
every trigger, the 95 % Wilson upper bound of ``p_cascade`` is below ``P``; VIOLATED when,
for one trigger, its lower bound is at least ``P`` (the worst run is the replayable
counterexample); UNKNOWN otherwise (too few runs to tell) or when the budget runs out.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.numbers import json_number
from bgpcascade.model.outcomes import VERDICTS
from bgpcascade.model.timing import Timing
from bgpcascade.model.zonefile import load_zone

from .executor import Executor, LocalExecutor, ProgressFn
from .result import Counterexample, Question, Result
from .runner import Run, run

if TYPE_CHECKING:
    from .library import Selected

#: The standard normal quantile of 0.975: a two-sided 95 % interval.
Z95 = 1.959963984540054
#: The quantiles reported (percent).
QUANTILES: tuple[int, ...] = (5, 50, 95)
#: Runs per trigger that ``check`` makes for a probability property by default: with no
#: run cascading, the 95 % upper bound is 0.037, so ``p_cascade_below=0.05`` can HOLD.
CHECK_RUNS = 100
#: Runs per shard's critical flap in the design review (0 cascading: upper bound 0.161).
REVIEW_RUNS = 20
#: Runs a probability property's witness makes (all cascading: lower bound 0.839).
WITNESS_RUNS = 20
#: The most seeds ``simulate --runs`` and ``check --runs`` take (the built-in zone runs
#: 300 s in about 0.3 s: a hundred thousand runs are hours on 4 processes; more is
#: refused, not left to run).
MAX_RUNS = 100_000


class OutOfBudget(Exception):
    """The time budget ran out before every run was made."""


# -- the statistics ------------------------------------------------------------------------------
def wilson(k: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k`` of ``n`` (E. B. Wilson, "Probable
    inference, the law of succession, and statistical inference", JASA 22, 1927):
    ``(p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n)``, clamped to [0, 1]; exactly
    0 below at ``k = 0`` and exactly 1 above at ``k = n``. Unlike the normal
    approximation it stays inside [0, 1] and is not empty at ``k = 0``."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"wilson: {k} of {n}")
    p = k / n
    zz = z * z
    denom = 1 + zz / n
    centre = (p + zz / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + zz / (4 * n * n)) / denom
    lo = 0.0 if k == 0 else max(0.0, centre - half)
    hi = 1.0 if k == n else min(1.0, centre + half)
    return lo, hi


def nearest_rank(values: Sequence[Fraction], percent: int) -> Fraction | None:
    """The ``percent``-th percentile of ``values`` by the nearest-rank method: the
    smallest value at least ``percent`` % of the values are at or below, i.e. the
    ``ceil(percent/100 * n)``-th smallest (the 1st for 0 %); None when there is none.
    Exact: always one of the values, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(Fraction(percent, 100) * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Quantiles:
    """p5, p50, p95 of one measurement over the ``n`` runs that have it."""

    values: tuple[Fraction | None, ...]
    n: int

    @classmethod
    def of(cls, values: Sequence[Fraction | int | None]) -> Quantiles:
        """The quantiles of the runs' values (None: the run has none, left out)."""
        have = [Fraction(v) for v in values if v is not None]
        return cls(tuple(nearest_rank(have, q) for q in QUANTILES), len(have))

    def as_json(self) -> dict[str, Any]:
        """``{"p5": .., "p50": .., "p95": .., "n": ..}`` (null when no run has one)."""
        out: dict[str, Any] = {f"p{q}": None if v is None else json_number(v)
                               for q, v in zip(QUANTILES, self.values, strict=True)}
        out["n"] = self.n
        return out


def _ci(k: int, n: int) -> list[float]:
    lo, hi = wilson(k, n)
    return [round(lo, 6), round(hi, 6)]


# -- one run under one seed -----------------------------------------------------------------------
@dataclass(frozen=True)
class RunStat:
    """What one seed's run measured (from its :class:`Outcome`): whether it cascaded and
    went zone-wide (``simulate``'s verdict), the resets by the cascade, the first of them
    (seconds after the first trigger), the isolation peak, when the zone reconverged
    (absolute seconds, None: not within the horizon) and the properties it violates."""

    index: int
    seed: int
    cascaded: bool
    outage: bool
    cascade_resets: int
    first_cascade_reset: Fraction | None
    isolated_peak: int
    reconverged_at: Fraction | None
    violated: tuple[str, ...] = ()
    verdict: str = "contained"

    def badness(self) -> tuple[int, int, int, int, Fraction, int]:
        """Larger is worse (the module docstring's order of the worst run)."""
        never = self.reconverged_at is None
        return (VERDICTS.index(self.verdict), self.cascade_resets,
                self.isolated_peak, int(never),
                Fraction(0) if never else Fraction(self.reconverged_at or 0), -self.index)


@dataclass(frozen=True)
class SeedJob:
    """One run of the distribution as picklable data: the zone's text, the triggers, the
    horizon, the run's :class:`Timing` (its seed), one state per speaker or not, the
    zone-outage threshold (as ``simulate --outage-threshold``) and the properties to
    judge (by label: :class:`~bgpcascade.properties.library.Selected` pickles by name)."""

    index: int
    zone_text: str
    source: str
    triggers: tuple[Trigger, ...]
    horizon: Fraction
    timing: Timing
    expand: bool = False
    outage_threshold: float = 0.5
    props: tuple[Selected, ...] = ()


def seed_run(job: SeedJob, dt: Fraction | None = None) -> Run:
    """The run ``job`` describes (``dt``: its sampling step; the horizon by default)."""
    zone = load_zone(job.zone_text, source=job.source)
    return run(zone, job.triggers, job.horizon, props=job.props, dt=dt, expand=job.expand,
               timing=job.timing)


def run_seed(job: SeedJob) -> RunStat:
    """Run ``job`` and measure it: the function the executor maps over the seeds."""
    done = seed_run(job)
    o = done.outcome
    cascade = o.cascade
    return RunStat(job.index, job.timing.seed, o.cascaded(),
                   o.outage(Fraction(str(job.outage_threshold))), o.cascade_size(),
                   cascade[0].t - o.first_trigger if cascade else None, o.isolated_peak,
                   o.reconverged_at(), tuple(done.violated),
                   o.verdict(Fraction(str(job.outage_threshold))))


# -- N runs ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Distribution:
    """N runs of one scenario under seeds ``base.seed + i`` (the module docstring)."""

    base: Timing
    runs: tuple[RunStat, ...]
    jobs: tuple[SeedJob, ...] = field(repr=False, default=())

    @property
    def n(self) -> int:
        """How many runs."""
        return len(self.runs)

    @property
    def cascades(self) -> int:
        """Runs that cascaded."""
        return sum(r.cascaded for r in self.runs)

    @property
    def outages(self) -> int:
        """Runs whose verdict is zone-outage."""
        return sum(r.outage for r in self.runs)

    @property
    def p_cascade(self) -> float:
        """The fraction of runs that cascaded."""
        return self.cascades / self.n

    @property
    def ci95(self) -> tuple[float, float]:
        """The 95 % Wilson interval of ``p_cascade``."""
        return wilson(self.cascades, self.n)

    @property
    def p_zone_outage(self) -> float:
        """The fraction of runs whose verdict is zone-outage."""
        return self.outages / self.n

    def violations(self, label: str) -> int:
        """Runs that violate the property ``label`` (judged on each run)."""
        return sum(label in r.violated for r in self.runs)

    @property
    def worst(self) -> RunStat:
        """The worst run (:meth:`RunStat.badness`)."""
        return max(self.runs, key=RunStat.badness)

    def worst_run(self, dt: Fraction | None = None) -> Run:
        """The worst run again, whole (for its trace; the same seed gives the same run)."""
        return seed_run(self.jobs[self.worst.index], dt)

    def quantiles(self) -> dict[str, Quantiles]:
        """Per measurement (``simulate --json``'s key), its :class:`Quantiles`."""
        return {"first_cascade_reset_s": Quantiles.of([r.first_cascade_reset
                                                       for r in self.runs]),
                "clients_isolated_peak": Quantiles.of([r.isolated_peak for r in self.runs]),
                "reconverged_at_s": Quantiles.of([r.reconverged_at for r in self.runs])}

    def as_json(self) -> dict[str, Any]:
        """The keys ``simulate --runs N --json`` adds (docs/cli.md)."""
        return {"p_cascade": round(self.p_cascade, 6),
                "p_cascade_ci95": _ci(self.cascades, self.n),
                "p_zone_outage": round(self.p_zone_outage, 6),
                "p_zone_outage_ci95": _ci(self.outages, self.n),
                "quantiles": {k: q.as_json() for k, q in self.quantiles().items()},
                "worst_seed": self.worst.seed,
                "seeds": [self.base.seed, self.base.seed + self.n - 1]}


def seed_jobs(zone_text: str, source: str, triggers: Sequence[Trigger], horizon: Fraction,
              *, runs: int, timing: Timing, expand: bool = False,
              outage_threshold: float = 0.5, props: Sequence[Selected] = ()
              ) -> list[SeedJob]:
    """The N jobs: run ``i`` under ``timing`` with seed ``timing.seed + i``."""
    return [SeedJob(i, zone_text, source, tuple(triggers), horizon,
                    replace(timing, seed=timing.seed + i), expand, outage_threshold,
                    tuple(props)) for i in range(runs)]


def distribution(zone_text: str, source: str, triggers: Sequence[Trigger],
                 horizon: Fraction, *, runs: int, timing: Timing | None = None,
                 executor: Executor | None = None, expand: bool = False,
                 outage_threshold: float = 0.5, props: Sequence[Selected] = (),
                 progress: ProgressFn | None = None,
                 budget_left: Callable[[], float] | None = None) -> Distribution:
    """Run the scenario under ``runs`` seeds (``timing``'s seed and the next ones;
    default :class:`Timing` ()) through ``executor`` (default: this process) and
    summarise the runs. ``budget_left``: seconds left, asked before each batch of
    ``executor.workers`` runs; :class:`OutOfBudget` when it is not positive."""
    if runs < 1:
        raise ValueError(f"runs must be at least 1, not {runs}")
    base = timing if timing is not None else Timing()
    jobs = seed_jobs(zone_text, source, triggers, horizon, runs=runs, timing=base,
                     expand=expand, outage_threshold=outage_threshold, props=props)
    ex = executor if executor is not None else LocalExecutor(1)
    stats: list[RunStat] = []
    batch = len(jobs) if budget_left is None else max(1, ex.workers)
    for i in range(0, len(jobs), batch):
        if budget_left is not None and budget_left() <= 0:
            raise OutOfBudget
        done = len(stats)

        def tick(k: int, _total: int, done: int = done) -> None:
            if progress is not None:
                progress(done + k, len(jobs))

        stats += ex.map(run_seed, jobs[i:i + batch], progress=tick)
    return Distribution(base, tuple(stats), tuple(jobs))


# -- the probability properties, as an engine ------------------------------------------------------
def judge_below(k: int, n: int, bound: Fraction) -> str:
    """``p_cascade_below=bound`` on ``k`` cascades in ``n`` runs: HOLDS when the 95 %
    Wilson upper bound is below ``bound``, VIOLATED when its lower bound is at least
    ``bound``, else UNKNOWN (the interval straddles it: more runs may tell)."""
    lo, hi = wilson(k, n)
    if hi < bound:
        return "HOLDS"
    if lo >= bound:
        return "VIOLATED"
    return "UNKNOWN"


def _bound_of(sel: Selected) -> Fraction:
    arg = sel.arg if sel.arg is not None else sel.prop.default
    assert isinstance(arg, Fraction), f"{sel.label} takes a probability"
    return arg


class MonteCarloCheck:
    """Engine ``montecarlo``: the probability properties of ``question`` over
    ``parameters["runs"]`` seeds per trigger (the module docstring), from
    ``parameters["timing"]`` (default :class:`Timing` ()), through ``parameters["jobs"]``
    processes. The distributions are kept, so that asking again for the properties still
    open makes no new run."""

    name = "montecarlo"
    covers_ranges = False

    def __init__(self) -> None:
        self._seen: dict[str, Distribution] = {}

    def _distributions(self, q: Question) -> list[tuple[Trigger, Distribution]]:
        assert q.space is not None
        runs = int(q.parameters.get("runs", CHECK_RUNS))
        timing = q.parameters.get("timing") or Timing()
        out: list[tuple[Trigger, Distribution]] = []
        with LocalExecutor(max(1, min(runs, int(q.parameters.get("jobs", 1))))) as ex:
            for trig in q.triggers:
                key = trig.label()
                if key not in self._seen:
                    q.progress(f"{q.space.zone.name}: montecarlo: {key}, {runs} seeds")
                    self._seen[key] = distribution(
                        q.space.text, q.space.source, [trig], q.horizon, runs=runs,
                        timing=timing, executor=ex, budget_left=q.remaining)
                out.append((trig, self._seen[key]))
        return out

    def check(self, question: Question) -> Result:
        """Judge every probability property of ``question`` on every trigger."""
        try:
            dists = self._distributions(question)
        except OutOfBudget:
            return Result(self.name, "UNKNOWN", reason=f"budget of {question.budget:g} s "
                          "ran out before every seed was run")
        bounds = {"engine": self.name, "horizon_s": json_number(question.horizon),
                  "per_trigger": [{"trigger": t.label(), "runs": d.n,
                                   "seeds": [d.base.seed, d.base.seed + d.n - 1],
                                   "phases": d.base.phases, "cohorts": d.base.k,
                                   "cascaded": d.cascades,
                                   "p_cascade": round(d.p_cascade, 6),
                                   "p_cascade_ci95": _ci(d.cascades, d.n)}
                                  for t, d in dists]}
        verdicts = {s.label: [judge_below(d.cascades, d.n, _bound_of(s)) for _, d in dists]
                    for s in question.props}
        bad = [s.label for s in question.props if "VIOLATED" in verdicts[s.label]]
        if bad:
            return self._violated(question, dists, bad, bounds)
        if all(v == "HOLDS" for vs in verdicts.values() for v in vs):
            worst = max((d.ci95[1] for _, d in dists), default=0.0)
            n = min((d.n for _, d in dists), default=0)
            return Result(self.name, "HOLDS", bounds, covered=(
                f"{n} seeds per trigger, {len(dists)} triggers: p_cascade's 95% upper "
                f"bound at most {worst:.3f}"))
        open_ = [f"{t.label()}: {d.cascades} of {d.n} runs cascaded, 95% interval "
                 f"[{d.ci95[0]:.3f}, {d.ci95[1]:.3f}]" for t, d in dists
                 if any(judge_below(d.cascades, d.n, _bound_of(s)) == "UNKNOWN"
                        for s in question.props)]
        return Result(self.name, "UNKNOWN", bounds, reason="not enough runs to tell ("
                      + "; ".join(open_[:3]) + "): more --runs")

    def _violated(self, q: Question, dists: list[tuple[Trigger, Distribution]],
                  bad: list[str], bounds: dict[str, Any]) -> Result:
        """The counterexample: the worst run of the first trigger that violates."""
        assert q.space is not None
        probs = {s.label: _bound_of(s) for s in q.props if s.label in bad}
        trig, dist = next((t, d) for t, d in dists
                          if any(judge_below(d.cascades, d.n, p) == "VIOLATED"
                                 for p in probs.values()))
        worst = dist.worst_run(Fraction(1))
        trace = worst.trace(q.space.text, q.space.source)
        violated = tuple(lb for lb, p in probs.items()
                         if judge_below(dist.cascades, dist.n, p) == "VIOLATED")
        cx = Counterexample(q.space.text, q.space.source, (trig,), {}, violated, trace)
        return Result(self.name, "VIOLATED", bounds, cx)
