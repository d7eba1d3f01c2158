"""What a run is judged on (model/outcomes.py) and the trace that records it (model/trace.py).

`simulate`'s verdict, the property library and the Z3 engine all read :class:`Outcome`,
so its boundaries are the tool's boundaries: "at least half the clients isolated" must
include exactly half, "reconverged within 60 s" must include 60 s. The trace is what a
user keeps, diffs in CI and replays: its series are exact samples, its summary's numbers
are derived from its own events, and a trace of another format version is refused.

The golden traces (tests/test_examples.py) check the same code through the CLI in a
subprocess; these tests run it in-process, on zones small enough to reason about by hand.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest

from bgpcascade.model.dynamics import SessionEvent, Sim, Trigger
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.trace import (
    TRACE_VERSION,
    Recorder,
    build_trace,
    simulate,
    summary,
    trigger_from_json,
)
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent

#: One RR and three clients: a flap of rr1~h1 isolates h1 (1 of 3 clients) and leaves 4
#: of the 6 client pairs without a route (h1 to each other client and back): 2/3.
STAR = """
zone: star
timers: {hold: 9, keepalive: 3, connect_retry: 1}
profiles:
  slow: {base: frr, capacity: 30000}
speakers:
  - {name: rr1, profile: slow}
  - {name: h1, routes: 10}
  - {name: h2, routes: 10}
  - {name: h3, routes: 10}
sessions:
  - {rr: rr1, client: h1}
  - {rr: rr1, client: h2}
  - {rr: rr1, client: h3}
"""

#: An appliance RR (one FIFO, KEEPALIVEs included) that a spike of work starves past its
#: clients' hold time: every reset is a cascade (no trigger resets a session directly).
#: h1's session holds 9 s (the smaller end's, RFC 4271 §4.2), h2's 12 s: they reset apart.
STARVED = """
zone: starved
timers: {hold: 12, keepalive: 4, connect_retry: 1}
profiles:
  box: {base: appliance, capacity: 30000}
speakers:
  - {name: rr1, profile: box}
  - {name: h1, routes: 10, timers: {hold: 9, keepalive: 3}}
  - {name: h2, routes: 10}
sessions:
  - {rr: rr1, client: h1}
  - {rr: rr1, client: h2}
"""


def _run(text: str, triggers: list[Trigger], horizon: F, dt: F) -> tuple[Sim, Recorder]:
    sim = Sim(load_zone(text), triggers, expand=True)
    rec = Recorder(sim, horizon, dt)
    rec.run()
    return sim, rec


def _outcome(**changes: Any) -> Outcome:
    """An Outcome built by hand (no run), for the boundary arithmetic."""
    base: dict[str, Any] = dict(
        resets=(), first_trigger=F(0), horizon=F(100), clients=10, isolated_peak=0,
        reach=(), settled=F(0), converged=True, peak_delay={}, hold_of={}, shard_of={})
    base.update(changes)
    return Outcome(**base)


# -- Outcome: the boundaries every verdict rests on -------------------------------------------


def test_outage_includes_exactly_the_threshold_of_clients_isolated() -> None:
    half = F(1, 2)
    assert _outcome(isolated_peak=5).outage(half)
    assert not _outcome(isolated_peak=4).outage(half)
    assert _outcome(clients=1, isolated_peak=1).outage(half)


def test_a_zone_without_clients_is_not_an_outage_by_isolation() -> None:
    """0 of 0 clients isolated is not "at least half isolated"."""
    assert not _outcome(clients=0, isolated_peak=0).outage(F(1, 2))


def test_outage_includes_exactly_the_threshold_of_pairs_unreachable() -> None:
    half = F(1, 2)
    assert _outcome(reach=((F(3), F(6)),)).outage(half)
    assert not _outcome(reach=((F(2), F(6)),)).outage(half)
    # a measurement with no pairs at all (every client restarted) is skipped, not 0 >= 0
    assert not _outcome(reach=((F(0), F(0)),)).outage(half)
    assert _outcome(reach=((F(0), F(6)), (F(4), F(6)))).outage(half)


def test_reconverged_at_the_horizon_counts_and_not_converged_never_does() -> None:
    assert _outcome(settled=F(100)).reconverged_at() == 100
    assert _outcome(settled=F(101)).reconverged_at() is None
    assert _outcome(settled=F(50), converged=False).reconverged_at() is None


def test_reconverged_within_is_measured_from_the_first_trigger() -> None:
    out = _outcome(first_trigger=F(30), settled=F(90))
    assert out.reconverged_within(F(60))
    assert not out.reconverged_within(F(59))
    assert not _outcome(first_trigger=F(30), settled=F(90),
                        converged=False).reconverged_within(F(1000))


def test_a_run_without_triggers_starts_at_zero_with_no_unreachable_pairs() -> None:
    _, rec = _run(STAR, [], F(20), F(20))
    out = Outcome.of(rec)
    assert out.first_trigger == 0 and out.resets == () and out.converged
    assert out.unreachable_peak == 0 and out.cascade_size() == 0
    assert out.clients == 3 and rec.isolated_peak == 0


def test_clients_leave_out_rrs_and_restarted_speakers() -> None:
    _, rec = _run(STAR, [Trigger("restart", F(5), "h2")], F(40), F(40))
    assert Outcome.of(rec).clients == 2
    # restarting the RR leaves all three clients counted
    _, rec = _run(STAR, [Trigger("restart", F(5), "rr1")], F(40), F(40))
    assert Outcome.of(rec).clients == 3


def test_hold_of_is_the_smallest_negotiated_hold_and_leaves_out_hold_zero() -> None:
    """RFC 4271 §4.2: a session's hold is the smaller of the two ends'; 0 runs no timer."""
    text = """
