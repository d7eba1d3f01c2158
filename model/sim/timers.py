"""Session timers: queuing each end's running timers, the numbers they run with, the
jitter of RFC 4271 §10, and what every write restarts (RFC 9687 §4, RFC 4271 §8.2.2).

:class:`Timers` is the layer of the simulator between the RIBs and the sessions
(:mod:`.sessions` runs the FSM on top of it). A plain run keeps, per session end, the
numbers its timers run with at its negotiated hold, and queues only the timers a step
changed (lazy timers, :meth:`SimState._arm <.state.SimState._arm>`); the eager queue
and the symbolic run work everything out at each step (docs/model.md, "Engine").
"""

from __future__ import annotations

from dataclasses import replace

from ..fsm import (
    PY,
    PyVars,
    keepalive_interval,
    negotiated_values,
    send_hold_time,
    state_of,
    vars_of,
)
from ..fsm_vocab import State, Timer
from ..profiles import JitterTimer
from .events import Priority, TimerFired
from .ribs import Ribs
from .state import Edge, F

#: The FSM's timers, in declaration order (iterating the enum itself is slower).
_TIMERS = tuple(Timer)
#: The timers an implementation may jitter, with their name in a profile (RFC 4271 §10).
_JITTERED: tuple[tuple[Timer, JitterTimer], ...] = (
    (Timer.ConnectRetryTimer, "connect_retry"), (Timer.KeepaliveTimer, "keepalive"),
    (Timer.HoldTimer, "hold"), (Timer.IdleHoldTimer, "idle_hold"))
_KA, _SH = Timer.KeepaliveTimer, Timer.SendHoldTimer


