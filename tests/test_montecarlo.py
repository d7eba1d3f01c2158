"""Monte Carlo over seeds (properties/montecarlo.py; docs/model.md, "Monte Carlo"): the
Wilson interval, the quantiles, the worst run, the three-valued p_cascade_below, and N
runs that agree with each seed run alone, whatever the number of workers."""

from __future__ import annotations

import pickle
from fractions import Fraction
from pathlib import Path

import pytest

from bgpcascade.io import read_zone_text
from bgpcascade.model.timing import Timing
from bgpcascade.model.triggers import parse_flap
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.executor import LocalExecutor
from bgpcascade.properties.library import parse_property
from bgpcascade.properties.montecarlo import (
    Distribution,
    Quantiles,
    RunStat,
    distribution,
    judge_below,
    nearest_rank,
    wilson,
)
from bgpcascade.properties.runner import run

ROOT = Path(__file__).resolve().parent.parent
APPLIANCE = ROOT / "tests" / "examples" / "unsafe" / "appliance-shard-cascade.yaml"


@pytest.mark.parametrize("k, n, lo, hi", [
    # Published values of the 95 % Wilson score interval (e.g. Newcombe, Statistics in
    # Medicine 17, 1998, table II: 0/10 -> 0 to 0.2775, 1/29 -> 0.0061 to 0.1718;
    # 81/263 -> 0.2553 to 0.3662).
    (0, 10, 0.0, 0.2775),
    (1, 29, 0.0061, 0.1718),
    (81, 263, 0.2553, 0.3662),
    (5, 10, 0.2366, 0.7634),
    (10, 10, 0.7225, 1.0),
    (0, 100, 0.0, 0.0370),
])
def test_wilson_interval_against_published_values(k: int, n: int, lo: float,
                                                  hi: float) -> None:
    got = wilson(k, n)
    assert got == pytest.approx((lo, hi), abs=5e-5)


def test_wilson_interval_bounds_and_symmetry() -> None:
    for n in (1, 2, 7, 20, 100):
        for k in range(n + 1):
            lo, hi = wilson(k, n)
            assert 0 <= lo <= k / n <= hi <= 1
            lo2, hi2 = wilson(n - k, n)
            assert (lo, hi) == pytest.approx((1 - hi2, 1 - lo2), abs=1e-12)
        assert wilson(0, n)[0] == 0.0 and wilson(n, n)[1] == 1.0
    with pytest.raises(ValueError):
        wilson(3, 2)


def test_nearest_rank_quantiles_on_constructed_values() -> None:
    values = [Fraction(v) for v in range(20, 0, -1)]  # 20 values, given out of order
    assert [nearest_rank(values, p) for p in (5, 50, 95, 100)] == [1, 10, 19, 20]
    assert nearest_rank([Fraction(7)], 5) == nearest_rank([Fraction(7)], 95) == 7
    assert nearest_rank([], 50) is None
    # A run without a value (no cascade, never reconverged) is left out and counted.
    q = Quantiles.of([None, 3, None, 1, 2])
    assert q.n == 3 and q.values == (1, 2, 3)
    assert q.as_json() == {"p5": 1, "p50": 2, "p95": 3, "n": 3}
    assert Quantiles.of([None, None]).as_json() == {"p5": None, "p50": None, "p95": None,
                                                    "n": 0}
    assert Quantiles.of([Fraction(1, 2)]).as_json()["p50"] == 0.5


def _stat(i: int, *, cascaded: bool = False, outage: bool = False, resets: int = 0,
          isolated: int = 0, reconverged: int | None = 100) -> RunStat:
    return RunStat(i, 10 + i, cascaded, outage, resets, Fraction(5) if cascaded else None,
                   isolated, None if reconverged is None else Fraction(reconverged), (),
                   "zone-outage" if outage else "cascade" if cascaded else "contained")


