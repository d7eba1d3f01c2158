"""The model's side of `lab --compare` (docs/validation.md), without daemons: the pause trigger, the
coalesce timer, the per-session prefix counters, the scenario mapping and the comparison.

The FRR numbers these tests name were measured in the lab (docs/validation.md); the tests
that run FRR itself are in tests/test_lab.py.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from bgpcascade.frr.compare import (
    compare,
    frr_category,
    model_triggers,
    pause_seconds,
    run_model,
    tolerances,
)
from bgpcascade.io import load_zone_file
from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent
ZONE = ROOT / "tests" / "lab" / "frr-5x200.yaml"
F = Fraction


def _zone() -> Any:
    return load_zone_file(str(ZONE))


def _run(triggers: list[Trigger], until: float, zone: Any = None) -> Sim:
    sim = Sim(zone or _zone(), triggers, expand=True)
    sim.run(F(str(until)))
    return sim


def _downs(sim: Sim) -> list[tuple[float, str, str, str]]:
    return [(float(e.t), e.session, e.at, e.reason) for e in sim.events if e.kind == "down"]


def _completions(sim: Sim, work: Fraction) -> dict[str, list[Fraction]]:
    """Record, per speaker, when each batch of exactly ``work`` units completes."""
    done: dict[str, list[Fraction]] = {}
    orig = sim._on_complete

    def spy(key: str, epoch: int, items: Any, w: Fraction) -> None:
        if w == work:
            done.setdefault(key, []).append(sim.now)
        orig(key, epoch, items, w)

    sim._on_complete = spy  # type: ignore[method-assign]
    return done


# -- the pause trigger ------------------------------------------------------------------------
def test_a_paused_speaker_sends_nothing_so_its_peers_expire_their_hold_timers() -> None:
    """SIGSTOP: no KEEPALIVE leaves hv1, so both RRs expire hold (3 s) after the last one
    they got (hv1 sends one a second), and the sessions come back after the pause."""
    sim = _run([Trigger("pause", F(10), "hv1", down_for=F(5))], 40)
    downs = _downs(sim)
    assert {(s, at, why) for _, s, at, why in downs} == {
        ("hv1~rr1", "rr1", "hold_timer_expired"), ("hv1~rr2", "rr2", "hold_timer_expired")}
    assert all(12 <= t <= 13 for t, *_ in downs)  # 2-3 s after the pause began
    ups = [e for e in sim.events if e.kind == "established"]
    assert len(ups) == 2 and all(float(e.t) >= 15 for e in ups)  # not before it ends
    assert all(e.established() for e in sim.edges)


def test_a_pause_shorter_than_the_hold_time_resets_nothing() -> None:
    sim = _run([Trigger("pause", F(10), "rr1", down_for=F("1.5"))], 40)
    assert _downs(sim) == []
    assert not sim.announced and not sim.withdrawn  # nothing changed, nothing re-sent


def test_nothing_leaves_a_paused_speaker_and_it_catches_up_afterwards() -> None:
    sim = Sim(_zone(), [Trigger("pause", F(10), "rr1", down_for=F(5))], expand=True)
    rr1 = sim.view.node_of("rr1")
    sent_during = []
    orig = sim._arrive

    def spy(t: Fraction, key: str, item: Any) -> None:
        if item.sender == rr1 and F(10) < sim.now < F(15):
            sent_during.append((sim.now, item.kind))
        orig(t, key, item)

    sim._arrive = spy  # type: ignore[method-assign]
    sim.run(F(40))
    assert sent_during == []
    # Its own hold timers expired too, but only when it woke up (FRR logs the same).
    assert sim.nodes[rr1].paused_until == F(15)
    assert {e.session for e in sim.events if e.kind == "down"} == \
        {f"hv{i}~rr1" for i in range(1, 6)} | {"rr1~rr2"}


def test_pause_syntax_on_the_cli(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", str(ZONE),
                         "--explicit", "--pause", "hv1:5@10", "--horizon", "40", "-q",
                         "--trace", "t.json"], cwd=tmp_path, capture_output=True, text=True,
                        env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "hold_timer_expired" in ok.stdout
    trace = json.loads((tmp_path / "t.json").read_text())
    assert trace["params"]["triggers"][0]["label"] == "pause hv1:5@10"
    again = subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", "--replay",
                            "t.json", "-q"], cwd=tmp_path, capture_output=True, text=True,
                           env=env, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    for bad, says in (("hv1@10", "SPEAKER:SECONDS@T"), ("hv1:0@10", "seconds > 0"),
                      ("nobody:5@10", "no speaker")):
        r = subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", str(ZONE),
                            "--pause", bad, "-q"], cwd=tmp_path, capture_output=True,
                           text=True, env=env, timeout=120)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert says in r.stderr and "--pause" in r.stderr
    trace["params"]["triggers"][0]["kind"] = "meteor"
    (tmp_path / "bad.json").write_text(json.dumps(trace))
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "simulate", "--replay",
                        "bad.json", "-q"], cwd=tmp_path, capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr


# -- the coalesce timer ------------------------------------------------------------------------
def test_frr_sends_a_new_peer_its_table_after_the_coalesce_time() -> None:
    """FRR's subgroup coalesce time: 1 s + 50 ms per configured peer (rr1: 6 peers, 1.3 s;
    hv1: 2 peers, 1.1 s). The table reaches hv1 that long after the session is up."""
    sim = Sim(_zone(), [Trigger("flap", F(10), "rr1", "hv1")], expand=True)
    assert sim.coalesce_wait("rr1") == F("1.3") and sim.coalesce_wait("hv1") == F("1.1")
    sim.run(F(40))
    up = next(e.t for e in sim.events if e.kind == "established")
    arrivals: list[Fraction] = []
    sim2 = Sim(_zone(), [Trigger("flap", F(10), "rr1", "hv1")], expand=True)
    orig = sim2._arrive

    def spy(t: Fraction, key: str, item: Any) -> None:
        if key == "hv1" and item.kind == "update" and item.sender == "rr1":
            arrivals.append(sim2.now)
        orig(t, key, item)

    sim2._arrive = spy  # type: ignore[method-assign]
    sim2.run(F(40))
    assert arrivals and min(arrivals) >= up + F("1.3")


def test_without_a_coalesce_time_the_table_goes_at_once() -> None:
    text = ZONE.read_text().replace(
        "zone: frr-5x200",
        "zone: frr-5x200\nprofiles:\n  eager: {base: frr, coalesce_time: 0, "
        "coalesce_per_peer: 0}").replace("profile: frr", "profile: eager")
    zone = load_zone(text, source="eager.yaml")
    sim = _run([Trigger("flap", F(10), "rr1", "hv1")], 40, zone)
    assert sim.coalesce_wait("rr1") is None
    # Without the wait rr1 sends hv1 its table before hv1's own routes are back, and
    # again when they are (their path changes): 200 more than FRR's 1,000 (measured).
    assert sim.announced[("hv1", "rr1")] == 1200


@pytest.mark.parametrize("params, rr1, hv1", [
    ("coalesce_time: 2, coalesce_per_peer: 0", F(2), F(2)),        # a fixed wait only
    ("coalesce_time: 0, coalesce_per_peer: 0.5", F(3), F(1)),      # per peer only: 6 and 2
    ("coalesce_time: 1, coalesce_per_peer: 2, coalesce_max: 4", F(4), F(4)),  # 13 s, capped
    ("coalesce_time: 2, coalesce_per_peer: 1, coalesce_max: 4", F(4), F(4)),  # exactly the cap
])
def test_the_coalesce_wait_with_either_part_alone_and_its_cap(params: str, rr1: Fraction,
                                                              hv1: Fraction) -> None:
    """``min(coalesce_max, coalesce_time + coalesce_per_peer x peers)`` whenever either
    part is set (a profile may give only one), per speaker: rr1 has 6 configured peers,
    hv1 has 2."""
    text = ZONE.read_text().replace(
        "zone: frr-5x200",
        f"zone: frr-5x200\nprofiles:\n  c: {{base: frr, {params}}}").replace(
        "profile: frr", "profile: c").replace("routes: 200}", "routes: 200, profile: c}")
    sim = Sim(load_zone(text, source="c.yaml"), [], expand=True)
    assert (sim.coalesce_wait("rr1"), sim.coalesce_wait("hv1")) == (rr1, hv1)


def test_time_never_runs_backwards_when_a_pause_moves_queued_work() -> None:
    """rr1 has eight batches queued (spikes of 1 s of work from 9.5 s) when it is frozen
    at 10 s for 5 s. Every completion still due moves by the pause, so the event queue is
    re-ordered, and when it wakes its overdue timers fire at once: events are taken in
    time order throughout, and each batch completes 5 s later than without the pause."""
    spikes = [Trigger("spike", F(95, 10) + F(k, 100), "rr1", work=F(80000))
              for k in range(8)]

    def completions(trigs: list[Trigger]) -> tuple[list[Fraction], list[Fraction]]:
        sim = Sim(_zone(), trigs, expand=True)
        times: list[Fraction] = []
        done = _completions(sim, F(80000))
        while sim.heap and sim.heap[0][1] <= 40:
            sim.step()
            times.append(sim.now)
        return times, done["rr1"]

    times, paused = completions([*spikes, Trigger("pause", F(10), "rr1", down_for=F(5))])
    assert all(a <= b for a, b in itertools.pairwise(times))
    _, plain = completions(spikes)
    assert len(plain) == 8 and paused == [t + 5 for t in plain]


# -- prefixes per receiver and peer, against what FRR did --------------------------------------
@pytest.mark.parametrize("scenario, hv2_rr1, rr2_rr1", [
    ("clear", (400, 0), (200, 200)),          # measured in the lab: the same numbers
    ("kill-client", (400, 200), (200, 200)),
    ("pause-client", (400, 200), (200, 200)),
    ("pause-rr", (1000, 0), (1000, 0)),
])
def test_prefix_counts_match_what_frr_sent(scenario: str, hv2_rr1: tuple[int, int],
                                           rr2_rr1: tuple[int, int]) -> None:
    m = run_model(_zone(), scenario, "rr1", "hv1")
    got = {k: (v["announced"], v["withdrawn"]) for k, v in m["updates"]["hv2"].items()}
    assert got["rr1"] == hv2_rr1
    rr2 = m["updates"]["rr2"]["rr1"]
    assert (rr2["announced"], rr2["withdrawn"]) == rr2_rr1
    assert m["reconverge_s"] is not None


def test_scenarios_map_to_model_triggers() -> None:
    z = _zone()
    assert pause_seconds(z, "rr1", "hv1") == 5
    got = {s: [t.label() for t in model_triggers(z, s, "rr1", "hv1")]
           for s in ("converge", "clear", "kill-client", "pause-client", "pause-rr",
                     "starve-rr")}
    assert got == {"converge": [], "clear": ["flap hv1~rr1@10"],
                   "kill-client": ["restart hv1@10"], "pause-client": ["pause hv1:5@10"],
                   "pause-rr": ["pause rr1:5@10"], "starve-rr": ["restart hv1@10"]}


def test_starving_the_model_rr_slows_it_but_it_keeps_its_sessions() -> None:
    m = run_model(_zone(), "starve-rr", "rr1", "hv1", starve_percent=1.0)
    full = run_model(_zone(), "kill-client", "rr1", "hv1")
    assert m["starved_rr_kept_sessions"] is True
    assert m["reconverge_s"] > full["reconverge_s"]


# -- the comparison itself --------------------------------------------------------------------
def _as_frr(model: dict[str, Any]) -> dict[str, Any]:
    """The model's result dressed as the lab's: FRR's words for the reasons."""
    words = {"trigger": "User reset", "hold_timer_expired":
             "BGP Notification send 4/0 (Hold Timer Expired)",
             "tcp_connection_failed": "Peer closed the session"}
    frr = copy.deepcopy(model)
    frr["changes"] = [{**c, "reason": words.get(c["reason"], c["reason"])}
                      for c in model["changes"]]
    return frr