zone: holds
timers: {hold: 30, keepalive: 10, connect_retry: 1}
speakers:
  - {name: rr1}
  - {name: h1, routes: 10, timers: {hold: 9, keepalive: 3}}
  - {name: h2, routes: 10, timers: {hold: 15, keepalive: 5}}
  - {name: h3, routes: 10, timers: {hold: 0, keepalive: 0}}
sessions:
  - {rr: rr1, client: h1}
  - {rr: rr1, client: h2}
  - {rr: rr1, client: h3}
"""
    _, rec = _run(text, [], F(10), F(10))
    assert Outcome.of(rec).hold_of == {"rr1": 9, "h1": 9, "h2": 15}


def test_converged_needs_every_route_not_only_every_session() -> None:
    """RFC 4456 §5: with client-to-client reflection off and no client mesh, every session
    is Established and still the clients of that shard never learn each other's routes."""
    text = (ROOT / "tests/examples/unsafe/no-client-to-client.yaml").read_text()
    sim, rec = _run(text, [], F(30), F(30))
    assert all(e.established() for e in sim.edges)
    out = Outcome.of(rec)
    assert not out.converged and out.reconverged_at() is None


# -- the Recorder: exact peaks, honest samples ------------------------------------------------


def test_peaks_do_not_depend_on_the_sampling_step() -> None:
    """A flap that heals between two samples still shows in the peaks (they are measured
    after every change, not only at the samples)."""
    flap = [Trigger("flap", F(5), "rr1", "h1", down_for=F(2))]
    _, fine = _run(STAR, flap, F(60), F(1))
    _, coarse = _run(STAR, flap, F(60), F(60))
    for rec in (fine, coarse):
        assert rec.isolated_peak == 1
        assert rec.unreachable_peak == F(2, 3)
    assert coarse.isolated == [0, 0] and coarse.unreachable == [0.0, 0.0]
    assert max(fine.isolated) == 1 and max(fine.unreachable) == round(2 / 3, 6)


def test_an_event_at_a_sample_time_shows_in_that_sample() -> None:
    """The flap at t=5 is in the sample at t=5, and one at the horizon is still run. At
    t=5 h1 has dropped what it learned over the session (2 of 6 pairs); h2 and h3 lose
    h1's routes only when rr1's withdrawal reaches them, later."""
    sim, rec = _run(STAR, [Trigger("flap", F(5), "rr1", "h1", down_for=F(30)),
                           Trigger("flap", F(20), "rr1", "h2")], F(20), F(1))
    assert rec.t[5] == 5 and rec.up["h1~rr1"][4:6] == [1, 0]
    assert rec.isolated[5] == 1 and rec.unreachable[5] == round(1 / 3, 6)
    assert rec.up["h2~rr1"][-1] == 0 and rec.up["h3~rr1"][-1] == 1
    assert [(e.t, e.session, e.kind) for e in sim.events] == [
        (5, "h1~rr1", "down"), (20, "h2~rr1", "down")]


