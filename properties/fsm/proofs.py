"""The properties proved about the session FSM's table, and :func:`check_all`.

Each property is a check over the Z3 encoding of the table (:mod:`.encoding`): a one-step
induction query over every state, or bounded model checking from Idle for the shortest
witness or counterexample (:mod:`.search`), replayed in the Python FSM before it is shown
(:mod:`.replay`). The configuration domain (:func:`~.encoding.config_domain`) is
documented there; the properties are the :data:`FSM_PROPERTIES` and :func:`check_all` checks
them all. Each check uses a solver timeout (``timeout_s`` per query) and optionally a Z3
resource limit; ``z3.unknown`` becomes UNKNOWN, never HOLDS.

The names of the encoding, replay and search modules are re-exported here: this module
is the one ``bgpcascade fsm --check`` and the tests import.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import z3

from bgpcascade.model import fsm
from bgpcascade.model.fsm_vocab import Event, State, Timer

from ..verdict import Verdict
from .encoding import (
    OPEN_EVENTS,
    TIMER_OF_EVENT,
    Z3,
    Bool,
    Encoding,
    Num,
    Step,
    T,
    UnrolledRun,
    Z3Arith,
    ZConfig,
    ZVars,
    config_domain,
    extend,
    fresh_config,
    fresh_vars,
    hold_value,
    in_state,
    indicator_name,
    initial_state,
    start_path,
    transition_relation,
    vars_equal,
)
from .replay import (
    _describe_step,
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
from .search import (
    DEFAULT_BUDGET,
    Budget,
    ConfigPredicate,
    QueryOutcome,
    StepPredicate,
    _step_verdict,
    _unknown,
    _violation,
    bmc,
    one_step,
)

__all__ = [
    "COUNTER_EXCEPTIONS",
    "FSM_PROPERTIES",
    "OPEN_EVENTS",
    "RESPONSIVE_EVENTS",
    "TIMER_OF_EVENT",
    "Z3",
    "Bool",
    "Budget",
    "ConfigPredicate",
    "CounterException",
    "Encoding",
    "Num",
    "PropertySpec",
    "QueryOutcome",
    "Step",
    "StepPredicate",
    "T",
    "UnrolledRun",
    "Z3Arith",
    "ZConfig",
    "ZVars",
    "_describe_step",
    "attribute_events",
    "bmc",
    "check_all",
    "check_damping_backoff_grows_to_cap",
    "check_error_exit_increments_counter",
    "check_established_exit_releases_and_deletes_routes",
    "check_established_only_from_openconfirm_keepalive",
    "check_established_reachable",
    "check_hold_timer_running",
    "config_domain",
    "damping_from_a_quarter",
    "describe_config",
    "describe_path",
    "describe_vars",
    "extend",
    "fresh_config",
    "fresh_vars",
    "hold_invariant",
    "hold_value",
    "idle_hold_invariant",
    "in_state",
    "indicator_name",
    "initial_state",
    "one_step",
    "read_config",
    "read_vars",
    "replay",
    "replay_step",
    "responsive_peer",
    "start_path",
    "transition_relation",
    "truth",
    "value",
    "vars_diff",
    "vars_equal",
]


def check_established_only_from_openconfirm_keepalive(
        table: Sequence[fsm.Transition] = fsm.TABLE, budget: Budget = DEFAULT_BUDGET) -> Verdict:
    """Established is entered only from OpenConfirm on KeepAliveMsg (Event 26).

    RFC 4271 §8.2.2, OpenConfirm: "If the local system receives a KEEPALIVE message
    (KeepAliveMsg (Event 26)), the local system: restarts the HoldTimer and changes its
    state to Established"; no other row of §8.2.2 enters Established. Checked over every
    transition from every state (a one-step query: no reachability argument needed).
    """
    name = "established_only_from_openconfirm_keepalive"
    est, oc = fsm.STATE_CODE[State.Established], fsm.STATE_CODE[State.OpenConfirm]

    def bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(st.pre.state != est, st.post.state == est,
                      z3.Not(z3.And(st.pre.state == oc, st.event == int(Event.KeepAliveMsg))))

    return _step_verdict(name, Encoding(table), budget, bad,
                         f"no transition of the {len(table)}-row table enters Established "
                         "except OpenConfirm + KeepAliveMsg (26), from any state and any "
                         "configuration in the domain", "Established entered otherwise")


def hold_invariant(cfg: ZConfig, v: ZVars) -> Bool:
    """The inductive invariant of :func:`check_hold_timer_running`."""
    return z3.And(
        z3.Implies(z3.And(in_state(v, State.OpenSent), cfg.large_hold > 0),
                   v.running[Timer.HoldTimer]),
        z3.Implies(z3.And(in_state(v, State.OpenConfirm, State.Established),
                          v.negotiated_hold != 0), v.running[Timer.HoldTimer]))


def check_hold_timer_running(table: Sequence[fsm.Transition] = fsm.TABLE,
                             budget: Budget = DEFAULT_BUDGET) -> Verdict:
    """A hold timer always runs when it should, and its expiry always ends the session.

    (1) Inductive invariant: in OpenSent with a large hold > 0 (§8.2.2 OpenSent: "sets
    the HoldTimer to a large value"), and in OpenConfirm / Established with a negotiated
    hold != 0 (§8.2.2 OpenSent Event 19 and Established Events 26/27: "sets/restarts the
    HoldTimer ... unless the negotiated HoldTime value is zero"; §4.2), the HoldTimer runs.
    It holds in the initial state and every transition preserves it; no strengthening is
    needed (if one step broke it only from an unreachable state, the verdict would be
    UNKNOWN with that step, not HOLDS). (2) Every HoldTimer_Expires (Event 10) in
    OpenSent, OpenConfirm or Established leads to Idle with NOTIFICATION 4 (Hold Timer
    Expired) sent (RFC 4271 §6.5, §8.2.2 Event 10 in those states).
    """
    name = "hold_timer_running"
    enc = Encoding(table)
    method = "induction (1-step, all states)"
    s = budget.solver()
    cfg, v0 = fresh_config("cfg"), fresh_vars("v0")
    s.add(config_domain(cfg), initial_state(cfg, v0), z3.Not(hold_invariant(cfg, v0)))
    r = s.check()
    if r == z3.sat:
        return Verdict(name, "VIOLATED", method, "the initial state breaks the invariant",
                       ("(initial state)",))
    if r != z3.unsat:
        return Verdict(name, "UNKNOWN", method, _unknown(s, "initial state").detail)

    def breaks(cfg: ZConfig, st: Step) -> Bool:
        return z3.Not(hold_invariant(cfg, st.post))

    cti = one_step(enc, budget, breaks, assume=hold_invariant)
    if cti.result == "unknown":
        return Verdict(name, "UNKNOWN", method, cti.detail)
    if cti.result == "sat":
        reach = bmc(enc, budget, breaks)
        if reach.result == "sat":
            return Verdict(name, "VIOLATED", f"bounded model checking, shortest run from "
                           f"Idle (k = {reach.k})", "a session in OpenSent/OpenConfirm/"
                           f"Established with a non-zero hold has no HoldTimer running: "
                           f"{reach.detail}", reach.trace)
        why = ("not reached from Idle within k <= "
               f"{budget.k_max}" if reach.result == "unsat" else reach.detail)
        return Verdict(name, "UNKNOWN", method, "the invariant is not inductive (it needs "
                       f"strengthening; {why}); step that breaks it: {cti.detail}", cti.trace)

    def expiry_bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(in_state(st.pre, State.OpenSent, State.OpenConfirm, State.Established),
                      st.event == int(Event.HoldTimer_Expires),
                      z3.Not(z3.And(in_state(st.post, State.Idle),
                                    st.did("sent_notification_4"))))

    exp = one_step(enc, budget, expiry_bad)
    if exp.result == "unknown":
        return Verdict(name, "UNKNOWN", method, exp.detail)
    if exp.result == "sat":
        return _violation(name, method, enc, budget, expiry_bad, exp,
                          "a HoldTimer_Expires does not lead to Idle with NOTIFICATION 4")
    return Verdict(name, "HOLDS", method + " (inductive invariant; expiry checked per step)",
                   "invariant: (OpenSent and large_hold > 0) or (OpenConfirm/Established and "
                   "negotiated_hold != 0) implies HoldTimer running; true initially, kept by "
                   "every transition (not strengthened: it is inductive as stated); every "
                   "HoldTimer_Expires in OpenSent/OpenConfirm/Established goes to Idle and "
                   "sends NOTIFICATION 4")


def check_established_exit_releases_and_deletes_routes(
        table: Sequence[fsm.Transition] = fsm.TABLE, budget: Budget = DEFAULT_BUDGET) -> Verdict:
    """Every transition out of Established releases the session and deletes its routes.

    RFC 4271 §8.2.2, Established: each exit "releases all BGP resources" and (Events 2, 8,
    18, 19, 23-25, 28 and "any other event") "deletes all routes associated with this
    connection"; for HoldTimer_Expires (Event 10) and SendHoldTimer_Expires (RFC 9687 Event
    29) the table adds the deletion as implementations do (fsm.py, ``deviation``).
    Graceful restart (RFC 4724, RFC 8538) is not in the FSM: the zone dynamics apply it
    later by keeping the deleted routes as stale, so the FSM always deletes.
    """
    name = "established_exit_releases_and_deletes_routes"
    est = fsm.STATE_CODE[State.Established]

    def bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(st.pre.state == est, st.post.state != est,
                      z3.Not(z3.And(st.did("released"), st.did("deleted_routes"),
                                    st.post.routes_deleted)))

    return _step_verdict(name, Encoding(table), budget, bad,
                         "every transition from Established to another state releases "
                         "resources and deletes routes (graceful restart, RFC 4724/8538, is "
                         "applied later by the zone dynamics, which may keep them stale)",
                         "an exit from Established keeps resources or routes")


@dataclass(frozen=True)
class CounterException:
    """An exit to Idle that RFC 4271 §8.2.2 lists WITHOUT "increments the
    ConnectRetryCounter by 1". ``delay_open_timer``: the DelayOpenTimer must be running
    (True), not running (False) or either (None). ``effect``: what happens to the
    counter instead (``zero``: set to 0; ``unchanged``)."""

    states: tuple[State, ...]
    event: Event
    delay_open_timer: bool | None
    effect: Literal["zero", "unchanged"]
    cite: str

    def applies(self, st: Step) -> Bool:
        """This exception covers the step."""
        cond = [in_state(st.pre, *self.states), st.event == int(self.event)]
        if self.delay_open_timer is not None:
            running = st.pre.running[Timer.DelayOpenTimer]
            cond.append(running if self.delay_open_timer else z3.Not(running))
        return z3.And(*cond)

    def counter_after(self, st: Step) -> Num:
        """ConnectRetryCounter after the step, as the RFC says."""
        return z3.RealVal(0) if self.effect == "zero" else st.pre.counter

    def describe(self) -> str:
        """One line: event, states, timer condition, counter effect."""
        timer = ("" if self.delay_open_timer is None else " with DelayOpenTimer "
                 + ("running" if self.delay_open_timer else "not running"))
        effect = "0" if self.effect == "zero" else "unchanged"
        return (f"{self.event.name} in {'/'.join(s.value for s in self.states)}{timer} -> "
                f"counter {effect}")


_NOT_IDLE = (State.Connect, State.Active, State.OpenSent, State.OpenConfirm,
             State.Established)

#: The RFC's exits to Idle that do not increment ConnectRetryCounter (data, with citations).
COUNTER_EXCEPTIONS: tuple[CounterException, ...] = (
    CounterException(_NOT_IDLE, Event.ManualStop, None, "zero",
                     "RFC 4271 §8.2.2 Connect, Active, OpenSent, OpenConfirm, Established: "
                     "ManualStop (Event 2) 'sets the ConnectRetryCounter to zero'"),
    CounterException((State.Connect, State.Active), Event.NotifMsgVerErr, True, "unchanged",
                     "RFC 4271 §8.2.2 Connect and Active: NotifMsgVerErr (Event 24) 'If the "
                     "DelayOpenTimer is running ... releases all BGP resources, drops the TCP "
                     "connection, and changes its state to Idle' (no increment)"),
    CounterException((State.OpenSent, State.OpenConfirm), Event.NotifMsgVerErr, None,
                     "unchanged",
                     "RFC 4271 §8.2.2 OpenSent and OpenConfirm: 'If ... a NOTIFICATION message "
                     "with a version error (Event 24) ... sets the ConnectRetryTimer to zero, "
                     "releases all BGP resources, drops the TCP connection, and changes its "
                     "state to Idle' (no increment)"),
    CounterException((State.Connect,), Event.TcpConnectionFails, False, "unchanged",
                     "RFC 4271 §8.2.2 Connect: TcpConnectionFails (Event 18) 'If the "
                     "DelayOpenTimer is not running ... stops the ConnectRetryTimer to zero, "
                     "drops the TCP connection, releases all BGP resources, and changes its "
                     "state to Idle' (no increment)"),
)


def _rfc_idle_deviations(table: Sequence[fsm.Transition]) -> tuple[int, ...]:
    """Indices of the rows whose RFC next state is Idle but the model's is not (a
    documented deviation, e.g. FRR's Connect + TcpConnectionFails -> Active)."""
    return tuple(i for i, r in enumerate(table)
                 if r.rfc_next is State.Idle and r.next_state is not State.Idle)


def check_error_exit_increments_counter(
        table: Sequence[fsm.Transition] = fsm.TABLE, budget: Budget = DEFAULT_BUDGET,
        exceptions: Sequence[CounterException] = COUNTER_EXCEPTIONS) -> Verdict:
    """Every exit from a non-Idle state to Idle increments ConnectRetryCounter by exactly
    1, except the RFC's named exceptions (:data:`COUNTER_EXCEPTIONS`, each cited).

    RFC 4271 §8.2.2: every error exit lists "increments the ConnectRetryCounter by 1".
    The exception list is checked to be exact, so that it cannot rot: for each exception
    and each state it names, every such step leaves the counter as the RFC says (0 or
    unchanged) and goes to Idle, or to the state of a row that documents the RFC's Idle as
    a deviation (``rfc_next_state``; the model's Connect + TcpConnectionFails goes to
    Active as FRR does, still without incrementing).
    """
    name = "error_exit_increments_counter"
    enc = Encoding(table)
    method = "induction (1-step, all states)"
    deviating = _rfc_idle_deviations(enc.table)

    def bad(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(z3.Not(in_state(st.pre, State.Idle)), in_state(st.post, State.Idle),
                      *[z3.Not(e.applies(st)) for e in exceptions],
                      st.post.counter != st.pre.counter + 1)

    main = _step_verdict(name, enc, budget, bad, "", "an exit to Idle outside the RFC's "
                         "exceptions does not increment ConnectRetryCounter by exactly 1")
    if main.status != "HOLDS":
        return main
    notes: list[str] = []
    for exc in exceptions:
        for state in exc.states:
            one = replace(exc, states=(state,))

            def stale(cfg: ZConfig, st: Step, one: CounterException = one) -> Bool:
                idle_or_documented = z3.Or(in_state(st.post, State.Idle),
                                           *[st.fired[i] for i in deviating])
                return z3.And(one.applies(st), z3.Not(z3.And(
                    st.post.counter == one.counter_after(st), idle_or_documented)))

            v = _step_verdict(name, enc, budget, stale, "",
                              f"the exception list is stale: ({state.value}, "
                              f"{exc.event.name}) does not go to Idle with counter "
                              f"{'0' if exc.effect == 'zero' else 'unchanged'} ({exc.cite})")
            if v.status != "HOLDS":
                return v
            rows = [enc.table[i] for i in deviating
                    if enc.table[i].state is state and enc.table[i].event is exc.event]
            notes += [f"({r.state.value}, {r.event.name}, {r.guard.value}) goes to "
                      f"{r.next_state.value} instead (deviation: {r.deviation})" for r in rows]
    listed = "; ".join(e.describe() for e in exceptions)
    return Verdict(name, "HOLDS", method,
                   "every exit from a non-Idle state to Idle increments ConnectRetryCounter "
                   f"by exactly 1, except (each checked to be exact): {listed}"
                   + (f". Note: {'; '.join(notes)}" if notes else ""))


#: Events a working peer and TCP produce (property e): automatic starts, TCP success,
#: a valid OPEN, KEEPALIVE, and timer expiries.
RESPONSIVE_EVENTS: tuple[Event, ...] = (
    Event.AutomaticStart, Event.AutomaticStart_with_PassiveTcpEstablishment,
    Event.AutomaticStart_with_DampPeerOscillations,
    Event.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment,
    Event.TcpConnection_Valid, Event.Tcp_CR_Acked, Event.TcpConnectionConfirmed,
    Event.BGPOpen, Event.BGPOpen_with_DelayOpenTimer_running, Event.KeepAliveMsg,
    *fsm.TIMER_EVENT.values())


def attribute_events(cfg: ZConfig, st: Step) -> Bool:
    """The local system raises automatic starts only with AllowAutomaticStart, the damped
    ones (6, 7) only with DampPeerOscillations too, and AutomaticStop (8) only with
    AllowAutomaticStop (RFC 4271 §8.1.1, §8.1.2). Used by the witness searches; the
    safety properties quantify over every event."""
    damped = (Event.AutomaticStart_with_DampPeerOscillations,
              Event.AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment)
    auto = (Event.AutomaticStart, Event.AutomaticStart_with_PassiveTcpEstablishment, *damped)
    return z3.And(z3.Implies(st.is_event(*auto), cfg.allow_automatic_start),
                  z3.Implies(st.is_event(*damped), cfg.damp_peer_oscillations),
                  z3.Implies(st.is_event(Event.AutomaticStop), cfg.allow_automatic_stop))


def responsive_peer(cfg: ZConfig, st: Step) -> Bool:
    """Only :data:`RESPONSIVE_EVENTS`, no connection collision, and
    :func:`attribute_events`."""
    return z3.And(st.is_event(*RESPONSIVE_EVENTS), z3.Not(st.collision),
                  attribute_events(cfg, st))


def check_established_reachable(table: Sequence[fsm.Transition] = fsm.TABLE,
                                budget: Budget = DEFAULT_BUDGET) -> Verdict:
    """``sometimes``: with AllowAutomaticStart and a responsive peer, Established is
    reachable from Idle; the witness is the SHORTEST event sequence.

    RFC 4271 §8.2.2: Idle -AutomaticStart (3)-> Connect -Tcp_CR_Acked (16) /
    TcpConnectionConfirmed (17)-> OpenSent -BGPOpen (19)-> OpenConfirm -KeepAliveMsg (26)->
    Established (or the passive / DelayOpen variants). Bounded model checking with
    increasing k finds the shortest run. If none exists within the bound and a one-step
    query shows no responsive-peer transition can enter Established at all, the property
    is VIOLATED for every k; otherwise UNKNOWN.
    """
    name = "established_reachable"
    enc = Encoding(table)
    est = fsm.STATE_CODE[State.Established]

    def goal(cfg: ZConfig, st: Step) -> Bool:
        return st.post.state == est

    def automatic(cfg: ZConfig, v0: ZVars) -> Bool:
        return cfg.allow_automatic_start

    method = f"bounded model checking, shortest witness, k <= {budget.k_max} events"
    out = bmc(enc, budget, goal, step_filter=responsive_peer, cfg_extra=automatic)
    if out.result == "sat":
        return Verdict(name, "HOLDS", f"bounded model checking, shortest witness (k = "
                       f"{out.k}, none shorter)", out.detail, out.trace, kind="sometimes")
    if out.result == "unknown":
        return Verdict(name, "UNKNOWN", method, out.detail, kind="sometimes")

    def enters(cfg: ZConfig, st: Step) -> Bool:
        return z3.And(st.pre.state != est, goal(cfg, st), responsive_peer(cfg, st),
                      cfg.allow_automatic_start)

    proof = one_step(enc, budget, enters)
    if proof.result == "unsat":
        return Verdict(name, "VIOLATED", "induction (1-step, all states)",
                       "no transition on a responsive peer's events enters Established from "
                       "any state, so no run reaches it", kind="sometimes")
    return Verdict(name, "UNKNOWN", method,
                   f"no witness within k <= {budget.k_max} events, and Established is not "
                   "proved unreachable" + (f" ({proof.detail})" if proof.detail else ""),
                   kind="sometimes")


def idle_hold_invariant(cfg: ZConfig, v: ZVars) -> Bool:
    """0 < IdleHoldTime <= its cap (the invariant of :func:`check_damping_backoff`)."""
    return z3.And(v.idle_hold_time > 0, v.idle_hold_time <= cfg.idle_hold_max)


def damping_from_a_quarter(cfg: ZConfig, v0: ZVars) -> Bool:
    """Where the damping witness starts: DampPeerOscillations on, and an initial
    IdleHoldTime at most a quarter of the cap, so that reaching the cap takes at least
    two damped failures (a doubling below the cap, then one to it)."""
    return z3.And(cfg.damp_peer_oscillations, cfg.idle_hold_max >= 4 * v0.idle_hold_time)


def check_damping_backoff_grows_to_cap(table: Sequence[fsm.Transition] = fsm.TABLE,
                                       budget: Budget = DEFAULT_BUDGET) -> Verdict:
    """With DampPeerOscillations, each damped failure sets IdleHoldTime to
    min(2 x previous, cap) and starts the IdleHoldTimer with the previous value; nothing
    else changes it; so it grows monotonically and never exceeds the cap (inductive
    invariant 0 < IdleHoldTime <= cap). A bounded run of repeated failures reaches the
    cap (the shortest witness, from an initial IdleHoldTime at most a quarter of the cap,
    so at least two doublings).

    RFC 4271 §8.1.1 (DampPeerOscillations, IdleHoldTimer; "the IdleHoldTimer ... is used
    to keep the BGP peer in Idle for a particular duration") and §8.2.2 "(optionally)
    performs peer oscillation damping"; the doubling and its cap are implementation
    choices (FRR start timer 1 s doubling to 120 s, OpenBGPD IdleHold 30 s doubling to
    3600 s; docs/implementations.md).
    """
    name = "damping_backoff_grows_to_cap"
    enc = Encoding(table)
    method = "induction (1-step, all states) + bounded model checking witness"

    def damping(cfg: ZConfig, v: ZVars) -> Bool:
        return z3.And(cfg.damp_peer_oscillations, idle_hold_invariant(cfg, v))

    def breaks(cfg: ZConfig, st: Step) -> Bool:
        pre, post = st.pre, st.post
        damped = st.did("damp")
        doubled = Z3.min(pre.idle_hold_time * 2, cfg.idle_hold_max)
        timer = z3.And(post.running[Timer.IdleHoldTimer],
                       post.deadline[Timer.IdleHoldTimer] == st.now + pre.idle_hold_time)
        good = z3.And(
            idle_hold_invariant(cfg, post), post.idle_hold_time >= pre.idle_hold_time,
            z3.If(damped, z3.And(post.idle_hold_time == doubled, timer),
                  post.idle_hold_time == pre.idle_hold_time))
        return z3.And(cfg.damp_peer_oscillations, z3.Not(good))

    cti = one_step(enc, budget, breaks, assume=damping)
    if cti.result == "unknown":
        return Verdict(name, "UNKNOWN", method, cti.detail)
    if cti.result == "sat":
        reach = bmc(enc, budget, breaks, cfg_extra=damping)
        if reach.result == "sat":
            return Verdict(name, "VIOLATED", f"bounded model checking, shortest run from "
                           f"Idle (k = {reach.k})", "a step does not set IdleHoldTime to "
                           f"min(2 x previous, cap) (or changes it otherwise): {reach.detail}",
                           reach.trace)
        why = (f"not reached from Idle within k <= {budget.k_max}"
               if reach.result == "unsat" else reach.detail)
        return Verdict(name, "UNKNOWN", method, "the backoff invariant is not inductive "
                       f"({why}): {cti.detail}", cti.trace)

    def at_cap(cfg: ZConfig, st: Step) -> Bool:
        return st.post.idle_hold_time == cfg.idle_hold_max

    wit = bmc(enc, budget, at_cap, step_filter=attribute_events,
              cfg_extra=damping_from_a_quarter)
    if wit.result == "sat":
        return Verdict(name, "HOLDS",
                       "induction (1-step, all states: IdleHoldTime' = min(2 x IdleHoldTime, "
                       "cap) on each damped failure, else unchanged; 0 < IdleHoldTime <= cap) "
                       f"+ bounded model checking, shortest witness to the cap (k = {wit.k})",
                       f"witness (initial IdleHoldTime <= cap / 4): {wit.detail}", wit.trace,
                       kind="sometimes")
    if wit.result == "unknown":
        return Verdict(name, "UNKNOWN", method, wit.detail, kind="sometimes")
    return Verdict(name, "UNKNOWN", method, "the backoff rule holds, but no run reaches the "
                   f"cap within k <= {budget.k_max} events", kind="sometimes")


@dataclass(frozen=True)
class PropertySpec:
    """A named property: what it says, its kind, and the check that decides it."""

    name: str
    kind: Literal["always", "sometimes"]
    check: Callable[[Sequence[fsm.Transition], Budget], Verdict]

    @property
    def doc(self) -> str:
        """The check's docstring: what the property models and its RFC source."""
        return (self.check.__doc__ or "").strip()


FSM_PROPERTIES: tuple[PropertySpec, ...] = (
    PropertySpec("established_only_from_openconfirm_keepalive", "always",
                 check_established_only_from_openconfirm_keepalive),
    PropertySpec("hold_timer_running", "always", check_hold_timer_running),
    PropertySpec("established_exit_releases_and_deletes_routes", "always",
                 check_established_exit_releases_and_deletes_routes),
    PropertySpec("error_exit_increments_counter", "always",
                 check_error_exit_increments_counter),
    PropertySpec("established_reachable", "sometimes", check_established_reachable),
    PropertySpec("damping_backoff_grows_to_cap", "sometimes",
                 check_damping_backoff_grows_to_cap),
)


def check_all(timeout_s: float = 30.0, *, table: Sequence[fsm.Transition] = fsm.TABLE,
              rlimit: int | None = None, k_max: int = 8,
              only: Iterable[str] | None = None) -> list[Verdict]:
    """Check every property (or those named in ``only``) of ``table``; each verdict
    carries its measured time in ``seconds``. ``timeout_s`` and ``rlimit`` bound each
    solver query; ``k_max`` bounds the runs of bounded model checking."""
    budget = Budget(timeout_s=timeout_s, rlimit=rlimit, k_max=k_max)
    wanted = None if only is None else set(only)
    if wanted is not None and (unknown := wanted - {p.name for p in FSM_PROPERTIES}):
        raise ValueError(f"unknown properties {sorted(unknown)}; one of "
                         f"{[p.name for p in FSM_PROPERTIES]}")
    out: list[Verdict] = []
    for spec in FSM_PROPERTIES:
        if wanted is not None and spec.name not in wanted:
            continue
        t0 = time.perf_counter()
        try:
            verdict = spec.check(table, budget)
        except z3.Z3Exception as exc:  # a resource limit can surface as an exception
            verdict = Verdict(spec.name, "UNKNOWN", "z3", f"solver error: {exc}",
                              kind=spec.kind)
        out.append(replace(verdict, kind=spec.kind,
                           seconds=round(time.perf_counter() - t0, 3)))
    return out