def test_a_result_agrees_with_itself_and_each_difference_is_a_row() -> None:
    z = _zone()
    m = run_model(z, "pause-client", "rr1", "hv1")
    frr = {**_as_frr(m), "rr": "rr1", "client": "hv1"}
    rows = compare(z, frr, m)
    assert rows and all(r.ok for r in rows), [r for r in rows if not r.ok]
    sections = {r.section for r in rows}
    assert sections == {"sessions", "prefixes", "times"}

    worse = copy.deepcopy(frr)
    worse["updates"]["hv2"]["rr1"]["withdrawn"] += 1          # one prefix more
    worse["detect_s"] += tolerances(z)["detect_s"] + 0.01      # just beyond tolerance
    worse["changes"].append({"t": 9.0, "session": "hv3~rr1", "at": "rr1", "up": False,
                             "reason": "Peer closed the session"})  # a reset more
    bad = [(r.section, r.what) for r in compare(z, worse, m) if not r.ok]
    assert bad == [("sessions", "hv3~rr1 reset"), ("prefixes", "hv2 <- rr1"),
                   ("times", "first session down")]


def test_frr_reasons_in_the_comparison_vocabulary() -> None:
    assert frr_category("User reset", True) == "trigger"
    assert frr_category("BGP Notification received 6/4 (Cease/Administrative Reset)",
                        True) == "trigger"
    assert frr_category("Peer closed the session", True) == "trigger"
    assert frr_category("Peer closed the session", False) == "closed"
    assert frr_category("BGP Notification send 4/0 (Hold Timer Expired)", False) == "hold"
    assert frr_category("BGP Notification received 4/0 (Hold Timer Expired)", False) == \
        "notification"
    assert frr_category("No AFI/SAFI activated for peer", False) == "other"
    # Both sides land in the one vocabulary the table and docs/cli.md name.
    from bgpcascade.frr.compare import CATEGORIES, model_category
    from bgpcascade.model.dynamics import REASONS

    assert {model_category(r) for r in [*REASONS.values(), "trigger", "x"]} <= \
        set(CATEGORIES)
    assert model_category("hold_timer_expired") == "hold"
    assert model_category("tcp_connection_failed") == "closed"