def test_samples_are_rounded_to_the_documented_digits() -> None:
    """Queue delay in seconds to 6 digits, queued work to 3 (docs/cli.md): a spike of
    10,000 units at 30,000 units/s, sampled every 1/7 s, gives delays like 4/21 s."""
    spike = [Trigger("spike", F(1), "rr1", work=F(10000))]
    _, rec = _run(STAR, spike, F(2), F(1, 7))
    delays = rec.delay["rr1"]
    work = rec.work["rr1"]
    assert all(v == round(v, 6) for v in delays) and all(v == round(v, 3) for v in work)
    k = rec.t.index(F(8, 7))  # 1/7 s after the spike: 40,000/7 units left
    assert delays[k] == round(4 / 21, 6) and work[k] == round(40000 / 7, 3)
    assert rec.delay["h1"] == [0.0] * len(rec.t)


# -- the summary: its numbers come from its own events ----------------------------------------


def _starved() -> tuple[Sim, Recorder, dict[str, Any]]:
    sim, rec = _run(STARVED, [Trigger("spike", F(10), "rr1", work=F(400000))], F(60), F(1))
    return sim, rec, summary(sim, rec)


def test_summary_counts_the_cascade_from_the_events() -> None:
    sim, _, s = _starved()
    downs = [e for e in sim.events if e.kind == "down"]
    cascade = [e for e in downs if not e.direct]
    assert len(cascade) >= 2 and s["verdict"] == "zone-outage"
    assert cascade[0].session == "h1~rr1" and cascade[0].t < cascade[1].t
    assert s["sessions_reset"] == sum(e.count for e in cascade)
    assert s["first_cascade_reset_s"] == float(cascade[0].t - 10)
    reasons: Counter[str] = Counter()
    for e in downs:
        reasons[e.reason] += e.count
    assert s["resets_by_reason"] == dict(sorted(reasons.items()))
    assert s["clients_total"] == 2 and s["clients_isolated_peak"] == 2


def test_summary_numbers_are_rounded_to_six_digits() -> None:
    sim, rec, s = _starved()
    for key, v in s["peak_queue_delay_s"].items():
        assert v == round(float(sim.peak_delay[key]), 6)
    assert s["peak_queue_delay_s"]["rr1"] == round(400000 / 30000, 6)
    flap = [Trigger("flap", F(5), "rr1", "h1", down_for=F(2))]
    sim, rec = _run(STAR, flap, F(30), F(30))
    assert summary(sim, rec)["unreachable_pairs_peak_fraction"] == round(2 / 3, 6)


def test_a_contained_flap_is_no_cascade() -> None:
    """In a zone of three clients one client's flap cuts 2/3 of the pairs: an outage at
    the default threshold of 1/2, contained at 0.7."""
    sim, rec = _run(STAR, [Trigger("flap", F(5), "rr1", "h1")], F(30), F(30))
    assert summary(sim, rec)["verdict"] == "zone-outage"
    s = summary(sim, rec, outage_threshold=0.7)
    assert s["verdict"] == "contained" and s["sessions_reset"] == 0
    assert s["outage_threshold"] == 0.7
    assert s["first_cascade_reset_s"] is None
    assert s["resets_by_reason"] == {sim.events[0].reason: 1}
    assert s["reconverged_at_s"] is not None


# -- the trace file ------------------------------------------------------------------------


def test_the_trace_records_how_the_simulator_ran() -> None:
    """``expand`` comes from the simulator itself, so a replay runs it the same way."""
    zone = load_zone(STAR)
    for expand in (False, True):
        trace = simulate(zone, STAR, "star.yaml", [], horizon=F(5), dt=F(5), expand=expand)
        assert trace["params"]["expand"] is expand
        sim = Sim(zone, [], expand=expand)
        rec = Recorder(sim, F(5), F(5))
        rec.run()
        assert build_trace(STAR, "star.yaml", sim, rec) == trace
    assert trace["version"] == TRACE_VERSION == 1  # docs/cli.md: the format's version
    default = simulate(zone, STAR, "star.yaml", [], horizon=F(5), dt=F(5))
    assert default["params"]["expand"] is False and len(default["nodes"]) == 2


