"""Path regions along one parameter: where the next grid value outside a region lies.

A symbolic run of the Z3 engine (:mod:`.cascade_z3`) holds on a region of parameter space,
its path condition (:class:`~.symbolic.PathCondition`). When that region is only bounds on
the one parameter a boundary walk varies (the usual case), the first grid value past it
follows from the bounds alone: :func:`interval_guess` computes it, and the engine has Z3
confirm it before it is used.
"""

from __future__ import annotations

import math

from .symbolic import PathCondition


def interval_guess(pc: PathCondition, name: str, start: int, end: int,
                    step: int) -> tuple[int | None, bool] | None:
    """From bounds on ``name`` alone: the first whole value past ``start`` outside them."""
    keys = set(pc.lower) | set(pc.upper) | set(pc.equal) | set(pc.unequal)
    if pc.poly or pc.nonlinear or keys - {name}:
        return None
    if pc.equal.get(name):
        return (start + step if start != end else None), True
    g = abs(step)

    def grid_after(v: int) -> int:  # the first grid value at or beyond v (walk direction)
        k = -((start - v) // g) if step > 0 else -((v - start) // g)
        return start + k * g if step > 0 else start - k * g

    cands: list[int] = []
    if step > 0:
        up = pc.upper.get(name)
        if up is not None:
            t, strict = up
            last_in = (math.ceil(t) - 1) if strict else math.floor(t)
            if last_in < end:
                cands.append(grid_after(last_in + 1))
        cands += [int(u) for u in pc.unequal.get(name, ()) if u.denominator == 1
                  and start < u <= end and (u - start) % g == 0]
        nxt = min(cands) if cands else None
        if nxt is not None and nxt > end:
            nxt = None
    else:
        low = pc.lower.get(name)
        if low is not None:
            t, strict = low
            first_in = (math.floor(t) + 1) if strict else math.ceil(t)
            if first_in > end:
                cands.append(grid_after(first_in - 1))
        cands += [int(u) for u in pc.unequal.get(name, ()) if u.denominator == 1
                  and end <= u < start and (start - u) % g == 0]
        nxt = max(cands) if cands else None
        if nxt is not None and nxt < end:
            nxt = None
    if nxt is not None and (nxt - start) * step <= 0:
        nxt = start + step
    return nxt, True
