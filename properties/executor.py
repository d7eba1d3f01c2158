"""Fan-out: one picklable function mapped over many jobs, results in job order.

Every place that runs many independent simulator runs (the Z3 engine's plain scans, the
design review's flaps and what-ifs) goes through an :class:`Executor`. The protocol asks
for the least a cluster scheduler also offers, so that a distributed executor (Dask,
say) can stand in for :class:`LocalExecutor` without any caller changing:

- ``fn`` is a module-level function and every job is plain picklable data (a
  :class:`~bgpcascade.properties.runner.RunJob`, say): nothing reaches a worker through
  a global or a closure;
- results come back in the order of the jobs, whatever the order in which workers finish,
  so an answer never depends on the number of workers;
- a job that raises makes :meth:`Executor.map` raise that exception in the caller (no
  result is silently dropped);
- ``progress(done, total)`` is called in the caller's process as results arrive.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any, Protocol, TypeVar

J = TypeVar("J")
R = TypeVar("R")

#: ``progress(done, total)``: results received so far, and jobs in the batch.
ProgressFn = Callable[[int, int], None]


class Executor(Protocol):
    """Maps a picklable function over jobs (see the module docstring)."""

    @property
    def workers(self) -> int:
        """How many jobs may run at once."""
        ...

    def map(self, fn: Callable[[J], R], jobs: Sequence[J], *,
            progress: ProgressFn | None = None) -> list[R]:
        """``[fn(job) for job in jobs]``, computed by the workers, in job order; the first
        exception a job raises (in job order) is raised here."""
        ...

    def close(self) -> None:
        """Release the workers (the executor may be used again: they start anew)."""
        ...


#: Forked workers inherit the registered properties and need no pickled imports; where a
#: platform has no ``fork`` start method (Windows), the jobs run in this process instead.
_CAN_FORK = "fork" in multiprocessing.get_all_start_methods()


class LocalExecutor:
    """An :class:`Executor` over ``workers`` processes on this machine.

    ``workers=1`` runs every job in this process, one after the other (no pickling, no
    process start). With more, a pool of forked processes starts at the first batch of
    two jobs or more and serves every later batch until :meth:`close` (or the end of a
    ``with`` block); a batch of one job runs in this process. Forked workers inherit the
    properties registered so far (``--properties-from``); everything else a job needs is
    in the job.
    """

    def __init__(self, workers: int = 1) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        self._workers = workers
        self._pool: Any = None

    @property
    def workers(self) -> int:
        """How many jobs may run at once."""
        return self._workers

    def map(self, fn: Callable[[J], R], jobs: Sequence[J], *,
            progress: ProgressFn | None = None) -> list[R]:
        """``[fn(job) for job in jobs]`` in job order (in this process when ``workers``
        is 1 or there is one job, else in the pool, one job at a time per worker)."""
        total = len(jobs)
        out: list[R] = []
        if self._workers == 1 or total < 2 or not _CAN_FORK:
            for job in jobs:
                out.append(fn(job))
                if progress is not None:
                    progress(len(out), total)
            return out
        if self._pool is None:
            self._pool = multiprocessing.get_context("fork").Pool(self._workers)
        for result in self._pool.imap(fn, jobs, chunksize=1):
            out.append(result)
            if progress is not None:
                progress(len(out), total)
        return out

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