def test_the_trace_names_each_sessions_kind_and_route_reflector() -> None:
    """RR-client sessions name their RR (RFC 4456 §2), iBGP sessions between RRs none."""
    text = STAR.replace("sessions:\n", "sessions:\n  - {peers: [rr1, rr2]}\n  "
                        "- {rr: rr2, client: h3}\n").replace(
        "  - {name: h1,", "  - {name: rr2}\n  - {name: h1,")
    trace = simulate(load_zone(text), text, "star.yaml", [], horizon=F(1), dt=F(1),
                     expand=True)
    got = {s["session"]: (s["kind"], s["rr"], s["count"]) for s in trace["sessions"]}
    assert got == {"h1~rr1": ("rr-client", "rr1", 1), "h2~rr1": ("rr-client", "rr1", 1),
                   "h3~rr1": ("rr-client", "rr1", 1), "h3~rr2": ("rr-client", "rr2", 1),
                   "rr1~rr2": ("ibgp", None, 1)}
    for s in trace["sessions"]:
        assert {s["a"], s["b"]} == set(s["session"].split("~"))


@pytest.mark.parametrize("trig", [
    Trigger("flap", F(5), "rr1", "h1", down_for=F(3, 2)),
    Trigger("spike", F(0), "rr1", work=F(10000)),
    Trigger("restart", F(7, 2), "h2"),
    Trigger("pause", F(1), "rr1", down_for=F(4)),
])
def test_triggers_survive_the_round_trip_through_json(trig: Trigger) -> None:
    assert trigger_from_json(json.loads(json.dumps(trig.as_json()))) == trig


def test_a_trigger_read_from_json_defaults_work_and_down_for_to_zero() -> None:
    assert trigger_from_json({"kind": "restart", "t": 3, "a": "h1"}) == \
        Trigger("restart", F(3), "h1", work=F(0), down_for=F(0))


@pytest.mark.parametrize("bad", [
    {"kind": "reboot", "t": 1, "a": "h1"},
    {"kind": "flap", "t": -1, "a": "rr1", "b": "h1"},
    {"kind": "spike", "t": 1, "a": "rr1", "work": -0.5},
    {"kind": "pause", "t": 1, "a": "rr1", "down_for": -2},
])
def test_a_trigger_read_from_json_refuses_unknown_kinds_and_negative_numbers(
        bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        trigger_from_json(bad)


def test_a_trace_of_another_format_version_is_refused(tmp_path: Path) -> None:
    """Replay and render read a trace's keys by their meaning in version 1: another
    version gets one line and exit 2, not a replay that "differs"."""
    zone = load_zone(STAR)
    trace = simulate(zone, STAR, "star.yaml", [Trigger("flap", F(2), "rr1", "h1")],
                     horizon=F(10), dt=F(1))
    for version in (2, "1", None):
        trace["version"] = version
        path = tmp_path / f"v{version}.json"
        path.write_text(json.dumps(trace))
        for args in (["simulate", "--replay", str(path)],
                     ["render", str(path), "--out", str(tmp_path / "out")]):
            proc = subprocess.run([sys.executable, "-m", "bgpcascade", *args, "-q"],
                                  capture_output=True, text=True, timeout=120)
            assert proc.returncode == 2, (args, proc.stderr)
            assert proc.stderr.count("\n") == 1 and "trace format version" in proc.stderr
            assert "Traceback" not in proc.stderr


def test_session_events_keep_their_contract_keys() -> None:
    e = SessionEvent(F(3, 2), "h1~rr1", 1, "down", "hold timer expired", "rr1", False)
    assert e.as_json() == {"t": 1.5, "session": "h1~rr1", "count": 1, "kind": "down",
                           "reason": "hold timer expired", "at": "rr1", "direct": False,
                           "detail": ""}
