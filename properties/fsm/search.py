"""The two solver searches the properties are decided by, under a :class:`Budget`.

- :func:`one_step`: is there ANY state and event whose step is bad (induction: ``unsat``
  proves a step property for every state)?
- :func:`bmc`: bounded model checking from the initial state, the SHORTEST run whose last
  step reaches a goal.

``z3.unknown`` becomes an ``unknown`` outcome, never a proof; a solver's run that does
not replay in the Python FSM (:mod:`.replay`) is never shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import z3

from ..verdict import Verdict
from .encoding import (
    Bool,
    Encoding,
    Step,
    ZConfig,
    ZVars,
    config_domain,
    extend,
    fresh_config,
    fresh_vars,
    start_path,
)
from .replay import (
    _describe_step,
    _event_of,
    describe_config,
    describe_path,
    describe_vars,
    read_config,
    read_vars,
    replay,
    replay_step,
    truth,
    value,
    vars_diff,
)

StepPredicate = Callable[[ZConfig, Step], Bool]
ConfigPredicate = Callable[[ZConfig, ZVars], Bool]


@dataclass(frozen=True)
class Budget:
    """Solver limits: ``timeout_s`` per query, an optional Z3 ``rlimit`` per query, and
    the bound ``k_max`` of bounded model checking (events from the initial state)."""

    timeout_s: float = 30.0
    rlimit: int | None = None
    k_max: int = 8

    def solver(self) -> z3.Solver:
        """A fresh solver with these limits."""
        s = z3.Solver()
        s.set("timeout", max(1, round(self.timeout_s * 1000)))
        if self.rlimit is not None:
            s.set("rlimit", self.rlimit)
        return s


#: The limits a property check uses when none are given.
DEFAULT_BUDGET = Budget()


@dataclass(frozen=True)
class QueryOutcome:
    """What one query found: ``sat`` (with trace and detail), ``unsat`` or ``unknown``."""

    result: Literal["sat", "unsat", "unknown"]
    trace: tuple[str, ...] = ()
    detail: str = ""
    k: int = 0


def _unknown(solver: z3.Solver, what: str) -> QueryOutcome:
    return QueryOutcome("unknown", detail=f"{what}: solver returned unknown "
                                          f"({solver.reason_unknown()})")


def _disagree(why: str) -> QueryOutcome:
    return QueryOutcome("unknown",
                        detail="the solver's run does not replay in the Python FSM "
                               f"(model/fsm.py), so it is not shown: {why}")


def one_step(enc: Encoding, budget: Budget, bad: StepPredicate,
             assume: Callable[[ZConfig, ZVars], Bool] | None = None) -> QueryOutcome:
    """Is there ANY state (in the domain, satisfying ``assume``) and event whose step
    satisfies ``bad``? ``unsat`` proves the step property for every state."""
    s = budget.solver()
    cfg = fresh_config("cfg")
    v = fresh_vars("v")
    st = enc.step(cfg, v, "s")
    s.add(config_domain(cfg), st.constraint, bad(cfg, st))
    if assume is not None:
        s.add(assume(cfg, v))
    r = s.check()
    if r == z3.unsat:
        return QueryOutcome("unsat")
    if r != z3.sat:
        return _unknown(s, "one-step query")
    m = s.model()
    nxt, why = replay_step(enc.table, read_config(m, cfg), read_vars(m, v), _event_of(m, st),
                           value(m, st.now), truth(m, st.collision), value(m, st.remote_hold))
    if nxt is None:
        return _disagree(why)
    if nxt != (want := read_vars(m, st.post)):
        return _disagree(f"{_event_of(m, st).name}: {vars_diff(nxt, want)}")
    return QueryOutcome("sat", trace=(_event_of(m, st).name,),
                        detail=(f"config: {describe_config(m, cfg)}; from {describe_vars(m, v)}: "
                                f"{_describe_step(m, st, st.post)}"), k=1)


def bmc(enc: Encoding, budget: Budget, goal: StepPredicate, *,
        step_filter: StepPredicate | None = None,
        cfg_extra: ConfigPredicate | None = None, k_max: int | None = None) -> QueryOutcome:
    """Bounded model checking from the initial state: the SHORTEST run (k = 1, 2, ...
    up to ``k_max`` events) whose last step satisfies ``goal``."""
    s = budget.solver()
    path, init = start_path(cfg_extra)
    s.add(*init)
    for k in range(1, (k_max or budget.k_max) + 1):
        st, constraints = extend(enc, path, step_filter)
        s.add(*constraints)
        s.push()
        s.add(goal(path.cfg, st))
        r = s.check()
        if r == z3.sat:
            model = s.model()
            if why := replay(model, path, enc.table):
                return _disagree(why)
            trace, detail = describe_path(model, path)
            return QueryOutcome("sat", trace=trace, detail=detail, k=k)
        if r != z3.unsat:
            return _unknown(s, f"bounded search at k={k}")
        s.pop()
    return QueryOutcome("unsat", k=k_max or budget.k_max)


def _step_verdict(name: str, enc: Encoding, budget: Budget, bad: StepPredicate,
                  holds: str, what: str) -> Verdict:
    """A property of every single transition, from every state: HOLDS by the one-step
    query, or VIOLATED with the shortest run from Idle that takes a bad step (or, when
    none is found within the bound, the bad step from the state the solver chose)."""
    method = "induction (1-step, all states)"
    out = one_step(enc, budget, bad)
    if out.result == "unsat":
        return Verdict(name, "HOLDS", method, holds)
    if out.result == "unknown":
        return Verdict(name, "UNKNOWN", method, out.detail)
    return _violation(name, method, enc, budget, bad, out, what)


def _violation(name: str, method: str, enc: Encoding, budget: Budget, goal: StepPredicate,
               out: QueryOutcome, what: str) -> Verdict:
    reach = bmc(enc, budget, goal)
    if reach.result == "sat":
        return Verdict(name, "VIOLATED", f"{method}; counterexample by bounded model "
                       f"checking, shortest run from Idle (k = {reach.k})",
                       f"{what}: {reach.detail}", reach.trace)
    why = (f"no run from Idle reaches it within k <= {budget.k_max} events"
           if reach.result == "unsat" else f"no run from Idle is shown: {reach.detail}")
    return Verdict(name, "VIOLATED", method,
                   f"{what} ({why}; the step below starts from a state the solver chose): "
                   f"{out.detail}", out.trace)