def _spy_updates(sim: Sim) -> list[tuple[float, str, str, str, str]]:
    """Problems in what each sender says on each connection: a withdrawal of a route it
    never announced there, or an announcement of what it already announced."""
    said: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
    for e in sim.edges:  # what the zone at rest has advertised on each session
        for end in (e.a, e.b):
            said[(e.index, end)] = (e.ups, {c: out[e.index].attributes() for c, out in
                                            sim.nodes[end].adv_out.items()
                                            if e.index in out})
    probs: list[tuple[float, str, str, str, str]] = []
    orig = sim._deliver_updates

    def spy(key: str, item: Any) -> None:
        for i, c, path, _routes in item.changes:
            e = sim.edges[i]
            if e.tcp != "up":
                continue
            ups, adv = said.get((i, key), (e.ups, {}))
            if ups != e.ups:
                adv = {}
            if path is None:
                if c not in adv:
                    probs.append((float(sim.now), "withdraw unannounced", key, e.other(key), c))
                adv.pop(c, None)
            else:
                if adv.get(c) == path.attributes():
                    probs.append((float(sim.now), "duplicate", key, e.other(key), c))
                adv[c] = path.attributes()
            said[(i, key)] = (e.ups, adv)
        orig(key, item)

    sim._deliver_updates = spy  # type: ignore[method-assign]
    return probs