def test_the_worst_run_is_the_most_severe_then_the_most_resets_then_isolation() -> None:
    runs = (_stat(0), _stat(1, cascaded=True, resets=5, isolated=1),
            _stat(2, cascaded=True, resets=5, isolated=3),
            _stat(3, cascaded=True, resets=9), _stat(4, cascaded=True, resets=9))
    d = Distribution(Timing(seed=10), runs)
    assert d.worst.index == 3  # most resets; of two equal, the lower seed
    assert Distribution(Timing(seed=10), runs[:3]).worst.index == 2  # then isolation
    outage = _stat(5, outage=True)  # zone-wide without a cascade: still the worst
    assert Distribution(Timing(seed=10), (*runs, outage)).worst.index == 5
    late = (_stat(0, reconverged=50), _stat(1, reconverged=None), _stat(2, reconverged=80))
    assert Distribution(Timing(seed=10), late).worst.index == 1  # never reconverged
    assert Distribution(Timing(seed=10), late[::2]).worst.index == 2  # the latest
    j = Distribution(Timing(seed=10), runs).as_json()
    assert j["p_cascade"] == 0.8 and j["p_cascade_ci95"] == [round(x, 6)
                                                            for x in wilson(4, 5)]
    assert j["worst_seed"] == 13 and j["seeds"] == [10, 14]
    assert j["quantiles"]["first_cascade_reset_s"] == {"p5": 5, "p50": 5, "p95": 5, "n": 4}


@pytest.mark.parametrize("k, n, bound, status", [
    (0, 100, Fraction(1, 20), "HOLDS"),      # upper bound 0.037 < 0.05
    (0, 20, Fraction(1, 20), "UNKNOWN"),     # upper bound 0.161: too few runs
    (20, 20, Fraction(1, 2), "VIOLATED"),    # lower bound 0.839 >= 0.5
    (10, 20, Fraction(1, 2), "UNKNOWN"),     # the interval straddles 0.5
    (20, 20, Fraction(1), "UNKNOWN"),        # p < 1 is never refuted, ...
    (19, 20, Fraction(1), "HOLDS"),          # ... and holds once a run did not cascade
])
def test_p_cascade_below_is_three_valued(k: int, n: int, bound: Fraction,
                                         status: str) -> None:
    assert judge_below(k, n, bound) == status


def test_p_cascade_below_parses_a_probability() -> None:
    sel = parse_property("p_cascade_below=0.1")
    assert sel.probabilistic and not sel.static and sel.arg == Fraction(1, 10)
    assert parse_property("p_cascade_below").arg == Fraction(1, 20)
    for bad in ("0", "1.5", "-0.1", "x"):
        with pytest.raises(Exception, match="p_cascade_below"):
            parse_property(f"p_cascade_below={bad}")
    assert pickle.loads(pickle.dumps(sel)) == sel


def test_n_runs_agree_with_each_seed_run_alone_whatever_the_workers() -> None:
    """Run i is runner.run with seed S + i (same phases and cohorts); one worker or two
    give the same distribution, byte for byte."""
    text = read_zone_text(str(APPLIANCE))
    zone = load_zone(text, source=str(APPLIANCE))
    flap = [parse_flap(zone, "spine1~b-rr1@30")]
    base = Timing(seed=7, phases="spread", cohorts=2)
    props = [parse_property("no_cascade"), parse_property("no_cascade_in=b")]
    one = distribution(text, str(APPLIANCE), flap, Fraction(200), runs=4, timing=base,
                       props=props)
    with LocalExecutor(2) as ex:
        two = distribution(text, str(APPLIANCE), flap, Fraction(200), runs=4, timing=base,
                           executor=ex, props=props)
    assert one.runs == two.runs and one.as_json() == two.as_json()
    assert [r.seed for r in one.runs] == [7, 8, 9, 10]
    for r in one.runs:
        alone = run(zone, flap, Fraction(200), props=props,
                    timing=Timing(seed=r.seed, phases="spread", cohorts=2)).outcome
        assert r.cascaded == alone.cascaded() and r.cascade_resets == alone.cascade_size()
        assert r.isolated_peak == alone.isolated_peak
        assert r.reconverged_at == alone.reconverged_at()
        assert r.outage == alone.outage(Fraction(1, 2))
        assert ("no_cascade" in r.violated) == alone.cascaded()
    assert one.cascades == sum(r.cascaded for r in one.runs)
    assert one.violations("no_cascade") == one.cascades
    worst = one.worst_run()
    assert worst.sim.timing.seed == one.worst.seed
    assert worst.outcome.cascade_size() == one.worst.cascade_resets
