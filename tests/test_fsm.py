"""The FSM table: every pair defined, RFC 4271 §8.2.2 conformance, deviations, CLI."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from rfc4271_fsm_transcription import TRANSCRIPTION

from bgpcascade.cli import main
from bgpcascade.model import fsm
from bgpcascade.model.fsm_vocab import (
    DELETE_ROUTES,
    MANDATORY_EVENTS,
    Event,
    Guard,
    State,
    Timer,
    notify,
)


def test_every_state_event_pair_is_defined() -> None:
    assert fsm.check_defined() == []
    pairs = {(t.state, t.event) for t in fsm.TABLE}
    assert len(pairs) == len(State) * len(Event) == 6 * 29


def test_check_defined_reports_a_gap_and_a_bad_guard() -> None:
    table = tuple(t for t in fsm.TABLE if (t.state, t.event) != (State.OpenSent, Event(10)))
    assert fsm.check_defined(table) == ["(OpenSent, HoldTimer_Expires) is not defined"]
    half = tuple(t for t in fsm.TABLE if not (t.state is State.Connect and
                                              t.guard is Guard.delay_open))
    assert any("Tcp_CR_Acked" in p for p in fsm.check_defined(half))


def test_table_matches_independent_transcription_row_for_row() -> None:
    """tests/rfc4271_fsm_transcription.py was written from the RFC text, not the table."""
    table = {(t.state, t.event, t.guard): t for t in fsm.TABLE}
    mandatory = {k for k, t in table.items() if t.event in MANDATORY_EVENTS}
    assert {(r.state, r.event, r.guard) for r in TRANSCRIPTION} == mandatory
    for r in TRANSCRIPTION:
        t = table[(r.state, r.event, r.guard)]
        assert t.rfc_next is r.next_state, (r.cite, t.rfc_next)
        assert frozenset(t.rfc_actions) == r.actions, r.cite


def test_every_deviation_names_its_source_and_changes_something() -> None:
    deviating = [t for t in fsm.TABLE if t.deviation]
    assert deviating
    for t in deviating:
        assert t.added or t.removed or t.rfc_next_state is not None, t
    for t in fsm.TABLE:
        if t.added or t.removed or t.rfc_next_state is not None:
            assert t.deviation, t


def test_established_hold_expiry_deletes_routes_as_implementations_do() -> None:
    (row,) = fsm.rows_for(State.Established, Event.HoldTimer_Expires)
    assert DELETE_ROUTES not in row.rfc_actions  # RFC 4271 §8.2.2 does not list it ...
    assert DELETE_ROUTES in row.actions  # ... every implementation does it
    assert notify(4) in row.actions and row.next_state is State.Idle


def test_every_exit_from_established_deletes_routes() -> None:
    for t in fsm.TABLE:
        if t.state is State.Established and t.next_state is not State.Established:
            assert DELETE_ROUTES in t.actions, t


def test_connect_tcp_failure_follows_frr_not_rfc() -> None:
    (row,) = [r for r in fsm.rows_for(State.Connect, Event.TcpConnectionFails)
              if r.guard is Guard.delay_open_timer_stopped]
    assert row.rfc_next is State.Idle and row.next_state is State.Active
    assert "bgp_fsm.c" in (row.deviation or "")


def test_json_table_contract() -> None:
    rows = fsm.table_json()
    assert len(rows) == len(fsm.TABLE)
    for r in rows:
        assert {"state", "event", "event_number", "next_state", "actions"} <= set(r)
        assert isinstance(r["actions"], list) and all(isinstance(a, str) for a in r["actions"])
        assert Event[r["event"]] == r["event_number"]
    hold = next(r for r in rows if r["state"] == "Established" and
                r["event"] == "HoldTimer_Expires")
    assert "send NOTIFICATION 4 (Hold Timer Expired)" in hold["actions"]


def test_cli_table_json_and_dot(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fsm", "--table", "--format", "json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == len(fsm.TABLE)
    assert main(["fsm", "--table"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == len(fsm.TABLE) + 2 and "| Established | 10 HoldTimer_Expires" in out
    assert main(["fsm", "--dot"]) == 0
    dot = capsys.readouterr().out
    assert dot.startswith("digraph") and '"OpenConfirm" -> Established' in dot.replace(
        "OpenConfirm -> Established", '"OpenConfirm" -> Established')


def test_cli_fsm_needs_one_mode() -> None:
    proc = subprocess.run([sys.executable, "-m", "bgpcascade", "fsm"], capture_output=True,
                          text=True)
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1


CFG = fsm.Config(hold_time=Fraction(90), keepalive_time=Fraction(30),
                 connect_retry_time=Fraction(120), large_hold=Fraction(240), delay_open=False,
                 delay_open_time=Fraction(0), damp_peer_oscillations=True,
                 idle_hold_max=Fraction(120), send_hold_factor=Fraction(2),
                 send_hold_min=Fraction(0), allow_automatic_start=True,
                 allow_automatic_stop=False, send_notification_without_open=False)


def establish(cfg: fsm.PyConfig = CFG, hold: int = 9) -> fsm.PyVars:
    v = fsm.initial_vars(1)
    for ev, kw in ((1, {}), (16, {}), (19, {"opened_hold": Fraction(hold)}), (26, {})):
        v, _ = fsm.step(cfg, v, Event(ev), Fraction(0), **kw)  # type: ignore[arg-type]
    return v


def test_interpreter_timer_rules() -> None:
    v = fsm.initial_vars(1)
    v, _ = fsm.step(CFG, v, Event.ManualStart, Fraction(0))
    v, _ = fsm.step(CFG, v, Event.Tcp_CR_Acked, Fraction(1))
    assert v.running[Timer.HoldTimer] and v.deadline[Timer.HoldTimer] == 241  # large value
    v, _ = fsm.step(CFG, v, Event.BGPOpen, Fraction(2), opened_hold=Fraction(9))
    assert v.negotiated_hold == 9
    assert v.deadline[Timer.HoldTimer] == 11
    assert v.deadline[Timer.KeepaliveTimer] == 5  # min(30, 9/3)
    v, _ = fsm.step(CFG, v, Event.KeepAliveMsg, Fraction(3))
    assert fsm.state_of(v) is State.Established
    assert v.deadline[Timer.SendHoldTimer] == 3 + 18  # RFC 9687, FRR: 2 x hold


def test_zero_hold_starts_no_hold_or_keepalive_timer() -> None:
    v = establish(hold=0)
    assert fsm.state_of(v) is State.Established
    assert not v.running[Timer.HoldTimer] and not v.running[Timer.KeepaliveTimer]
    assert not v.running[Timer.SendHoldTimer]


def test_damping_doubles_idle_hold_up_to_cap() -> None:
    v = fsm.initial_vars(1)
    seen = []
    for _ in range(9):
        v, _ = fsm.step(CFG, v, Event.ManualStart, Fraction(0))
        v, _ = fsm.step(CFG, v, Event.Tcp_CR_Acked, Fraction(0))
        v, row = fsm.step(CFG, v, Event.HoldTimer_Expires, Fraction(0))
        assert row.next_state is State.Idle
        seen.append(v.idle_hold_time)
    assert seen == [2, 4, 8, 16, 32, 64, 120, 120, 120]


def test_cli_fsm_check_proves_all_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "verdicts.json"
    assert main(["fsm", "--check", "--timeout", "120", "--json", str(out), "-q"]) == 0
    verdicts = json.loads(out.read_text())
    assert {v["property"] for v in verdicts} >= {
        "established_only_from_openconfirm_keepalive", "hold_timer_running",
        "established_exit_releases_and_deletes_routes", "error_exit_increments_counter",
        "established_reachable", "damping_backoff_grows_to_cap"}
    assert all(v["status"] == "HOLDS" for v in verdicts)
    assert main(["fsm", "--check", "--timeout", "-1"]) == 2


# -- guards and defaults, each pinned by a mutant that survived without it ------------------
# (scripts/mutate.py model/fsm.py; docs/validation.md, "Trust")

@pytest.mark.parametrize("delay_open", [False, True])
@pytest.mark.parametrize("timer_running", [False, True])
@pytest.mark.parametrize("collision", [False, True])
def test_every_guard_means_what_it_says(delay_open: bool, timer_running: bool,
                                        collision: bool) -> None:
    """§8.2.2's checks: the DelayOpen attribute, whether the DelayOpenTimer runs, and
    the §6.8 collision verdict; each guard is true exactly when its check is."""
    from bgpcascade.model.profiles import BUILTIN_PROFILES
    from bgpcascade.model.session import session_config
    from bgpcascade.model.topology import Timers

    cfg = session_config(BUILTIN_PROFILES["frr"],
                         Timers(Fraction(9), Fraction(3), Fraction(1)),
                         delay_open=1 if delay_open else 0)
    v = fsm.initial_vars()
    running = dict(v.running)
    running[Timer.DelayOpenTimer] = timer_running
    v = dataclasses.replace(v, running=running)
    expected = {Guard.always: True, Guard.delay_open: delay_open,
                Guard.no_delay_open: not delay_open,
                Guard.delay_open_timer_running: timer_running,
                Guard.delay_open_timer_stopped: not timer_running,
                Guard.collision: collision, Guard.no_collision: not collision}
    assert set(expected) == set(Guard)
    for guard, want in expected.items():
        assert fsm.guard_holds(fsm.PY, cfg, v, guard, collision) is want, guard


def test_without_a_collision_verdict_an_open_is_no_collision() -> None:
    """select/step default to "no collision" (§6.8 is resolved by the caller): a second
    OPEN keeps OpenConfirm and Established; with the verdict, the connection is dropped
    with NOTIFICATION 6 (Cease)."""
    from bgpcascade.model.profiles import BUILTIN_PROFILES
    from bgpcascade.model.session import session_config
    from bgpcascade.model.topology import Timers

    cfg = session_config(BUILTIN_PROFILES["frr"], Timers(Fraction(9), Fraction(3), Fraction(1)))
    v = fsm.initial_vars()
    v, _ = fsm.step(cfg, v, Event.ManualStart, Fraction(0))
    v, _ = fsm.step(cfg, v, Event.Tcp_CR_Acked, Fraction(0))
    v, _ = fsm.step(cfg, v, Event.BGPOpen, Fraction(0), opened_hold=Fraction(9))
    assert fsm.state_of(v) is State.OpenConfirm
    for state in (State.OpenConfirm, State.Established):
        if state is State.Established:
            v, _ = fsm.step(cfg, v, Event.KeepAliveMsg, Fraction(0))
        assert fsm.select(cfg, v, Event.BGPOpen).guard is Guard.no_collision
        kept, _ = fsm.step(cfg, v, Event.BGPOpen, Fraction(0), opened_hold=Fraction(9))
        assert fsm.state_of(kept) is state
        dropped, row = fsm.step(cfg, v, Event.BGPOpen, Fraction(0), collision=True,
                                opened_hold=Fraction(9))
        assert fsm.state_of(dropped) is State.Idle and notify(6) in row.actions


def test_initial_idle_hold_defaults_to_frrs_one_second_start_timer() -> None:
    v = fsm.initial_vars()
    assert fsm.state_of(v) is State.Idle and v.idle_hold_time == 1 and v.counter == 0
    assert not any(v.running.values()) and v.negotiated_hold == 0 and not v.routes_deleted


def _frr_cfg() -> fsm.PyConfig:
    from bgpcascade.model.profiles import BUILTIN_PROFILES
    from bgpcascade.model.session import session_config
    from bgpcascade.model.topology import Timers

    return session_config(BUILTIN_PROFILES["frr"], Timers(Fraction(9), Fraction(3), Fraction(1)))


def _established(cfg: fsm.PyConfig, hold: int = 9) -> fsm.PyVars:
    v = fsm.initial_vars()
    for ev, opened in ((Event.ManualStart, None), (Event.Tcp_CR_Acked, None),
                       (Event.BGPOpen, Fraction(hold)), (Event.KeepAliveMsg, None)):
        v, _ = fsm.step(cfg, v, ev, Fraction(0), opened_hold=opened)
    assert fsm.state_of(v) is State.Established
    return v


def test_the_session_attributes_each_action_sets() -> None:
    """apply_actions (§8, the table's semantics): an error exit counts one failure and
    deletes routes; release forgets the negotiated hold; ManualStop zeroes the counter."""
    cfg = _frr_cfg()
    v = _established(cfg)
    assert v.negotiated_hold == 9 and not v.routes_deleted and v.counter == 0
    down, row = fsm.step(cfg, v, Event.HoldTimer_Expires, Fraction(5))
    assert DELETE_ROUTES in row.actions and down.routes_deleted
    assert down.counter == 1 and down.negotiated_hold == 0
    again, _ = fsm.step(cfg, _established(cfg), Event.HoldTimer_Expires, Fraction(5))
    again = dataclasses.replace(_established(cfg), counter=again.counter)
    twice, _ = fsm.step(cfg, again, Event.HoldTimer_Expires, Fraction(6))
    assert twice.counter == 2
    stopped, _ = fsm.step(cfg, twice, Event.ManualStart, Fraction(7))
    stopped, _ = fsm.step(cfg, stopped, Event.ManualStop, Fraction(7))
    assert stopped.counter == 0
    for ev in (Event.KeepAliveMsg, Event.KeepaliveTimer_Expires):  # no delete routes
        kept, row = fsm.step(cfg, _established(cfg), ev, Fraction(1))
        assert DELETE_ROUTES not in row.actions and not kept.routes_deleted


def test_hold_zero_runs_no_keepalive_or_send_hold_timer() -> None:
    """§4.2 / §4.4: with a negotiated Hold Time of 0 no KEEPALIVEs are sent and no hold
    timer runs; RFC 9687 §4: a SendHoldTime of 0 leaves the SendHoldTimer stopped."""
    v = _established(_frr_cfg(), hold=0)
    assert v.negotiated_hold == 0
    for t in (Timer.KeepaliveTimer, Timer.HoldTimer, Timer.SendHoldTimer):
        assert not v.running[t], t


@pytest.mark.parametrize("state", [State.OpenSent, State.OpenConfirm])
def test_send_hold_expiry_outside_established_is_an_fsm_error(state: State) -> None:
    """RFC 9687 defines event 29 for Established only; in OpenSent and OpenConfirm it is
    §8.2.2's "any other event": NOTIFICATION 5 (Finite State Machine Error)."""
    row = next(r for r in fsm.TABLE if r.state is state
               and r.event is Event.SendHoldTimer_Expires)
    assert notify(5) in row.actions and row.next_state is State.Idle


def test_mandatory_marks_exactly_rfc_4271s_mandatory_events() -> None:
    """§8.1.2-8.1.5 ("Status: Mandatory"): events 1, 2, 9-11, 16-19, 21, 22, 24-28; the
    rest (3-8, 12-15, 20, 23) are optional, and RFC 9687's 29 is not in §8.1."""
    assert {e.value for e in MANDATORY_EVENTS} == {1, 2, 9, 10, 11, 16, 17, 18, 19, 21, 22,
                                                   24, 25, 26, 27, 28}
    assert {r.event for r in fsm.TABLE if r.mandatory} == set(MANDATORY_EVENTS)
    assert not any(r.mandatory for r in fsm.TABLE if r.event.value in (12, 20, 23, 29))
