"""The executor (properties/executor.py): job order, workers=1 and 2 agree, errors surface."""

from __future__ import annotations

import os
import time
from fractions import Fraction
from typing import Any

import pytest

from bgpcascade.io import read_zone_text
from bgpcascade.model.params import Space
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.cascade_z3 import (
    ZoneSearch,
    _plain_batch,
    representative_flaps,
)
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


class _CountingExecutor(LocalExecutor):
    """A LocalExecutor that counts its batches and closes."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.batches = self.closes = 0

    def map(self, fn: Any, jobs: Any, *, progress: Any = None) -> list[Any]:
        self.batches += 1
        return super().map(fn, jobs, progress=progress)

    def close(self) -> None:
        self.closes += 1
        super().close()


def test_the_z3_search_uses_a_given_executor_and_leaves_it_open() -> None:
    """The review hands its executor to the Z3 search: the plain runs go through it (same
    answer as the search's own pool) and closing the search does not close it."""
    path = os.path.join(EXAMPLES, "unsafe", "appliance-shard-cascade.yaml")
    text = read_zone_text(path)
    props = [parse_property("no_cascade")]

    def search(executor: Executor | None) -> tuple[ZoneSearch, list[tuple[int, list[str]]]]:
        space = Space(text, path, load_zone(text, source=path))
        eng = ZoneSearch(space, representative_flaps(space, Fraction(30)), props,
                     Fraction(200), jobs=2, executor=executor)
        try:
            return eng, _plain_batch(eng, eng.triggers, {})
        finally:
            eng.close()

    given = _CountingExecutor(2)
    try:
        eng, shared = search(given)
        assert eng.executor is given and given.batches == 1 and given.closes == 0
        own, alone = search(None)
        assert alone == shared and any(v for v in shared)
        assert own.executor is not None and own.executor is not given
    finally:
        given.close()