def test_a_route_lost_while_a_peer_waits_for_its_table_is_not_withdrawn_from_it() -> None:
    """Found by review: hv4 comes back, and while rr1 waits to send it its table hv3
    restarts too; rr1 must not withdraw hv3's routes from hv4, which never got them."""
    sim = Sim(_zone(), [Trigger("restart", F("10.3"), "hv4"),
                        Trigger("restart", F("11.6"), "hv3")], expand=True)
    probs = _spy_updates(sim)
    sim.run(F(60))
    assert probs == []
    assert all(e.established() for e in sim.edges)


@pytest.mark.parametrize("seed", range(12))
def test_no_sender_withdraws_what_it_never_announced(seed: int) -> None:
    import random

    rnd = random.Random(seed)
    names = ["rr1", "rr2", "hv1", "hv2", "hv3", "hv4", "hv5"]
    trigs = []
    for _ in range(3):
        t = F(10) + F(rnd.randrange(0, 400), 100)
        kind = rnd.choice(["restart", "flap", "pause"])
        if kind == "flap":
            trigs.append(Trigger("flap", t, "rr1", rnd.choice(names[2:])))
        elif kind == "pause":
            trigs.append(Trigger("pause", t, rnd.choice(names),
                                 down_for=F(rnd.randrange(1, 50), 10)))
        else:
            trigs.append(Trigger("restart", t, rnd.choice(names)))
    sim = Sim(_zone(), trigs, expand=True)
    probs = _spy_updates(sim)
    sim.run(F(120))
    assert probs == [], (trigs, probs[:3])
    assert all(e.established() for e in sim.edges), trigs


def test_work_queued_during_a_pause_waits_for_its_end() -> None:
    """rr1 paused 10-15 s, a spike of 1 s of work at 11 s: done at 16 s, not 15."""
    sim = Sim(_zone(), [Trigger("pause", F(10), "rr1", down_for=F(5)),
                        Trigger("spike", F(11), "rr1", work=F(80000))], expand=True)
    sim.run(F(11))
    assert sim.nodes["rr1"].busy_until == F(16)


