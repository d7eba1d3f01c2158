"""The executor (properties/executor.py): job order, workers=1 and 2 agree, errors surface."""

from __future__ import annotations

import os
import time
from fractions import Fraction

import pytest

from bgpcascade.io import read_zone_text
from bgpcascade.model.params import Space
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import representative_flaps
from bgpcascade.properties.executor import Executor, LocalExecutor
from bgpcascade.properties.library import parse_property
from bgpcascade.properties.runner import RunJob, violations

EXAMPLES = os.path.join(os.path.dirname(__file__), "examples")


def _slow_square(x: int) -> tuple[int, int]:
    # Later jobs finish first: the results must still come back in job order.
    time.sleep(0.02 * (5 - x % 5))
    return x, x * x


def _fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("job 3 failed")
    return x


def _pid(_x: int) -> int:
    return os.getpid()


def test_results_come_back_in_job_order() -> None:
    with LocalExecutor(2) as ex:
        got = ex.map(_slow_square, list(range(10)))
    assert got == [(x, x * x) for x in range(10)]


def test_progress_counts_every_result() -> None:
    seen: list[tuple[int, int]] = []
    for workers in (1, 2):
        seen.clear()
        with LocalExecutor(workers) as ex:
            ex.map(_slow_square, [1, 2, 3], progress=lambda d, t: seen.append((d, t)))
        assert seen == [(1, 3), (2, 3), (3, 3)]


@pytest.mark.parametrize("workers", [1, 2])
def test_an_exception_in_a_job_surfaces(workers: int) -> None:
    with LocalExecutor(workers) as ex, pytest.raises(ValueError, match="job 3 failed"):
        ex.map(_fails_on_three, list(range(6)))


def test_workers_1_runs_in_process_and_2_in_other_processes() -> None:
    assert LocalExecutor(1).map(_pid, [0, 1]) == [os.getpid()] * 2
    with LocalExecutor(2) as ex:
        assert os.getpid() not in ex.map(_pid, [0, 1, 2, 3])
        assert ex.map(_pid, [0]) == [os.getpid()]  # one job: no round trip
    with pytest.raises(ValueError):
        LocalExecutor(0)


def test_the_pool_starts_again_after_close() -> None:
    ex = LocalExecutor(2)
    assert ex.map(_slow_square, [1, 2]) == [(1, 1), (2, 4)]
    ex.close()
    assert ex.map(_slow_square, [3, 4]) == [(3, 9), (4, 16)]
    ex.close()


def test_simulator_runs_agree_with_1_and_2_workers() -> None:
    path = os.path.join(EXAMPLES, "unsafe", "appliance-shard-cascade.yaml")
    text = read_zone_text(path)
    space = Space(text, path, load_zone(text, source=path))
    props = tuple(parse_property(p) for p in ("no_cascade", "no_zone_outage"))
    jobs = [RunJob(space, space.point(), (t,), Fraction(200), props)
            for t in representative_flaps(space, Fraction(30))]
    executors: list[Executor] = [LocalExecutor(1), LocalExecutor(2)]
    results = []
    for ex in executors:
        results.append(ex.map(violations, jobs))
        ex.close()
    assert results[0] == results[1]
    assert any(results[0]) and len(results[0]) == len(jobs)
