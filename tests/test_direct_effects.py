"""A trigger's direct effects are not a cascade (docs/model.md, "Direct effects of a
trigger").

A paused speaker's sessions go down because the pause stops its KEEPALIVEs (its peers'
hold timers expire, RFC 4271 §6.5) and its own timers expire when it wakes: that is what
the pause does, as a flapped session is the flap's own. Those resets stay in the trace
(``direct: true``) but are not counted in ``sessions_reset`` nor make the verdict
``cascade``. Resets of OTHER speakers' sessions, or of the paused speaker's sessions once
it has caught up, still count.
"""

from __future__ import annotations

from fractions import Fraction as F
from typing import Any

from bgpcascade.model.dynamics import Trigger
from bgpcascade.model.timing import Timing
from bgpcascade.model.trace import simulate
from bgpcascade.model.zonefile import load_zone

HOLD = 9
#: 2 RRs x 5 clients, FRR everywhere, hold 9 s.
FRR_ZONE = f"""zone: t
timers: {{hold: {HOLD}, keepalive: 3, connect_retry: 2}}
shards:
  - {{name: a, rrs: 2, rr_profile: frr, clients: 5, client_profile: frr, routes_per_client: 10}}
"""
#: The same shape with slow RRs and big client tables: when one RR is paused, the other
#: clears the routes it learned from it (the RR~RR session expires at it) and its own
#: client sessions expire behind that work (a FIFO reader).
SLOW_ZONE = f"""zone: t
timers: {{hold: {HOLD}, keepalive: 3, connect_retry: 2}}
profiles:
  slow: {{base: appliance, capacity: 1000}}
shards:
  - {{name: a, rrs: 2, rr_profile: slow, clients: 5, client_profile: frr, routes_per_client: 2000}}
"""


def run(text: str, triggers: list[Trigger], horizon: int = 120,
        timing: Timing | None = None) -> dict[str, Any]:
    return simulate(load_zone(text), text, "t.yaml", triggers, horizon=F(horizon), dt=F(1),
                    timing=timing)


def downs(trace: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in trace["events"] if e["kind"] == "down"]


def test_a_paused_rrs_own_sessions_are_the_pauses_direct_effect() -> None:
    """Pause one RR for 3 x hold: its 6 sessions (5 clients, the other RR) expire at the
    peers; they are listed with direct=true, and the run is not a cascade."""
    for timing in (None, Timing()):
        trace = run(FRR_ZONE, [Trigger("pause", F(5), "a-rr1", down_for=F(3 * HOLD))],
                    timing=timing)
        gone = downs(trace)
        assert sum(e["count"] for e in gone) == 6
        assert all("a-rr1" in e["session"] and e["direct"] for e in gone), gone
        assert {e["reason"] for e in gone} == {"hold_timer_expired"}
        s = trace["summary"]
        assert s["sessions_reset"] == 0 and s["first_cascade_reset_s"] is None
        assert s["verdict"] == "contained"
        assert s["resets_by_reason"] == {"hold_timer_expired": 6}  # still reported
        assert s["clients_isolated_peak"] == 0  # each client still has a-rr2


def test_pausing_every_rr_still_reports_the_isolation() -> None:
    """Both RRs paused: no reset is a cascade, but every client is isolated meanwhile,
    and the verdict says so (isolation is measured, not excused)."""
    trace = run(FRR_ZONE, [Trigger("pause", F(5), "a-rr1", down_for=F(3 * HOLD)),
                           Trigger("pause", F(5), "a-rr2", down_for=F(3 * HOLD))])
    s = trace["summary"]
    assert all(e["direct"] for e in downs(trace)) and downs(trace)
    assert s["sessions_reset"] == 0
    assert s["clients_isolated_peak"] == 5
    assert s["verdict"] == "zone-outage"


def test_a_restarted_rrs_sessions_are_the_restarts_direct_effect() -> None:
    trace = run(FRR_ZONE, [Trigger("restart", F(5), "a-rr1")])
    gone = downs(trace)
    assert sum(e["count"] for e in gone) == 6
    assert all(e["direct"] and "a-rr1" in e["session"] for e in gone)
    assert trace["summary"]["sessions_reset"] == 0
    assert trace["summary"]["verdict"] == "contained"


def test_a_pause_that_overloads_another_rr_still_counts_its_resets() -> None:
    """The paused RR's own sessions are direct; the other RR's client sessions, which
    expire behind the work the pause gave it, are the cascade."""
    trace = run(SLOW_ZONE, [Trigger("pause", F(5), "a-rr1", down_for=F(3 * HOLD))])
    gone = downs(trace)
    during = [e for e in gone if e["t"] < 5 + 3 * HOLD]
    assert during and all(e["direct"] == ("a-rr1" in e["session"]) for e in during), during
    others = [e for e in gone if "a-rr2" in e["session"] and "a-rr1" not in e["session"]]
    assert others and not any(e["direct"] for e in others)
    s = trace["summary"]
    assert s["sessions_reset"] >= sum(e["count"] for e in others)
    assert s["verdict"] in ("cascade", "zone-outage")


def test_the_pauses_mark_ends_once_its_speaker_has_caught_up() -> None:
    """A later reset of the paused speaker's sessions, after it woke and drained what
    the pause left it, is the cascade's: here the re-established sessions of the paused
    RR expire again under the resync load at 61 s, long after it caught up."""
    trace = run(SLOW_ZONE, [Trigger("pause", F(5), "a-rr1", down_for=F(3 * HOLD))])
    later = [e for e in downs(trace) if "a-rr1" in e["session"] and e["t"] > 40]
    assert later and not any(e["direct"] for e in later)


def test_a_short_pause_within_hold_resets_nothing() -> None:
    trace = run(FRR_ZONE, [Trigger("pause", F(5), "a-rr1", down_for=F(HOLD - 3))])
    assert downs(trace) == [] and trace["summary"]["verdict"] == "contained"