class Timers(Ribs):
    """Each session end's timers: queued, jittered, restarted by what it sends."""

    def _schedule_timers(self, e: Edge, end: str) -> None:
        """Queue every running timer of ``end`` at its deadline (RFC 4271 §8.2.2 timers).

        A deadline already past happens only while a pause is ending: the woken process
        handles its overdue timers now (:meth:`_wake` queued them first), so the event is
        queued at ``now``, never in the past, and the simulated clock never runs backwards.
        """
        v = e.fsm[end]
        running, deadlines = v.running, v.deadline
        if self._lazy:
            for timer in _TIMERS:
                if running[timer]:
                    self._arm(e.index, end, timer, deadlines[timer])
            return
        for timer in _TIMERS:
            if running[timer]:
                at = deadline = deadlines[timer]
                if self._paused and at < self.now:
                    at = self.now
                self._push(at, Priority.TIMER, TimerFired(e.index, end, timer, deadline))


    def _values(self, e: Edge, key: str, hold: F) -> tuple[dict[Timer, F], F, F]:
        """The numbers a session end's timers run with at negotiated ``hold``: what
        ``start T=negotiated`` starts each with (:func:`~bgpcascade.model.fsm.
        negotiated_values`), its SendHoldTime and its KeepaliveTime (RFC 9687 §4, RFC
        4271 §10). Kept per end until the hold changes (plain runs: a symbolic run works
        them out at each use, so that it records what they compare)."""
        cached = self._timer_values.get((e.index, key))
        if cached is not None and (cached[0] is hold or cached[0] == hold):
            return cached[1]
        cfg = e.cfg[key]
        exact = self._exact
        out = ({t: exact(x) for t, x in negotiated_values(cfg, hold).items()},
               exact(send_hold_time(PY, cfg, hold)), exact(keepalive_interval(PY, cfg, hold)))
        self._timer_values[(e.index, key)] = (hold, out)
        return out


    def _rearm(self, e: Edge, key: str, timers: tuple[Timer, ...]) -> None:
        """``key``'s FSM variables changed only in ``timers`` (in ``Timer`` order):
        queue them (lazy timers arm just those; the eager queue, every running timer,
        :meth:`_schedule_timers`)."""
        if not self._lazy:
            self._schedule_timers(e, key)
            return
        v = e.fsm[key]
        running, deadline = v.running, v.deadline
        for timer in timers:
            if running[timer]:
                self._arm(e.index, key, timer, deadline[timer])


    def _jittered(self, e: Edge, key: str, old: PyVars, v: PyVars,
                  only: Timer | None = None) -> PyVars:
        """RFC 4271 §10 jitter: every timer ``key``'s implementation jitters
        (:meth:`Profile.jitter_range <bgpcascade.model.profiles.Profile.jitter_range>`)
        that this step set (a new deadline object) runs for its value times a factor
        drawn anew for this setting (:meth:`Timing.jitter
        <bgpcascade.model.timing.Timing.jitter>`). ``only``: look at that timer alone."""
        spans = self._spans.get(key)
        if spans is None:
            profile = self.nodes[key].profile
            spans = self._spans[key] = tuple(
                (timer, name, span) for timer, name in _JITTERED
                if (span := profile.jitter_range(name)) is not None)
        changed: dict[Timer, F] | None = None
        for timer, name, span in spans:
            if only is not None and timer is not only:
                continue
            due = v.deadline[timer]
            if not v.running[timer] or due is old.deadline[timer]:
                continue
            n = self._draws[(e.index, key, timer)] = self._draws.get((e.index, key, timer),
                                                                    0) + 1
            factor = self.timing.jitter(self.draw_name(e), self.view.nodes[key].label, name,
                                        n, *span)
            if factor != 1:
                changed = dict(v.deadline) if changed is None else changed
                changed[timer] = self.now + (due - self.now) * factor
        if changed is None:
            return v
        return vars_of(v.state, v.counter, v.idle_hold_time, v.negotiated_hold, v.running,
                       changed, v.routes_deleted)


    def _note_sent(self, e: Edge, key: str) -> None:
        """Every write to the socket restarts the SendHoldTimer (RFC 9687 §4) and the
        KeepaliveTimer (§8.2.2); a message waiting for room restarts neither
        (:mod:`.transport`)."""
        v = e.fsm[key]
        if not self._float_keys:
            self._note_sent_symbolic(e, key, v)
            return
        running = v.running
        sh = running[_SH]
        ka = running[_KA] and e.states[key] is State.Established
        if not sh and not ka:
            return
        _, send_hold, keepalive = self._values(e, key, v.negotiated_hold)
        old = v.deadline
        deadline = dict(old)
        changed = False
        if sh:
            due = deadline[_SH] = self.now + send_hold
            changed = due != old[_SH]
        if ka:
            due = deadline[_KA] = self.now + keepalive
            changed = changed or due != old[_KA]
        if not changed:
            return
        new = vars_of(v.state, v.counter, v.idle_hold_time, v.negotiated_hold, running,
                      deadline, v.routes_deleted)
        if self.timing.spread:  # §10: the KeepaliveTimer set again is jittered again
            new = self._jittered(e, key, v, new, only=_KA)
        dict.__setitem__(e.fsm, key, new)  # the state is kept
        self._rearm(e, key, (_KA, _SH))


    def _note_sent_symbolic(self, e: Edge, key: str, v: PyVars) -> None:
        """:meth:`_note_sent` on symbolic numbers: the times worked out at each send."""
        deadline = dict(v.deadline)
        if v.running[Timer.SendHoldTimer]:
            deadline[Timer.SendHoldTimer] = self.now + send_hold_time(
                PY, e.cfg[key], v.negotiated_hold)
        if v.running[Timer.KeepaliveTimer] and state_of(v) is State.Established:
            deadline[Timer.KeepaliveTimer] = self.now + keepalive_interval(
                PY, e.cfg[key], v.negotiated_hold)
        if deadline != v.deadline:
            new = replace(v, deadline=deadline)
            if self.timing.spread:  # §10: the KeepaliveTimer set again is jittered again
                new = self._jittered(e, key, v, new, only=Timer.KeepaliveTimer)
            e.fsm[key] = new
            self._schedule_timers(e, key)