def test_work_in_progress_when_a_pause_starts_moves_with_it() -> None:
    """rr1 busy with a spike from 9.5 s to 10.5 s, paused 10-15 s: the spike is done at
    15.5 s, and work arriving during the pause queues behind it (done at 16.5 s)."""
    sim = Sim(_zone(), [Trigger("spike", F("9.5"), "rr1", work=F(80000)),
                        Trigger("pause", F(10), "rr1", down_for=F(5)),
                        Trigger("spike", F(12), "rr1", work=F(80000))], expand=True)
    done = _completions(sim, F(80000))
    sim.run(F(10))
    assert sim.nodes["rr1"].busy_until == F("15.5")
    sim.run(F(20))
    assert done == {"rr1": [F("15.5"), F("16.5")]}


def test_a_pause_moves_only_its_own_speakers_work() -> None:
    """rr1 and rr2 both busy with a spike from 9.5 s to 10.5 s; rr1 is frozen 10-15 s:
    rr1's spike is done at 15.5 s, rr2's still at 10.5 s."""
    sim = Sim(_zone(), [Trigger("spike", F("9.5"), "rr1", work=F(80000)),
                        Trigger("spike", F("9.5"), "rr2", work=F(80000)),
                        Trigger("pause", F(10), "rr1", down_for=F(5))], expand=True)
    done = _completions(sim, F(80000))
    sim.run(F(20))
    assert done == {"rr1": [F("15.5")], "rr2": [F("10.5")]}

def test_what_arrived_during_a_pause_is_read_when_it_ends() -> None:
    """rr1 frozen 10-12 s: its peers' KEEPALIVEs wait in the kernel; at 12 s it reads
    them all (after its overdue timers), so none is left unread a moment later."""
    sim = Sim(_zone(), [Trigger("pause", F(10), "rr1", down_for=F(2))], expand=True)
    sim.run(F("11.999"))
    waiting = [t for t, _ in sim.arrivals["rr1"]]
    assert waiting and all(F(10) <= t < 12 for t in waiting)
    sim.run(F("12.0001"))
    assert not [t for t, _ in sim.arrivals["rr1"] if t < 12]


def test_overlapping_pauses_merge_and_a_restart_ends_a_pause() -> None:
    sim = Sim(_zone(), [Trigger("pause", F(10), "hv1", down_for=F(5)),
                        Trigger("pause", F(12), "hv1", down_for=F(5))], expand=True)
    sim.run(F(13))
    assert sim.nodes["hv1"].paused_until == F(17)  # not 20
    sim = Sim(_zone(), [Trigger("pause", F(10), "hv1", down_for=F(20)),
                        Trigger("restart", F(12), "hv1")], expand=True)
    sim.run(F(40))
    ups = [float(e.t) for e in sim.events if e.kind == "established"]
    assert ups and max(ups) < 20  # a fresh process, not one frozen until 30 s


def test_a_paused_fifo_sender_sends_its_keepalive_as_it_wakes() -> None:
    """A pause freezes the keepalive thread too (discrepancy 3), and the waking sends
    the overdue KEEPALIVE at once: it does not wait for the UPDATEs the main loop has yet
    to build (discrepancy 10). hv3 restarts at 10 s; rr1's withdrawal to hv2 waits behind
    a 1-s spike and then the pause (10.5 s for 2 s), so it is built at about 13 s. rr1's
    KEEPALIVE leaves at the waking, 12.5 s, ahead of it, and hv2 keeps its session."""
    sim = Sim(_zone(), [Trigger("restart", F(10), "hv3"),
                        Trigger("spike", F("10.002"), "rr1", work=F(80000)),
                        Trigger("pause", F("10.5"), "rr1", down_for=F(2))], expand=True)
    sent: list[tuple[Fraction, str]] = []
    orig = sim._arrive

    def spy(t: Fraction, key: str, item: Any) -> None:
        if item.sender == "rr1" and key == "hv2":
            sent.append((sim.now, item.kind))
        orig(t, key, item)

    sim._arrive = spy  # type: ignore[method-assign]
    sim.run(F(16))
    during = [(t, k) for t, k in sent if F("10.5") <= t < F("13.1")]
    assert during[0] == (F("12.5"), "keepalive")
    assert [k for _, k in during][-1] == "update" and during[-1][0] > F(13)
    assert not [ev for ev in sim.events if ev.session == "hv2~rr1"]


def test_a_trace_with_a_negative_duration_is_refused(tmp_path: Path) -> None:
    from bgpcascade.model.trace import trigger_from_json

    with pytest.raises(ValueError, match="down_for"):
        trigger_from_json({"kind": "pause", "t": 5, "a": "hv1", "down_for": -10})
