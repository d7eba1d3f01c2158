"""The zone simulator (model/sim/) against its own semantics (docs/model.md, "Dynamics").

What is checked, and why an operator cares:

1. Work is conserved at every event (``test_work_is_conserved_at_every_event``).
2. A zone at rest never resets a session, over any horizon (``test_zone_at_rest_*``).
3. The spike bound: the exact condition under which one RR's hold timers expire after a
   spike of W units at capacity C, tested on both sides (``test_spike_bound_*``).
4. Single-tier zones: more capacity or a longer hold time never makes things worse
   (``test_more_capacity_*``, ``test_longer_hold_*``).
5. Lumped and explicit runs agree event by event (``test_lumped_equals_explicit``), with a
   regression test per disagreement this file found (fixed since).
6. The built-in fr-par-like zone tells the incident's story (``test_fr_par_like_*``).
7. Operator checks: held-down flaps, restarts, FRR vs appliance under the same spike,
   isolation with one or two RRs, determinism.

All times are exact Fractions; zones are written inline in YAML (compact or explicit).
"""

from __future__ import annotations

import os
from collections import Counter
from fractions import Fraction as F
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bgpcascade.io import load_zone_file
from bgpcascade.model.dynamics import DEFAULT_LINK_DELAY, SessionEvent, Sim, Trigger
from bgpcascade.model.fsm import State, Timer, state_of
from bgpcascade.model.sim.events import BatchDone
from bgpcascade.model.topology import session_name
from bgpcascade.model.zonefile import load_zone

D = DEFAULT_LINK_DELAY  # 1 ms one-way
BUILTIN = ("frr", "bird", "gobgp", "openbgpd", "appliance")


#: CI runs a fifth of each property's examples (the whole file in about 15 s on 2 cores);
#: BGPCASCADE_FULL_HYPOTHESIS=1 runs them all (several minutes: some generated zones
#: produce long event chains).
_FULL = os.environ.get("BGPCASCADE_FULL_HYPOTHESIS") == "1"


def hsettings(examples: int) -> settings:
    """Deterministic Hypothesis runs (same examples in CI and locally), no deadline."""
    return settings(max_examples=examples if _FULL else max(2, examples // 5), deadline=None,
                    derandomize=True, suppress_health_check=[HealthCheck.too_slow])


# -- helpers ---------------------------------------------------------------------------------


def members(sim: Sim, key: str) -> list[str]:
    """Speaker names of view node ``key`` (a group, part of one, or one speaker)."""
    vn = sim.view.nodes[key]
    names = sim.zone.group(vn.group).names
    return [names[i] for i in vn.members]


def down(sim: Sim, *, direct: bool | None = None) -> list[SessionEvent]:
    """The down events (optionally only the direct / indirect ones)."""
    return [e for e in sim.events if e.kind == "down" and (direct is None or e.direct is direct)]


def resets(sim: Sim) -> int:
    """Sessions reset other than by a trigger directly (counted per session)."""
    return sum(e.count for e in down(sim, direct=False))


def per_session(sim: Sim) -> Counter[tuple[object, ...]]:
    """The events expanded to one entry per speaker pair: (t, pair, kind, reason, at, direct).

    A lumped event of ``count`` sessions between nodes X and Y becomes one entry per
    (member of X, member of Y); ``at`` becomes the member on the side that acted.
    """
    by_label = {session_name(e.a, e.b): e for e in sim.edges}
    out: Counter[tuple[object, ...]] = Counter()
    for ev in sim.events:
        edge = by_label[ev.session]
        xs, ys = members(sim, edge.a), members(sim, edge.b)
        assert ev.count == len(xs) * len(ys)
        acting = set(members(sim, ev.at))
        for x in xs:
            for y in ys:
                at = x if x in acting else y
                out[(ev.t, tuple(sorted((x, y))), ev.kind, ev.reason, at, ev.direct)] += 1
    return out


def peak_per_speaker(sim: Sim) -> dict[str, F]:
    """Peak queue delay of every speaker (a lumped node's value for each member)."""
    return {m: v for key, v in sim.peak_delay.items() for m in members(sim, key)}


def compact(shards: list[dict[str, object]], *, hold: int | F = 90,
            keepalive: int | F | None = None,
            connect_retry: int = 2, spines: dict[str, object] | None = None,
            profiles: dict[str, dict[str, object]] | None = None) -> str:
    """A compact zone file's text."""
    def flow(d: dict[str, object]) -> str:
        return "{" + ", ".join(f"{k}: {v}" for k, v in d.items()) + "}"
    timers: dict[str, object] = {"hold": hold, "connect_retry": connect_retry}
    if keepalive is not None:
        timers["keepalive"] = keepalive
    lines = ["zone: t", f"timers: {flow(timers)}"]
    if profiles:
        lines.append("profiles:")
        lines += [f"  {name}: {flow(p)}" for name, p in profiles.items()]
    if spines:
        lines.append(f"spines: {flow(spines)}")
    lines.append("shards:")
    lines += [f"  - {flow(s)}" for s in shards]
    return "\n".join(lines) + "\n"


@st.composite
def small_zones(draw: st.DrawFn, profiles: tuple[str, ...] = BUILTIN, max_clients: int = 4,
                max_shards: int = 2) -> tuple[str, list[tuple[list[str], list[str]]], bool]:
    """A small compact zone: its text, per shard (RR names, client names), has spines."""
    spines = draw(st.booleans())
    shards, names = [], []
    for i in range(draw(st.integers(1, max_shards))):
        n, rrs = draw(st.integers(1, max_clients)), draw(st.integers(1, 2))
        shards.append({"name": f"s{i}", "rrs": rrs, "clients": n,
                       "rr_profile": draw(st.sampled_from(profiles)),
                       "client_profile": draw(st.sampled_from(profiles)),
                       "cluster_id": draw(st.sampled_from(["shared", "per-rr"])),
                       "routes_per_client": draw(st.integers(0, 2000))})
        names.append(([f"s{i}-rr{k}" for k in range(1, rrs + 1)],
                      [f"s{i}-c{k}" for k in range(1, n + 1)]))
    hold = draw(st.sampled_from([3, 9, 30]))
    sp = {"count": 1, "profile": draw(st.sampled_from(profiles))} if spines else None
    return compact(shards, hold=hold, spines=sp, profiles=EXACT_PROFILES), names, spines


# Variants with other costs (FRR/BIRD semantics with cost_tx_peer_route 1/64 instead of 0.02)
# and an FRR with rx fifo, so random zones also meet RRs whose hold timers can expire.
EXACT_PROFILES = {
    "frrx": {"base": "frr", "cost_tx_peer_route": 0.015625},
    "frrfifo": {"base": "frr", "keepalive_rx": "fifo", "cost_tx_peer_route": 0.015625},
    "birdx": {"base": "bird", "cost_tx_peer_route": 0.015625},
}


@st.composite
def triggers(draw: st.DrawFn, names: list[tuple[list[str], list[str]]], spines: bool,
             kinds: tuple[str, ...] = ("flap", "spike", "restart"),
             max_t: int = 300) -> list[Trigger]:
    """One or two triggers on the zone's speakers."""
    out = []
    for _ in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(kinds))
        t = F(draw(st.integers(1, max_t)), 10)
        rrs, clients = draw(st.sampled_from(names))
        if kind == "flap":
            if spines and draw(st.booleans()):
                a, b = "spine1", draw(st.sampled_from(rrs))
            else:
                a, b = draw(st.sampled_from(rrs)), draw(st.sampled_from(clients))
            out.append(Trigger("flap", t, a, b, down_for=F(draw(st.integers(0, 5)))))
        elif kind == "spike":
            out.append(Trigger("spike", t, draw(st.sampled_from(rrs + clients)),
                               work=F(draw(st.integers(1, 2_000_000)))))
        else:
            out.append(Trigger("restart", t, draw(st.sampled_from(rrs + clients))))
    return out


# -- 1. work is conserved --------------------------------------------------------------------
#
# The exact invariant, derived from the code. Work enters a node's FIFO as a batch (all
# items that arrive at one instant, or one piece of local work: UPDATEs to build, a
# KEEPALIVE the main loop must produce) with ``work_arrived += w`` and a ``complete`` event
# at ``done = max(now, busy_until) + w / C``; ``work_served += w`` only when that event is
# applied, i.e. a batch counts as served when it is finished, not progressively. Hence, after
# every step, with P = the batches of the node's current epoch still waiting in the event
# queue (d_1 <= ... <= d_k their completion times, w_i their work):
#
#     work_arrived == work_served + sum(w_i)                                   (exact)
#     busy_until == d_k, and sum_{i>=2} w_i == C (busy_until - d_1)  (the FIFO never idles)
#     fluid queue C max(0, busy_until - now) == sum(w_i) - C (now - (d_1 - w_1/C))
#
# so the fluid queue (the backlog as a flow) equals the unfinished work minus the part of the head
# batch already processed: 0 <= sum(w_i) - C max(0, busy_until - now) <= w_1, with equality
# on the left whenever no batch is part-way (e.g. right after a completion). A restart bumps
# the epoch, voids P (``work_dropped += sum(w_i)``) and sets work_arrived := work_served.


def _pending(sim: Sim) -> dict[str, list[tuple[F, int, F]]]:
    out: dict[str, list[tuple[F, int, F]]] = {k: [] for k in sim.nodes}
    for _key, t, _prio, seq, event in sim.heap:
        if isinstance(event, BatchDone) and event.epoch == sim.nodes[event.key].epoch:
            out[event.key].append((t, seq, event.work))
    for v in out.values():
        v.sort()
    return out


def _due(sim: Sim, t: F | int) -> bool:
    """An event is due at or before ``t``."""
    due = sim.next_event_time()
    return due is not None and due <= t


def check_conservation(sim: Sim, horizon: int) -> int:
    """Step to ``horizon`` checking the invariant after every event; return the steps."""
    pending = _pending(sim)
    before = {k: (n.work_served, n.work_arrived + n.work_dropped, n.work_dropped, n.epoch)
              for k, n in sim.nodes.items()}
    steps = 0
    while _due(sim, horizon):
        sim.step()
        steps += 1
        now_pending = _pending(sim)
        for key, node in sim.nodes.items():
            cap = F(str(node.profile.capacity))
            p = now_pending[key]
            queued = sum((w for _, _, w in p), F(0))
            assert node.work_arrived == node.work_served + queued, (key, sim.now)
            fluid = cap * max(F(0), node.busy_until - sim.now)
            if p:
                (d1, _, w1), (dk, _, _) = p[0], p[-1]
                assert node.busy_until == dk
                assert sum((w for _, _, w in p[1:]), F(0)) == cap * (node.busy_until - d1)
                assert queued - fluid == cap * (sim.now - (d1 - w1 / cap))
                assert 0 <= queued - fluid <= w1
            else:
                assert fluid == 0
            assert sim.peak_delay[key] >= node.busy_until - sim.now
            served0, total0, dropped0, epoch0 = before[key]
            assert node.work_served >= served0
            assert node.work_arrived + node.work_dropped >= total0
            if node.epoch == epoch0:
                assert node.work_dropped == dropped0
            else:  # restarted in this step: exactly the unfinished batches are lost
                lost = sum((w for _, _, w in pending[key]), F(0))
                assert node.work_dropped - dropped0 == lost
            before[key] = (node.work_served, node.work_arrived + node.work_dropped,
                           node.work_dropped, node.epoch)
        pending = now_pending
    return steps


@hsettings(25)
@given(data=st.data())
def test_work_is_conserved_at_every_event(data: st.DataObject) -> None:
    text, names, spines = data.draw(small_zones(profiles=(*BUILTIN, "frrfifo")))
    trig = data.draw(triggers(names, spines, max_t=200))
    sim = Sim(load_zone(text), trig)
    assert check_conservation(sim, 40) > 0


def test_work_conservation_survives_a_restart_mid_backlog() -> None:
    """A restart while a backlog is queued: the lost work is exactly what was unfinished."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "appliance", "clients": 3,
                     "routes_per_client": 100}], hold=9)
    sim = Sim(load_zone(text), [Trigger("spike", F(1), "a-rr1", work=F(40_000)),
                                Trigger("restart", F(2), "a-rr1")])
    check_conservation(sim, 20)
    # The spike is ONE batch (2 s at 20,000/s): half done at the restart, but a batch is only
    # counted served when finished, so all of it is lost with the process.
    assert sim.nodes["a-rr1"].work_dropped == 40_000


# -- 2. a zone at rest never resets ----------------------------------------------------------


@st.composite
def zones_at_rest(draw: st.DrawFn) -> str:
    """Compact zones with any built-in profiles, hold times (0 = no keepalives) and sizes."""
    hold = draw(st.sampled_from([0, 3, 9, 30, 90, 180]))
    ka = None if hold == 0 else draw(st.integers(1, hold // 3))
    shards = []
    for i in range(draw(st.integers(1, 3))):
        sh_hold = draw(st.sampled_from([None, 0, 3, 9, 60, 240]))
        sh: dict[str, object] = {
            "name": f"s{i}", "rrs": draw(st.integers(1, 3)),
            "clients": draw(st.integers(1, 1000)),
            "routes_per_client": draw(st.integers(0, 300)),
            "rr_profile": draw(st.sampled_from(BUILTIN)),
            "client_profile": draw(st.sampled_from(BUILTIN)),
            "cluster_id": draw(st.sampled_from(["shared", "per-rr"]))}
        if sh_hold is not None:
            sh["timers"] = f"{{hold: {sh_hold}}}"
        shards.append(sh)
    spines: dict[str, object] | None = draw(st.sampled_from(
        [None, {"count": 1}, {"count": 2, "profile": "appliance"}]))
    return compact(shards, hold=hold, keepalive=ka, spines=spines)


@hsettings(30)
@given(text=zones_at_rest(), horizon=st.integers(1, 300))
def test_zone_at_rest_never_resets(text: str, horizon: int) -> None:
    zone = load_zone(text)
    sim = Sim(zone, [])
    sim.run(horizon)
    assert sim.events == []
    assert sim.clients_isolated() == 0
    assert sim.unreachable_pairs()[0] == 0
    for key, node in sim.nodes.items():
        assert node.work_dropped == 0
        # KEEPALIVE work only: far below one keepalive interval even for 1,000 clients.
        assert sim.peak_delay[key] < 1, key


def test_zone_at_rest_long_horizon_fr_par_like() -> None:
    """The built-in zone, 600 s at rest: nothing happens but keepalives."""
    sim = Sim(load_zone_file("builtin:fr-par-like"), [])
    sim.run(600)
    assert sim.events == []
    assert max(sim.peak_delay.values()) < F(1, 10)


# -- 3. the spike bound ----------------------------------------------------------------------
#
# One RR (rx `fifo`, capacity C, cost_msg m = 1), N clients (frr), hold H, keepalive K;
# KI = min(K, H/3) is the interval in use (RFC 4271 §10). Every session starts Established
# at t = 0 with its HoldTimer due at H and KeepaliveTimer at KI. The clients' KEEPALIVEs
# leave at k KI (their queues are empty) and reach the RR at a_k = k KI + d (d = 1 ms) as
# ONE batch of N m units, served in N m / C: the RR's hold timer for them restarts at
# s_k = a_k + N m / C (s_0 = 0: the timers started at t = 0).
#
# A spike of W units arrives at T. Let k0 = the last k with a_k < T (a KEEPALIVE arriving at
# the same instant as the trigger queues behind it), B = max(T, s_k0) the start of the
# spike's service. The next KEEPALIVE batch (a_{k0+1} >= T) is served at
# c = max(a_{k0+1}, B + W/C) + N m/C, and the hold timer is due at s_k0 + H. A completion
# and a timer at the same instant: the completion goes first. Later batches then follow
# each other within KI <= H/3 and cannot expire. So, EXACTLY:
#
#     the RR's hold timers expire  <=>  B + W/C + N m/C > s_k0 + H
#                                  <=>  W > C (s_k0 + H - B - N m / C) =: W*.
#
# For a spike that starts on an idle RR after at least one KEEPALIVE (B = T, k0 >= 1):
#     expiry  <=>  W / C > H - (T - a_k0),
# where T - a_k0 in (0, KI] is the age of the last KEEPALIVE that got through. Hence the
# rough bound is tight at both ends: W/C <= H - KI never expires, W/C > H always
# does. All N sessions go at once (they share the KEEPALIVE batch), with reason
# hold_timer_expired AT THE RR: with tx `priority` (or `fifo`: a spike is not UPDATE work
# for any peer) the RR's own KEEPALIVEs still leave on time, so the clients' hold timers
# keep being restarted. With rx `io-thread` (the reader restarts the hold timer on
# receipt) or `rearm-on-backlog` (the queued KEEPALIVE re-arms it) nothing expires.
# Work is exact (a spike of 5/2 units is 5/2 units: test_spike_work_is_not_truncated), so
# the tests hit the bound exactly: W = W* must not expire, W = W* + 1/1000 must.


def spike_zone(rx: str, tx: str, *, n: int, cap: int, hold: int, keepalive: int,
               routes: int = 0) -> str:
    return compact([{"name": "a", "rrs": 1, "rr_profile": "rr", "clients": n,
                     "routes_per_client": routes}], hold=hold, keepalive=keepalive,
                   profiles={"rr": {"base": "frr", "keepalive_rx": rx, "keepalive_tx": tx,
                                    "capacity": cap}})


def spike_threshold(*, n: int, cap: int, hold: int, keepalive: int, t: F) -> F:
    """W* of the derivation above (rx fifo; cost_msg 1)."""
    ki = min(F(keepalive), F(hold, 3))
    serve = F(n, cap)
    k0 = 0
    while (k0 + 1) * ki + D < t:
        k0 += 1
    s_k0 = k0 * ki + D + serve if k0 >= 1 else F(0)
    b = max(t, s_k0)
    return cap * (s_k0 + hold - b - serve)


@st.composite
def spike_cases(draw: st.DrawFn) -> dict[str, object]:
    hold = draw(st.integers(3, 120))
    keepalive = draw(st.integers(1, hold))
    ki = min(F(keepalive), F(hold, 3))
    cap = draw(st.integers(1_000, 200_000))
    n = draw(st.integers(1, 200))
    assume(F(n, cap) < ki / 2)  # KEEPALIVE batches do not queue behind each other at rest
    t = F(draw(st.integers(1, 4 * hold * 1000)), 1000)
    return {"n": n, "cap": cap, "hold": hold, "keepalive": keepalive, "t": t,
            "routes": draw(st.integers(0, 200))}


def run_spike(text: str, t: F, work: int | F, horizon: F | int) -> Sim:
    sim = Sim(load_zone(text), [Trigger("spike", t, "a-rr1", work=F(work))])
    sim.run(horizon)
    return sim


@hsettings(60)
@given(case=spike_cases(), tx=st.sampled_from(["priority", "fifo"]))
def test_spike_bound_rx_fifo_exact_both_sides(case: dict[str, object], tx: str) -> None:
    n, cap, hold, ka, t = (case["n"], case["cap"], case["hold"], case["keepalive"], case["t"])
    assert isinstance(t, F) and isinstance(n, int) and isinstance(cap, int)
    assert isinstance(hold, int) and isinstance(ka, int)
    w_star = spike_threshold(n=n, cap=cap, hold=hold, keepalive=ka, t=t)
    below, above = w_star, w_star + F(1, 1000)
    assume(below >= 0)
    text = spike_zone("fifo", tx, n=n, cap=cap, hold=hold, keepalive=ka,
                      routes=int(case["routes"]))  # type: ignore[call-overload]
    horizon = t + F(above, cap) + 2 * hold
    quiet = run_spike(text, t, below, horizon)
    assert down(quiet) == [], f"W={below} <= W*={w_star} must not expire"
    loud = run_spike(text, t, above, horizon)
    first = down(loud)[0]
    assert (first.kind, first.reason, first.at, first.direct) == \
        ("down", "hold_timer_expired", "a-rr1", False)
    assert first.count == n  # every client at once
    assert first.session == (f"[a-c1..a-c{n}]~a-rr1" if n > 1 else "a-c1~a-rr1")
    # It fires at the deadline set by the last KEEPALIVE served before the spike.
    ki = min(F(ka), F(hold, 3))
    k0 = max([k for k in range(0, int(t / ki) + 2) if k == 0 or k * ki + D < t])
    s_k0 = k0 * ki + D + F(n, cap) if k0 else F(0)
    assert first.t == s_k0 + hold


@pytest.mark.parametrize(("t", "age"), [(F(21, 2), F(1499, 1000)), (F(12), F(2999, 1000)),
                                        (F(12, 1) + D, F(3))])
def test_spike_bound_rough_bound_is_tight(t: F, age: F) -> None:
    """H = 9, KI = 3, C = 1000, N = 5: the threshold is H - age of the last KEEPALIVE.

    At T = 12 + d the KEEPALIVE of 12 + d arrives with the spike but queues behind it, so the
    last one through is 9 + d: age = KI and the bound is exactly H - KI = 6 s of work.
    """
    text = spike_zone("fifo", "priority", n=5, cap=1000, hold=9, keepalive=3)
    w_star = 1000 * (9 - age)
    assert spike_threshold(n=5, cap=1000, hold=9, keepalive=3, t=t) == w_star
    assert w_star.denominator == 1
    assert down(run_spike(text, t, int(w_star), t + 30)) == []
    assert len(down(run_spike(text, t, int(w_star) + 1, t + 30))) >= 1
    # the rough bound: never below H - KI, always above H
    assert not down(run_spike(text, t, 6000, t + 30))
    assert down(run_spike(text, t, 9001, t + 30))


@hsettings(30)
@given(case=spike_cases(), factor=st.integers(1, 20))
def test_spike_io_thread_priority_or_rearm_resets_nothing(case: dict[str, object],
                                                         factor: int) -> None:
    n, cap, hold, ka, t = (case["n"], case["cap"], case["hold"], case["keepalive"], case["t"])
    assert isinstance(t, F) and isinstance(n, int) and isinstance(cap, int)
    assert isinstance(hold, int) and isinstance(ka, int)
    work = factor * cap * hold  # up to 20 hold times of work
    for rx, tx in (("io-thread", "priority"), ("rearm-on-backlog", "fifo")):
        text = spike_zone(rx, tx, n=n, cap=cap, hold=hold, keepalive=ka)
        sim = run_spike(text, t, work, t + F(work, cap) + 2 * hold)
        assert sim.events == [], (rx, tx)
        assert sim.queue_delay("a-rr1") <= F(n, cap)  # served; at most a KEEPALIVE batch left


def test_spike_bound_appliance_who_expires_first() -> None:
    """Appliance RR (rx fifo, tx main-loop: its own KEEPALIVEs wait in the FIFO too).

    N = 5, C = 20,000 (N/C = 0.25 ms), H = 9, K = 3, spike at T = 10.5. Exact derivation:
    - The RR's KeepaliveTimer fires, the main loop builds the KEEPALIVEs (N units, 0.25 ms)
      and sending restarts the timer (RFC 4271 §8.2.2), so its keepalives leave at
      j (K + N/C): 3.00025, 6.0005, 9.00075; the next timer, 12.00075, is behind the spike.
    - Clients: the RR's KEEPALIVE of 9.00075 reaches them at 9.00175 and is served at
      9.0017625 (1 unit at 80,000/s): their hold timers are due at 18.0017625. After the
      spike the RR sends at T + W/C + 0.00025, served at T + W/C + 0.0012625 by the clients:
      the clients expire iff W/C > 7.5005, i.e. W > 150,010.
    - RR: the clients' KEEPALIVEs of 9.001 are served at 9.00125 (due 18.00125); those of
      12.001 wait behind the spike AND the RR's own send queued at 12.00075: served at
      T + W/C + 0.0005, so the RR expires iff W/C > 7.50075, i.e. W > 150,015.
    So just above the bound the CLIENTS' hold timers expire (150,011..150,015), and for
    W >= 150,016 the RR's own timer, due 0.5 ms earlier, fires first. Either way all 5
    sessions reset together, and the rough bound H - K < W/C <= H holds.
    """
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "appliance", "clients": 5,
                     "routes_per_client": 0}], hold=9, keepalive=3)
    t = F(21, 2)
    assert down(run_spike(text, t, 150_010, 60)) == []
    for w, at, when in ((150_011, "[a-c1..a-c5]", F("18.0017625")),
                        (150_015, "[a-c1..a-c5]", F("18.0017625")),
                        (150_016, "a-rr1", F("18.00125")),
                        (9 * 20_000 + 1, "a-rr1", F("18.00125"))):
        first = down(run_spike(text, t, w, 60))[0]
        assert (first.t, first.at, first.reason, first.count) == \
            (when, at, "hold_timer_expired", 5), w


def test_spike_bound_every_client_explicit() -> None:
    """Explicit run (one node per client): every one of the N sessions resets, same instant."""
    text = spike_zone("fifo", "priority", n=4, cap=1000, hold=9, keepalive=3)
    t = F(21, 2)
    w = int(spike_threshold(n=4, cap=1000, hold=9, keepalive=3, t=t)) + 1
    sim = Sim(load_zone(text), [Trigger("spike", t, "a-rr1", work=F(w))], expand=True)
    sim.run(30)
    first = [e for e in down(sim) if e.t == down(sim)[0].t]
    assert sorted(e.session for e in first) == [f"a-c{i}~a-rr1" for i in range(1, 5)]
    assert {(e.reason, e.at) for e in first} == {("hold_timer_expired", "a-rr1")}


def test_spike_work_is_not_truncated() -> None:
    """Regression: a spike's work was truncated to an integer (int(trig.work))."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "slow", "clients": 1,
                     "routes_per_client": 0}], profiles={"slow": {"base": "frr", "capacity": 1}})
    sim = Sim(load_zone(text), [Trigger("spike", F(1), "a-rr1", work=F(5, 2))])
    sim.run(1)
    assert sim.nodes["a-rr1"].work_arrived == F(5, 2)
    assert sim.queue_delay("a-rr1") == F(5, 2)


# -- 4. single tier: more capacity or a longer hold never adds a reset ------------------------
#
# One shard, 1-2 RRs, no spines; the same flaps and spikes (spikes of 0.2-3 hold times of
# work, around the bound of section 3) on a weaker and a stronger zone (capacity x2..x10, or
# hold +1..+60 s with the same keepalive). Over a FINITE horizon, Hypothesis found that no
# raw comparison is monotone, for reasons that are not engine bugs (pinned below):
#   - the number of down events: the weaker zone may keep a session down until the horizon
#     (it cannot reset again) while the stronger one brings it back and loses it again;
#   - the time of the first cascade reset: a hold timer restarts when the KEEPALIVE batch is
#     SERVED, so a slower RR restarts it later and it expires later;
# What holds, and is tested (on the whole horizon, whether or not the weaker zone has
# ridden the event out by then):
#   (a) no cascade reset in the weaker zone  =>  none in the stronger one, and
#   (b) every session that ever went down (for any reason) in the stronger zone also went
#       down in the weaker one.
# Caveat: a stronger RR also gets through its backlog sooner, so at a finite horizon it
# could in principle reach a starving fan-out that the weaker one only reaches after the
# horizon. The one case Hypothesis found was the stale End-of-RIB bug (fixed; see
# test_stronger_rr_keeps_the_flapped_clients_routes_stale); 300 further examples on the
# fixed engine found none. The zones are stable at rest (KEEPALIVE load at most half of
# each RR's capacity): above that both fail on their own.


class Livelock(Exception):
    """The simulation stopped advancing time (the OpenSent re-arm bug, regression test below)."""


def run_guarded(sim: Sim, horizon: int | F, same_instant: int = 20_000) -> None:
    """``sim.run(horizon)``, but raise Livelock after ``same_instant`` events at one time."""
    same, last = 0, None
    while _due(sim, horizon):
        sim.step()
        if sim.now == last:
            same += 1
            if same > same_instant:
                raise Livelock(f"stuck at t={sim.now}")
        else:
            same, last = 0, sim.now


@st.composite
def single_tier(draw: st.DrawFn) -> dict[str, object]:
    ka = draw(st.integers(1, 10))
    p: dict[str, object] = {
        "rr": draw(st.sampled_from(BUILTIN)), "client": draw(st.sampled_from(BUILTIN)),
        "n": draw(st.integers(1, 120)), "rrs": draw(st.integers(1, 2)),
        "routes": draw(st.integers(0, 200)), "cap": draw(st.integers(100, 50_000)),
        "ka": ka, "hold": draw(st.integers(3 * ka, 3 * ka + 30)),
        "cid": draw(st.sampled_from(["shared", "per-rr"]))}
    # KEEPALIVEs in and out of each RR per second, cost 1 each: at most half its capacity.
    assume(2 * p["n"] * p["rrs"] / ka <= p["cap"] / 2)  # type: ignore[operator]
    return p


def single_tier_zone(p: dict[str, object], *, cap: int | None = None,
                     hold: int | None = None) -> str:
    return compact([{"name": "a", "rrs": p["rrs"], "rr_profile": "rr",
                     "client_profile": p["client"], "clients": p["n"],
                     "routes_per_client": p["routes"], "cluster_id": p["cid"]}],
                   hold=hold if hold is not None else p["hold"],  # type: ignore[arg-type]
                   keepalive=p["ka"],  # type: ignore[arg-type]
                   profiles={"rr": {"base": p["rr"],
                                    "capacity": cap if cap is not None else p["cap"]}})


@st.composite
def single_tier_triggers(draw: st.DrawFn, p: dict[str, object]) -> list[Trigger]:
    out = []
    rrs, n, cap = p["rrs"], p["n"], p["cap"]
    assert isinstance(rrs, int) and isinstance(n, int) and isinstance(cap, int)
    hold = p["hold"]
    assert isinstance(hold, int)
    for _ in range(draw(st.integers(1, 2))):
        t = F(draw(st.integers(1, 300)), 10)
        rr = f"a-rr{draw(st.integers(1, rrs))}"
        if draw(st.booleans()):
            out.append(Trigger("flap", t, rr, f"a-c{draw(st.integers(1, n))}"))
        else:
            holds = F(draw(st.integers(2, 30)), 10)
            out.append(Trigger("spike", t, rr, work=F(int(holds * hold * cap))))
    return out


Outcome = tuple[int, "F | None", set[tuple[str, str]], bool]


def outcome(text: str, trig: list[Trigger], horizon: int = 120) -> Outcome:
    """(cascade resets, first cascade reset time, speaker pairs that ever went down,
    ridden out: every queue empty and every session Established at the horizon)."""
    sim = Sim(load_zone(text), trig)
    try:
        run_guarded(sim, horizon)
    except Livelock:
        assume(False)  # a livelock has its own regression test; not this property's business
    pairs = {k[1] for k in per_session(sim) if k[2] == "down"}
    first = min((e.t for e in down(sim, direct=False)), default=None)
    over = all(n.busy_until <= horizon for n in sim.nodes.values()) and \
        all(e.established() for e in sim.edges)
    return resets(sim), first, pairs, over  # type: ignore[return-value]


def assert_no_reset_added(weak: Outcome, strong: Outcome) -> None:
    if weak[0] == 0:
        assert strong[0] == 0, "the stronger zone has a cascade, the weaker none"
    assert strong[2] <= weak[2], f"only the stronger zone loses {strong[2] - weak[2]}"


@pytest.mark.parametrize("field", ["cap", "hold"])
@hsettings(20)
@given(data=st.data())
def test_more_capacity_or_a_longer_hold_never_adds_a_reset(field: str,
                                                          data: st.DataObject) -> None:
    """Capacity x2..x10, or hold +1..+60 s, on a single-tier zone."""
    p = data.draw(single_tier())
    trig = data.draw(single_tier_triggers(p))
    value = p[field]
    assert isinstance(value, int)
    stronger = value * data.draw(st.integers(2, 10)) if field == "cap" else \
        value + data.draw(st.integers(1, 60))
    assert_no_reset_added(outcome(single_tier_zone(p), trig),
                          outcome(single_tier_zone(p, **{field: stronger}), trig))


def test_a_busy_rr_does_not_establish_on_a_closed_connections_messages() -> None:
    """Appliance RRs at 8,656 units/s, 206 clients x 266 routes, 60 s of work at a-rr1.
    a-rr1 loses a-rr2 (hold expiry at 25 s or 56 s), gets it back at ~73 s on a fresh
    connection and loses it again. This was pinned as "the reset count is not monotone
    in the hold" (hold 56 only: back at ~94 s, reset at ~157 s): that return was the
    engine applying OPEN and KEEPALIVEs of a connection that had closed since to a new
    one, and messages built for an old connection were sent on the new one. With every
    message held to its connection, both holds give the same 414 resets."""
    p = {"rr": "appliance", "client": "frr", "n": 206, "rrs": 2, "routes": 266,
         "cap": 8656, "ka": 3, "hold": 25, "cid": "shared"}
    trig = [Trigger("spike", F(1, 5), "a-rr1", work=F(519_360))]
    weak, strong = outcome(single_tier_zone(p), trig, 200), \
        outcome(single_tier_zone(p, hold=56), trig, 200)
    assert weak[0] == strong[0] == 414 and (weak[1], strong[1]) == (25, 56)
    assert not weak[3] and not strong[3]
    for hold in (25, 56):
        sim = Sim(load_zone(single_tier_zone(p, hold=hold)), trig)
        run_guarded(sim, 200)
        rr_pair = [(e.kind, e.t) for e in sim.events if e.session == "a-rr1~a-rr2"]
        assert [k for k, _ in rr_pair] == ["down", "established", "down"]
        assert 73 < rr_pair[1][1] < 74


def test_a_restarted_process_does_not_send_its_predecessors_queue() -> None:
    """A restart loses the process's FIFO and its output queues: the fresh process's
    OPENs do not wait for 30 s of work the dead one had queued, and nothing built before
    the restart leaves on the new connections."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "slow", "clients": 2,
                     "routes_per_client": 10}], hold=9,
                   profiles={"slow": {"base": "frr", "capacity": 100}})
    sim = Sim(load_zone(text), [Trigger("flap", F(1), "a-rr1", "a-c1"),
                                Trigger("spike", F(1), "a-rr1", work=F(3000)),
                                Trigger("restart", F(2), "a-rr1")])
    run_guarded(sim, 40)
    back = {e.session: e.t for e in sim.events if e.kind == "established"}
    assert back["a-c1~a-rr1"] < 3 and back["a-c2~a-rr1"] < 4
    assert [e.kind for e in sim.events if e.session == "a-c2~a-rr1"] == ["down",
                                                                         "established"]


def test_first_reset_can_come_sooner_with_more_capacity() -> None:
    """Pinned: appliance RRs (200 vs 400 units/s), 114 appliance clients x 167 routes, hold
    34, keepalive 9; a-c114~a-rr2 flaps at 24.7 s. Both cascade; a-rr2 drops its clients at
    52.5712 s (weak) vs 52.2862 s (strong): the last KEEPALIVE batch before the burst (114
    units from the clients and a-rr1, arrived at 18.0012 s) restarted the hold timers when
    served, 114/200 s vs 114/400 s later."""
    p = {"rr": "appliance", "client": "appliance", "n": 114, "rrs": 2, "routes": 167,
         "cap": 200, "ka": 9, "hold": 34, "cid": "shared"}
    trig = [Trigger("flap", F(247, 10), "a-rr2", "a-c114")]
    weak, strong = outcome(single_tier_zone(p), trig, 150), \
        outcome(single_tier_zone(p, cap=400), trig, 150)
    assert weak[1] == F("18.0012") + F(114, 200) + 34
    assert strong[1] == F("18.0012") + F(114, 400) + 34
    assert not weak[3]


#: a-c1 flaps at 0.1 s; it is back at ~30 s and sends its table and End-of-RIB, which the
#: RR's main loop (openbgpd, behind the 49,980 units of full table it owes a-c1) reaches
#: at ~109 s; the second flap (35 s) closes that connection first, and a newer one is up
#: from ~65 s. (Until discrepancy 10 was fixed, the RR's KEEPALIVEs held behind that table
#: closed the connection instead; FRR-like senders do not hold them.)
_TWO_FLAPS = [Trigger("flap", F(1, 10), "a-rr1", "a-c1"), Trigger("flap", F(35), "a-rr1", "a-c1")]
_GR_RR = {"rr": "openbgpd", "client": "frr", "n": 239, "rrs": 1, "routes": 210, "cap": 319,
          "ka": 3, "hold": 9, "cid": "shared"}


def test_stronger_rr_keeps_the_flapped_clients_routes_stale() -> None:
    """openbgpd RR (io-thread rx, RFC 8538 helper) at 319 vs 638 units/s, 239 frr clients
    x 210 routes, hold 9, keepalive 3, the two flaps above. Before the End-of-RIB fix the
    stronger RR applied the old End-of-RIB on the newer connection, flushed a-c1's stale
    routes and re-sent to the 238 others, whose hold timers then expired (239 resets). Now
    the stale routes stay (graceful restart works as RFC 8538 says) and, for either RR, no
    session but the flapped one goes down within 150 s."""
    weak, strong = outcome(single_tier_zone(_GR_RR), _TWO_FLAPS, 150), \
        outcome(single_tier_zone(_GR_RR, cap=638), _TWO_FLAPS, 150)
    assert weak[2] == strong[2] == {("a-c1", "a-rr1")}
    assert weak[0] == strong[0] == 0


def test_rearm_on_backlog_before_open_does_not_livelock() -> None:
    # Was an engine bug (fixed): the re-arm used negotiated_hold, 0 before an OPEN.
    # FRR RR at 100 units/s, 2 clients, hold 9. At t = 1 a-c1's session flaps and 30 s of
    # work (a spike) land on the RR. a-c1 reconnects at ~2 s; the RR enters OpenSent (FRR:
    # HoldTimer = configured hold, 9 s, open_hold None) while a-c1's OPEN waits in its FIFO
    # behind the spike. At ~11 s the HoldTimer fires, pending_from[edge] > 0, so _on_timer
    # re-arms it at now + v.negotiated_hold = now + 0 (negotiated_hold is only set when an
    # OPEN is accepted): the same timer fires again at the same instant, forever (here at
    # t = 11.002). Expected: re-arm by the timer's own period (large_hold / configured hold
    # before Established), or no re-arm before Established.
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "slow", "clients": 2,
                     "routes_per_client": 10}], hold=9,
                   profiles={"slow": {"base": "frr", "capacity": 100}})
    sim = Sim(load_zone(text), [Trigger("flap", F(1), "a-rr1", "a-c1"),
                                Trigger("spike", F(1), "a-rr1", work=F(3000))])
    run_guarded(sim, 40)
    sim.run(40)
    assert sim.now == 40


def test_end_of_rib_from_a_closed_connection_does_not_flush_stale_routes() -> None:
    # Was an engine bug (fixed): the old End-of-RIB was applied on a newer connection.
    # The pinned case above, stronger RR (openbgpd: graceful_restart notification, RFC 8538).
    # The second flap (35 s) leaves a-c1's routes stale (stale timer 360 s); connection 2 is
    # up at ~65 s. At 108.77 s the RR's main loop reaches connection 1's End-of-RIB; applied,
    # it would flush a-c1's stale routes and withdraw them from the 238 other clients (49,980
    # units). Expected: what was queued on a closed connection is dropped with it (as
    # 'update' items are), and the stale routes stay until the new End-of-RIB (~187 s).
    sim = Sim(load_zone(single_tier_zone(_GR_RR, cap=638)), _TWO_FLAPS)
    run_guarded(sim, 110)
    edge = next(e for e in sim.edges if {e.a, e.b} == {"a-rr1", "a-c1"})
    assert edge.conn == 2  # the End-of-RIB's connection has closed (a newer one is up)
    assert sim.nodes["a-rr1"].adj_in["a-c1"], "a-c1's routes are gone before the stale timer"
    assert sim.nodes["a-rr1"].stale, "the old End-of-RIB flushed the stale routes"


# -- 5. lumped and explicit agree event by event ----------------------------------------------
#
# Random small symmetric zones (compact form, 1-4 clients per shard, every built-in profile
# plus exact-cost variants), one or two flaps and spikes anywhere (on RRs, spines and single
# clients, which splits them out of their group): the lumped run's events, expanded by their
# count, equal the explicit run's, to the last digit of the time, and so do the peak queue
# delays per speaker. Restarts have their own tests below (one is a known disagreement).
# The regression tests after the property each pin a disagreement this file found in an
# earlier version of the engine (fixed since).

LUMP_PROFILES = (*BUILTIN, "frrx", "frrfifo", "birdx")


def assert_lumped_equals_explicit(text: str, trig: list[Trigger], horizon: int = 60) -> None:
    zone = load_zone(text)
    lumped, explicit = Sim(zone, trig), Sim(zone, trig, expand=True)
    lumped.run(horizon)
    explicit.run(horizon)
    assert per_session(lumped) == per_session(explicit)
    assert peak_per_speaker(lumped) == peak_per_speaker(explicit)


@hsettings(60)
@given(data=st.data())
def test_lumped_equals_explicit(data: st.DataObject) -> None:
    text, names, spines = data.draw(small_zones(profiles=LUMP_PROFILES))
    trig = data.draw(triggers(names, spines, kinds=("flap", "spike")))
    assert_lumped_equals_explicit(text, trig)


def test_lumped_equals_explicit_cascade_example() -> None:
    """A case with resets and re-establishment (rx fifo RR, big spike) agrees too."""
    text = compact([{"name": "a", "rrs": 2, "rr_profile": "frrfifo", "clients": 3,
                     "routes_per_client": 500}], hold=9, profiles=EXACT_PROFILES)
    trig = [Trigger("spike", F(5), "a-rr1", work=F(2_000_000)),
            Trigger("flap", F(7), "a-rr2", "a-c2")]
    zone = load_zone(text)
    sim = Sim(zone, trig)
    sim.run(60)
    assert resets(sim) > 0 and any(e.kind == "established" for e in sim.events)
    assert_lumped_equals_explicit(text, trig)


def test_lumped_equals_explicit_main_loop_keepalives() -> None:
    """Regression: an appliance RR's KEEPALIVEs were one FIFO batch per session group
    (lumped) but one per session (explicit): the explicit sessions' KeepaliveTimers (restarted
    when the main loop finally sends) drifted apart and expiries moved by microseconds."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "appliance", "clients": 3,
                     "routes_per_client": 0}], hold=9, keepalive=3)
    assert_lumped_equals_explicit(text, [Trigger("spike", F(5), "a-rr1", work=F(200_000))])


def test_lumped_equals_explicit_frr_costs_are_exact() -> None:
    """Regression: tx work was float (0.25 x 117 + 0.02 x 117 x 3 = 36.269999999999996),
    so lumped and explicit runs, which add the same work in different pieces, ended 1e-17 s
    apart; times must be exact rationals."""
    text = compact([{"name": "s0", "rrs": 1, "rr_profile": "gobgp", "client_profile": "frr",
                     "cluster_id": "shared", "clients": 3, "routes_per_client": 117},
                    {"name": "s1", "rrs": 2, "rr_profile": "frr", "client_profile": "frr",
                     "cluster_id": "shared", "clients": 1, "routes_per_client": 52}],
                   hold=3, spines={"count": 1})
    trig = [Trigger("flap", F(1, 10), "spine1", "s0-rr1")]
    assert_lumped_equals_explicit(text, trig)
    sim = Sim(load_zone(text), trig)
    sim.run(60)
    assert all(v.denominator < 10**12 for v in sim.peak_delay.values())


def test_lumped_equals_explicit_update_group_on_establish() -> None:
    """Regression: the full table sent on Established was one batch (one update-group build)
    per session: after an RR restart, 2 clients back at the same instant cost two builds
    explicit (2 x (0.25 x 152 + 1/64 x 152)), one lumped (0.25 x 152 + 1/64 x 152 x 2)."""
    text = compact([{"name": "s0", "rrs": 2, "rr_profile": "frrx",
                     "client_profile": "openbgpd", "clients": 2, "routes_per_client": 76}],
                   hold=3, profiles=EXACT_PROFILES)
    assert_lumped_equals_explicit(text, [Trigger("restart", F(1, 10), "s0-rr1")])


def test_lumped_equals_explicit_own_routes_via_spine() -> None:
    """Regression: the lumped count assumed a group never gets its own routes back, but an RR
    whose best path came over another session reflects them to their originators too (RFC
    4456 only spares the sender). Here gobgp RR s0-rr1 restarts and learns its clients' routes
    via spine1 (from s0-rr2) before they are back (gobgp idle hold 5 s): then it sends each
    client both routes (4 units), not just its sibling's (2 units)."""
    text = compact([{"name": "s0", "rrs": 2, "rr_profile": "gobgp", "client_profile": "gobgp",
                     "cluster_id": "per-rr", "clients": 2, "routes_per_client": 1}],
                   hold=3, spines={"count": 1, "profile": "frrx"}, profiles=EXACT_PROFILES)
    assert_lumped_equals_explicit(text, [Trigger("restart", F(1, 10), "s0-rr1")])


def test_lumped_equals_explicit_restart_frr_rr() -> None:
    """A restart of an FRR RR (which sends clients their own routes back anyway) agrees."""
    text = compact([{"name": "s0", "rrs": 2, "rr_profile": "frrx", "client_profile": "frrx",
                     "clients": 3, "routes_per_client": 76}], hold=3, spines={"count": 1},
                   profiles=EXACT_PROFILES)
    assert_lumped_equals_explicit(text, [Trigger("restart", F(1, 10), "s0-rr1")])


def test_lumped_equals_explicit_restart_rr_without_advertise_to_sender() -> None:
    """Regression: after an RR restart its peers sized DELETE_ROUTES with the restarted RR's
    (cleared) best_edge, so a lumped client group 'deleted' its own routes, which it never
    received: gobgp RR (advertise_to_sender off), 2 frr clients x 1 route, each holding only
    its sibling's route; lumped cleared 2 units per client, explicit 1."""
    text = compact([{"name": "s0", "rrs": 1, "rr_profile": "gobgp", "client_profile": "frr",
                     "clients": 2, "routes_per_client": 1}], hold=3)
    assert_lumped_equals_explicit(text, [Trigger("restart", F(1, 10), "s0-rr1")])


# -- 6. the built-in fr-par-like zone: the incident's shape ------------------------------------
#
# Flap spine1~b-rr1 at t = 30. spine1 loses b-rr1's 60,000 routes (400 x 150), then gets them
# back ~4 s later; every leaf RR's best path for them changes twice (withdraw to spine2's copy,
# then back to spine1's). FRR RRs build one UPDATE per update-group (a few seconds of work at
# 80,000/s at most, and rearm-on-backlog keeps their hold timers alive). The appliance RRs of
# shard a send a copy per client: 60,000 x 800 = 4.8e7 units at 20,000/s, i.e. ~2,400 s of one
# FIFO in which their KEEPALIVEs (rx fifo, tx main-loop) also wait. The spines' and clients'
# hold timers for a-rr1/a-rr2 were last restarted by a KEEPALIVE that left before the burst
# reached the appliance (less than one keepalive interval, 30 s, before t = 30), so they expire
# between 30 + (H - K) = 90 s and about 30 + H = 120 s, plus the few ms the burst takes to
# arrive: the first reset is in [90, 150] (here 120.001: the last KEEPALIVE was the one of t=30).


@pytest.fixture(scope="module")
def fr_par_flap() -> Sim:
    sim = Sim(load_zone_file("builtin:fr-par-like"), [Trigger("flap", F(30), "spine1", "b-rr1")])
    sim.run(200)
    return sim


def test_fr_par_like_frr_shards_and_spines_stay_up(fr_par_flap: Sim) -> None:
    sim = fr_par_flap
    appliance = {"a-rr1", "a-rr2"}
    for e in down(sim):
        if not set(e.session.split("~")) & appliance and "[a-c1..a-c800]" not in e.session:
            assert e.direct and e.session == "b-rr1~spine1" and e.reason == "trigger", e
    assert [e.session for e in down(sim, direct=True)] == ["b-rr1~spine1"]
    back = [e for e in sim.events if e.session == "b-rr1~spine1" and e.kind == "established"]
    assert back and back[0].t < 30 + 10


def test_fr_par_like_appliance_shard_resets(fr_par_flap: Sim) -> None:
    sim = fr_par_flap
    cascade = down(sim, direct=False)
    assert {e.session for e in cascade} == {
        "a-rr1~spine1", "a-rr1~spine2", "a-rr2~spine1", "a-rr2~spine2",
        "[a-c1..a-c800]~a-rr1", "[a-c1..a-c800]~a-rr2"}
    assert {e.reason for e in cascade} == {"hold_timer_expired"}
    assert resets(sim) == 4 + 2 * 800
    first = min(e.t for e in cascade)
    assert 30 + 60 <= first <= 30 + 120
    assert sim.clients_isolated() == 800  # every hypervisor of shard a has lost both RRs
    assert sim.peak_delay["a-rr1"] > 1000  # the appliance FIFO: tens of minutes of work
    assert max(v for k, v in sim.peak_delay.items() if not k.startswith(("a-", "[a-"))) < 60


# -- 7. what an operator also wants ------------------------------------------------------------


def small_frr(rrs: int = 2, clients: int = 4) -> str:
    return compact([{"name": "a", "rrs": rrs, "clients": clients, "routes_per_client": 100}],
                   hold=9, connect_retry=2)


def test_flap_down_for_holds_the_session_down() -> None:
    t, held = F(10), F(20)
    sim = Sim(load_zone(small_frr()), [Trigger("flap", t, "a-rr1", "a-c2", down_for=held)])
    sim.run(60)
    mine = [e for e in sim.events if e.session == "a-c2~a-rr1"]
    assert mine[0].kind == "down" and mine[0].t == t and mine[0].direct
    up = [e for e in mine if e.kind == "established"]
    assert up, "the session comes back"
    assert up[0].t >= t + held
    assert up[0].t <= t + held + 2 + 1 + 1  # one connect-retry (2 s) + idle hold + exchange
    assert resets(sim) == 0


def test_flap_without_hold_down_comes_back_after_idle_hold() -> None:
    sim = Sim(load_zone(small_frr()), [Trigger("flap", F(10), "a-rr1", "a-c2")])
    sim.run(60)
    up = [e for e in sim.events if e.kind == "established"]
    assert len(up) == 1 and F(11) <= up[0].t <= F(12)  # FRR start timer 1 s, then OPENs
    assert resets(sim) == 0
    assert sim.clients_isolated() == 0 and sim.unreachable_pairs()[0] == 0


def test_restart_drops_and_recovers_every_session_of_the_speaker() -> None:
    sim = Sim(load_zone(small_frr()), [Trigger("restart", F(10), "a-rr1")])
    isolated = 0
    while _due(sim, 60):
        sim.step()
        isolated = max(isolated, sim.clients_isolated())
    dropped = down(sim)
    assert {e.session for e in dropped} == {"a-rr1~a-rr2", "[a-c1..a-c4]~a-rr1"}
    assert all(e.t == 10 and e.direct and e.reason == "trigger" and e.at == "a-rr1"
               for e in dropped)
    assert {e.session for e in sim.events if e.kind == "established"} == \
        {e.session for e in dropped}
    assert isolated == 0  # the other RR keeps every client connected
    assert sim.unreachable_pairs()[0] == 0


def test_restart_of_the_only_rr_isolates_its_clients_until_back() -> None:
    sim = Sim(load_zone(small_frr(rrs=1)), [Trigger("restart", F(10), "a-rr1")])
    seen = []
    while _due(sim, 60):
        sim.step()
        seen.append((sim.now, sim.clients_isolated(), sim.unreachable_pairs()[0]))
    assert max(i for _, i, _ in seen) == 4
    assert max(u for _, _, u in seen) == 4 * 3  # every ordered client pair
    assert seen[-1][1:] == (0, 0)


@pytest.mark.parametrize("profile", ["frr20k", "appliance"])
def test_same_spike_frr_rr_survives_appliance_rr_resets(profile: str) -> None:
    """Same capacity (20,000/s), same 800 clients, same spike of 2 hold times of work."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": profile, "clients": 800,
                     "routes_per_client": 150}], hold=90, keepalive=30,
                   profiles={"frr20k": {"base": "frr", "capacity": 20_000}})
    sim = Sim(load_zone(text), [Trigger("spike", F(45), "a-rr1", work=F(2 * 90 * 20_000))])
    sim.run(400)
    if profile == "frr20k":
        assert sim.events == []
    else:
        first = down(sim)[0]
        assert (first.count, first.reason, first.direct) == (800, "hold_timer_expired", False)
        # The clients expire: the appliance's own KEEPALIVEs (built by its main loop, 800
        # units = 40 ms) are stuck behind the spike. The last one through left at 30.04 s and
        # was served by the clients at 30.04 + d + 1/80,000: their hold ends 90 s later.
        assert first.at == "[a-c1..a-c800]"
        assert first.t == 30 + F(800, 20_000) + D + F(1, 80_000) + 90


def test_simulation_is_deterministic() -> None:
    text = small_frr(clients=20)
    trig = [Trigger("flap", F(3), "a-rr1", "a-c7"), Trigger("spike", F(4), "a-rr2",
                                                              work=F(500_000))]
    runs = []
    for _ in range(2):
        sim = Sim(load_zone(text), trig)
        sim.run(120)
        runs.append(([e.as_json() for e in sim.events], dict(sim.peak_delay), sim.processed))
    assert runs[0] == runs[1]


def test_explicit_zone_two_rrs_one_shared_client() -> None:
    """An explicit zone (speakers + sessions) runs like its compact twin."""
    explicit = """
zone: twin
timers: {hold: 9, connect_retry: 2}
speakers:
  - {name: rr1, routes: 0}
  - {name: rr2, routes: 0}
  - {name: h1, routes: 50}
  - {name: h2, routes: 50}
sessions:
  - {peers: [rr1, rr2]}
  - {rr: rr1, client: h1}
  - {rr: rr1, client: h2}
  - {rr: rr2, client: h1}
  - {rr: rr2, client: h2}
"""
    trig = [Trigger("flap", F(5), "rr1", "h1")]
    sim = Sim(load_zone(explicit), trig)
    sim.run(30)
    assert next((e.t, e.session, e.kind) for e in sim.events) == (F(5), "h1~rr1", "down")
    assert resets(sim) == 0 and sim.clients_isolated() == 0
    assert_lumped_equals_explicit(explicit, trig, 30)


def test_rearm_on_backlog_in_open_sent_makes_progress() -> None:
    """Regression: an FRR RR whose HoldTimer expires in OpenSent (nothing negotiated yet)
    with that peer's input still queued must re-arm by the hold in use, not by 0 (which
    looped forever at one instant on a 50,000-client zone)."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 10}], hold=9, keepalive=3)
    sim = Sim(load_zone(text), [Trigger("spike", F(1), "a-rr1", work=F(80_000 * 30)),
                                Trigger("restart", F(2), "a-c1")])
    steps = 0
    while _due(sim, 120):
        sim.step()
        steps += 1
        assert steps < 100_000, "stuck at one instant"
    assert sim.now >= 100


# -- open engine issues found late (strict xfail: the suite stays green, the lead decides) ----


def _flap_behind_spike() -> Sim:
    """FRR RR at 100 units/s, 2 clients x 10 routes, hold 9 (keepalive 3): a-c1's session
    flaps at 1 s while 30 s of work (a spike) land on the RR at the same instant."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "slow", "clients": 2,
                     "routes_per_client": 10}], hold=9,
                   profiles={"slow": {"base": "frr", "capacity": 100}})
    sim = Sim(load_zone(text), [Trigger("flap", F(1), "a-rr1", "a-c1"),
                                Trigger("spike", F(1), "a-rr1", work=F(3000))])
    run_guarded(sim, 40)
    return sim


def test_messages_of_a_closed_connection_do_not_reach_the_next_one() -> None:
    # a-c1 reconnects at 2 s and sends OPEN (connection 1); the RR's FIFO holds it behind the
    # spike until ~31 s. a-c1's OpenSent hold timer expires at 11.003 s: it sends NOTIFICATION
    # 4 and closes connection 1; it tries again on connection 2 (12.005 s, same fate at
    # 21.005 s) and 3 (23.007 s). At 31.137 s the RR's main loop reaches connection 1's OPEN
    # and KEEPALIVEs and goes Established on connection 3 (31.147 s) with messages the peer
    # sent on connection 1, then reaches connection 1's NOTIFICATION and drops the session at
    # 31.307 s ("notification_received"): that was the engine until messages carried their
    # connection. Real stacks discard a closed socket's unread input: a message read after a
    # newer connection opened is dropped (checking the FSM state was not enough: the new
    # connection's Established satisfies it).
    sim = _flap_behind_spike()
    bad = [e for e in sim.events if e.session == "a-c1~a-rr1" and e.kind == "down"
           and e.reason == "notification_received"]
    assert bad == []
    # Nor does the RR send connection 1's KEEPALIVEs, built before the close, on the new
    # connection (a KEEPALIVE in OpenSent is an FSM error): it is back by ~31.5 s.
    back = {e.session: e.t for e in sim.events if e.kind == "established"}
    assert back["a-c1~a-rr1"] < F(315, 10)


def test_frr_keepalives_do_not_wait_for_updates_not_yet_built() -> None:
    """Discrepancy 10 (docs/validation.md), fixed after the lab measured it. At 1 s the
    flap makes the RR withdraw a-c1's 10 routes from a-c2: a build queued behind the 30-s
    spike. FRR (bgpd/bgp_packet.c) appends a KEEPALIVE to the peer's output queue behind the
    UPDATEs already built, so the KEEPALIVEs of 3 s, 6 s, ... leave on time and a-c2 stays
    up. The model held them until that build was done, and a-c2's hold timer expired at
    9 s; the lab's starve-rr on 5 clients of 5,000 routes kept every session where that
    model reset five."""
    sim = _flap_behind_spike()
    assert not [e for e in sim.events if e.session == "a-c2~a-rr1"]


@pytest.mark.parametrize("profile", ["frr", "bird", "appliance"])
def test_a_keepalive_due_while_its_peers_update_waits_to_be_built(profile: str) -> None:
    """a-c1's 1,000 routes are cleared from 1 s (10 s of the RR's work at 100 units/s);
    the withdrawal to a-c2 is built after that. The KEEPALIVEs due meanwhile: FRR's
    keepalive thread (``fifo``: behind the UPDATEs already built, and none is) and BIRD
    (``priority``) send them on time, and a-c2 stays up. The appliance's main loop
    (``main-loop``) produces them only when it reaches them, behind the clear: a-c2's
    hold timer (9 s) expires first (the incident's mechanism)."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "slow", "clients": 2,
                     "routes_per_client": 1000}], hold=9,
                   profiles={"slow": {"base": profile, "capacity": 100,
                                      "graceful_restart": "off"}})
    sim = Sim(load_zone(text), [Trigger("flap", F(1), "a-rr1", "a-c1", down_for=F(100))],
              expand=True)
    arrivals: list[tuple[F, str]] = []
    orig = sim._arrive

    def spy(t: F, key: str, item: Any) -> None:
        if item.sender == "a-rr1" and key == "a-c2":
            arrivals.append((t, item.kind))
        orig(t, key, item)

    sim._arrive = spy  # type: ignore[method-assign]
    sim.run(F(20))
    keepalives = [t for t, k in arrivals if k == "keepalive"]
    downs = [(e.t, e.reason) for e in sim.events if e.session == "a-c2~a-rr1"]
    if profile == "appliance":
        assert not [t for t in keepalives if t < 11] and downs == [(9, "hold_timer_expired")]
    else:
        update = next(t for t, k in arrivals if k == "update")
        assert F(11) < update < F(14)
        assert [t for t in keepalives if t < update] == [3 + D, 6 + D, 9 + D, 12 + D]
        assert downs == []


@pytest.mark.parametrize("seconds, counts", [(F(1, 10), True), (F(95, 1000), False)])
def test_a_batch_that_waits_a_tenth_of_a_second_is_backlog(seconds: F, counts: bool) -> None:
    """Reconvergence ends when the last batch that waited at least BACKLOG_S (0.1 s, in
    model/dynamics.py) is done (Outcome.settled): a spike of exactly 0.1 s of rr1's work
    counts, one of 95 ms does not. rr1 is idle at 30 s (the lab zone at rest; 80,000
    units/s)."""
    zone = load_zone_file(str(Path(__file__).resolve().parent / "lab" / "frr-5x200.yaml"))
    sim = Sim(zone, [Trigger("spike", F(30), "rr1", work=80000 * seconds)], expand=True)
    assert sim.nodes["rr1"].capacity == 80000
    sim.run(F(40))
    assert (sim.last_backlog == 30 + seconds) is counts
    assert sim.last_backlog <= 30 + seconds


@pytest.mark.parametrize("profile", BUILTIN)
def test_a_reflected_route_is_installed_whatever_the_reader(profile: str) -> None:
    """Every built-in RR, whether its FSM reads messages in the main loop or in a reader
    thread (gobgp, openbgpd: the UPDATE's RIB work still queues, as ``update-rib``):
    after convergence each client has the others' routes, over a flap and back (bird's
    error wait keeps the flapped session down for 60 s)."""
    text = compact([{"name": "a", "rrs": 2, "rr_profile": profile, "clients": 3,
                     "routes_per_client": 5}], hold=9)
    sim = Sim(load_zone(text), [Trigger("flap", F(5), "a-rr1", "a-c1")], expand=True)
    sim.run(F(100))
    assert all(e.established() for e in sim.edges)
    for c in ("a-c1", "a-c2", "a-c3"):
        for other in ("a-c1", "a-c2", "a-c3"):
            if other != c:
                assert sim.nodes[c].adj_in[other], (profile, c, other)
        assert sim.nodes["a-rr1"].adj_routes[(c, next(
            e.index for e in sim.edges if {e.a, e.b} == {"a-rr1", c}))] == 5


def test_a_step_during_a_pause_is_still_a_step() -> None:
    """``Sim.step`` returns False only when no event is left: an event deferred by a
    pause (its process is frozen) is still taken."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 5}], hold=9)
    sim = Sim(load_zone(text), [Trigger("pause", F(10), "a-rr1", down_for=F(20))],
              expand=True)
    sim.run(F(10))
    deferred_before = len(sim.nodes["a-rr1"].deferred)
    assert all(sim.step() for _ in range(20))
    assert len(sim.nodes["a-rr1"].deferred) > deferred_before


@pytest.mark.parametrize("mode, flap_keeps, expiry_keeps",
                         [("helper", True, False), ("notification", True, True),
                          ("off", False, False)])
def test_which_drops_keep_a_peers_routes_stale(mode: str, flap_keeps: bool,
                                               expiry_keeps: bool) -> None:
    """RFC 4724 §4.2 (helper): routes are kept stale when the TCP connection fails, not
    after a NOTIFICATION such as a hold-timer expiry; RFC 8538 (notification): after both;
    off: after neither. One RR with a 20-s stale timer; a-c1's session is cut at 10 s for
    100 s (a flap), or a-c1 is frozen at 10 s (the RR's hold timer, 9 s, expires at about
    19 s and it sends a NOTIFICATION). At 25 s: does the RR still hold a-c1's routes,
    marked stale, and does a-c2 still have them? At 60 s the stale timer has withdrawn
    them everywhere (the peer never came back)."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "gr", "clients": 2,
                     "routes_per_client": 10}], hold=9,
                   profiles={"gr": {"base": "frr", "graceful_restart": mode,
                                    "stale_time": 20}})
    for trig, keeps in ((Trigger("flap", F(10), "a-rr1", "a-c1", down_for=F(100)),
                         flap_keeps),
                        (Trigger("pause", F(10), "a-c1", down_for=F(100)), expiry_keeps)):
        sim = Sim(load_zone(text), [trig], expand=True)
        rr = sim.nodes["a-rr1"]
        sim.run(F(25))
        if trig.kind == "pause":
            assert [(e.at, e.reason) for e in sim.events if e.kind == "down"] == \
                [("a-rr1", "hold_timer_expired")]
        assert bool(rr.adj_in["a-c1"]) is keeps, (mode, trig.kind)
        assert any(rr.stale.values()) is keeps, (mode, trig.kind)
        assert bool(sim.nodes["a-c2"].adj_in["a-c1"]) is keeps, (mode, trig.kind)
        sim.run(F(60))  # the stale timer (20 s) has fired in every case
        assert not rr.adj_in["a-c1"] and not any(rr.stale.values()), (mode, trig.kind)
        assert not sim.nodes["a-c2"].adj_in["a-c1"], (mode, trig.kind)


def test_a_send_restarts_the_keepalive_timer_only_in_established() -> None:
    """RFC 4271 §8.2.2: "Each time the local system sends a KEEPALIVE or UPDATE message,
    it restarts its KeepaliveTimer" is a rule of the Established state. In OpenConfirm the
    KeepaliveTimer runs from the entry into that state (its first KEEPALIVE), and a send
    there leaves it alone; once Established, every send restarts it (and the SendHoldTimer,
    RFC 9687). The lab zone (keepalive 1 s), rr1~hv1 flapped at 1 s: rr1 spends a few ms
    in OpenConfirm waiting for hv1's KEEPALIVE."""
    sim = Sim(load_zone_file(str(Path(__file__).parent / "lab" / "frr-5x200.yaml")),
              [Trigger("flap", F(1), "rr1", "hv1")], expand=True)
    e = next(e for e in sim.edges if {e.a, e.b} == {"rr1", "hv1"})
    entered = None
    while sim.step() and sim.now < 10:
        if state_of(e.fsm["rr1"]) is State.OpenConfirm:
            entered = entered if entered is not None else sim.now
            if sim.now > entered:
                break
    assert entered is not None and sim.now > entered
    v = e.fsm["rr1"]
    assert v.running[Timer.KeepaliveTimer]
    before = v.deadline[Timer.KeepaliveTimer]
    sim._note_sent(e, "rr1")
    assert e.fsm["rr1"].deadline[Timer.KeepaliveTimer] == before
    sim.run(F(20))
    v = e.fsm["rr1"]
    assert state_of(v) is State.Established and v.running[Timer.KeepaliveTimer]
    sim._note_sent(e, "rr1")
    assert e.fsm["rr1"].deadline[Timer.KeepaliveTimer] == sim.now + 1


def test_end_of_rib_flushes_the_stale_routes_a_peer_did_not_send_again() -> None:
    """RFC 4724 §4.2: when the restarted peer's End-of-RIB arrives, the helper deletes the
    routes still marked stale (the peer no longer has them). rr2 (helper, stale timer
    300 s) loses its session to rr1 from 5 s to 8 s and keeps rr1's routes stale; meanwhile
    rr1 loses hv1 (cut for 100 s). rr1 comes back with hv2's routes and End-of-RIB, not
    hv1's: rr2 keeps hv2's, drops hv1's at once (not at the stale timer) and withdraws
    them from its client hv3, which had them only through rr1."""
    text = """zone: eor
timers: {hold: 9, keepalive: 3, connect_retry: 1}
profiles:
  gr: {base: frr, graceful_restart: helper, stale_time: 300}
speakers:
  - {name: rr1, cluster_id: 1}
  - {name: rr2, profile: gr, cluster_id: 2}
  - {name: hv1, routes: 10}
  - {name: hv2, routes: 10}
  - {name: hv3, routes: 10}
sessions:
  - {peers: [rr1, rr2]}
  - {rr: rr1, client: hv1}
  - {rr: rr1, client: hv2}
  - {rr: rr2, client: hv2}
  - {rr: rr2, client: hv3}
"""
    sim = Sim(load_zone(text), [Trigger("flap", F(5), "rr1", "rr2", down_for=F(3)),
                                Trigger("flap", F(6), "rr1", "hv1", down_for=F(100))],
              expand=True)
    peer = next(e.index for e in sim.edges if {e.a, e.b} == {"rr1", "rr2"})
    rr2 = sim.nodes["rr2"]
    sim.run(F(7))
    assert rr2.stale == {peer: {"hv1", "hv2"}}
    assert peer in rr2.adj_in["hv1"] and sim.nodes["hv3"].adj_in["hv1"]
    sim.run(F(30))
    up = [e.t for e in sim.events if e.kind == "established" and e.session == "rr1~rr2"]
    assert len(up) == 1 and up[0] < 9  # back once, long before the stale timer
    assert not rr2.stale.get(peer) and peer in rr2.adj_in["hv2"]
    assert peer not in rr2.adj_in["hv1"] and not sim.nodes["hv3"].adj_in["hv1"]


def test_an_update_read_after_its_session_went_down_is_not_installed() -> None:
    """RFC 4271 §8.2.2: UPDATEs are processed in Established only. a-c1's table (1,000
    routes, after a flap at 5 s) waits in the busy RR's queue behind a 5-s spike; the
    session goes down again at 9 s for 100 s before the RR reads it. The RR (a graceful
    restart helper, stale timer 20 s) must not install it: nothing of a-c1's is in its
    Adj-RIB-In, stale or not, once the stale timer is past."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "gr", "clients": 2,
                     "routes_per_client": 1000}], hold=90, keepalive=30,
                   profiles={"gr": {"base": "frr", "graceful_restart": "helper",
                                    "stale_time": 20}})
    trig = [Trigger("flap", F(5), "a-rr1", "a-c1"),
            Trigger("spike", F(7), "a-rr1", work=F(400_000)),
            Trigger("flap", F(9), "a-rr1", "a-c1", down_for=F(100))]
    sim = Sim(load_zone(text), trig, expand=True)
    read: list[F] = []
    orig = sim._on_complete

    def spy(key: str, epoch: int, items: list[Any], work: F) -> None:
        if key == "a-rr1" and any(it.kind == "update" for it in items):
            read.append(sim.now)
        orig(key, epoch, items, work)

    sim._on_complete = spy  # type: ignore[method-assign]
    sim.run(F(40))
    assert read and min(read) > 12  # read after the spike, with the session down
    rr = sim.nodes["a-rr1"]
    assert not rr.adj_in["a-c1"] and not any(c == "a-c1" for c, _ in rr.adj_routes)
    assert not sim.nodes["a-c2"].adj_in["a-c1"]


def test_a_flap_blocks_connections_for_down_for_and_not_a_moment_more() -> None:
    """A flap's ``down_for`` refuses connections in [t, t + down_for): a SYN arriving at
    exactly t + down_for gets through. rr1~c1 flapped at 5 s: its SYN arrives at 6.001 s
    (the retry timer, 1 s, and the 1-ms link); blocked until exactly then, the session
    comes back as early as with no block at all; blocked a microsecond longer, it waits
    for the next attempt."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 1,
                     "routes_per_client": 10}], hold=9)

    def up_at(down_for: F) -> F:
        sim = Sim(load_zone(text), [Trigger("flap", F(5), "a-rr1", "a-c1",
                                            down_for=down_for)], expand=True)
        sim.run(F(40))
        return next(e.t for e in sim.events if e.kind == "established")

    free = up_at(F(0))
    assert free < 7
    assert up_at(F("1.001")) == free
    assert up_at(F("1.001001")) > free + 1


def test_a_pause_of_under_a_second_freezes_its_speaker_too() -> None:
    """Any positive pause stops the process, however short (here 0.4 s)."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 10}], hold=9)
    sim = Sim(load_zone(text), [Trigger("pause", F(10), "a-rr1", down_for=F("0.4"))],
              expand=True)
    sim.run(F("10.2"))
    assert sim.nodes["a-rr1"].paused_until == F("10.4")
    sim.run(F(11))
    assert sim.nodes["a-rr1"].paused_until <= F(11) and not sim.nodes["a-rr1"].deferred


def test_reachability_counts_client_routes_between_live_clients_only() -> None:
    """``unreachable_pairs`` counts (origin client, receiving client) pairs. An RR's own
    routes are not a client pair, and a client whose process restarted is left out as an
    origin and as a receiver (its own restart is not the outage being measured). Three
    clients of one RR that originates 5 routes: 6 pairs; a-c1 restarted at 5 s: 2 pairs
    (a-c2 and a-c3 with each other's routes), none missing while a-c1's are gone."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 3,
                     "routes_per_client": 10, "rr_routes": 5}], hold=9)
    sim = Sim(load_zone(text), [Trigger("restart", F(5), "a-c1")], expand=True)
    sim.run(F("4.9"))
    assert sim.unreachable_pairs() == (0, 6)
    sim.run(F("5.01"))
    assert not sim.nodes["a-c2"].adj_in["a-c1"]  # a-c1's routes are gone meanwhile
    assert sim.unreachable_pairs() == (0, 2)
    # A client cut from its only RR for 100 s: it and the others lack each other's
    # routes, even while a-c1, busy with a 30-s spike, has not yet removed the routes
    # it had over the session that is down (only an Established session's count).
    sim = Sim(load_zone(text), [Trigger("spike", F("4.9"), "a-c1", work=F(80000 * 30)),
                                Trigger("flap", F(5), "a-rr1", "a-c1", down_for=F(100))],
              expand=True)
    sim.run(F(10))
    assert sim.nodes["a-c1"].adj_in["a-c2"]  # not yet removed
    assert sim.unreachable_pairs() == (4, 6)  # a-c1 <-> a-c2 and a-c1 <-> a-c3


def test_the_members_of_a_lumped_group_miss_each_others_routes_when_cut_off() -> None:
    """Two clients lumped in one node are two speakers: when their only RR restarts,
    each lacks the other's routes, 2 of the 2 pairs (found by the mutant that counted a
    group's own pairs only for groups of one, which the differential search missed)."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 5}], hold=9)
    sim = Sim(load_zone(text), [Trigger("restart", F(5), "a-rr1")])
    assert [n.count for n in sim.nodes.values() if not n.is_rr] == [2]
    sim.run(F(5))
    assert sim.unreachable_pairs() == (2, 2) and sim.clients_isolated() == 2
    sim.run(F(60))
    assert sim.unreachable_pairs() == (0, 2)


def test_the_first_second_is_like_any_other() -> None:
    """Simulated time starts at 0, with the zone at rest, and nothing waits for the first
    whole second. Keepalives every 0.5 s (the format takes any seconds), a flap of rr1~h1
    at 0.25 s: h2's KEEPALIVE leaves at 0.5 s and restarts rr1's hold timer (RFC 4271
    §8.2.2); rr1's withdrawal UPDATE to h2 at 0.25 s restarts rr1's KeepaliveTimer, so
    its next KEEPALIVE reaches h2 just after 0.75 s. (Found by mutants that started the
    clock, or a session's output queue, at 1 s.)"""
    text = """
zone: early
timers: {hold: 3, keepalive: 0.5, connect_retry: 1}
speakers:
  - {name: rr1}
  - {name: h1, routes: 10}
  - {name: h2, routes: 10}
sessions:
  - {rr: rr1, client: h1}
  - {rr: rr1, client: h2}
"""
    sim = Sim(load_zone(text), [Trigger("flap", F(1, 4), "rr1", "h1", down_for=F(5))],
              expand=True)
    assert sim.now == 0
    e = next(e for e in sim.edges if {e.a, e.b} == {"rr1", "h2"})
    sim.run(F(3, 5))
    assert F("3.5") < e.fsm["rr1"].deadline[Timer.HoldTimer] < F("3.51")
    sim.run(F(4, 5))
    assert F("3.75") < e.fsm["h2"].deadline[Timer.HoldTimer] < F("3.8")


def test_a_session_with_hold_time_zero_comes_back_after_a_flap() -> None:
    """RFC 4271 §4.2 / §6.2: a Hold Time of 0 in an OPEN is valid (no hold timer, no
    KEEPALIVEs); only 1 and 2 are refused. Flapped at 5 s, the session is Established
    again with neither timer running."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 10}], hold=0)
    sim = Sim(load_zone(text), [Trigger("flap", F(5), "a-rr1", "a-c1")], expand=True)
    sim.run(F(60))
    assert [e.kind for e in sim.events] == ["down", "established"]
    e = next(e for e in sim.edges if {e.a, e.b} == {"a-rr1", "a-c1"})
    for v in e.fsm.values():
        assert state_of(v) is State.Established and v.negotiated_hold == 0
        assert not v.running[Timer.HoldTimer] and not v.running[Timer.KeepaliveTimer]


def test_a_notification_read_as_the_connection_closes_still_ends_the_session() -> None:
    """TCP delivers the data before the FIN: a NOTIFICATION its peer sent just before
    closing is read, by a reader thread at once. For an RFC 4724 helper that is the
    difference between deleting the routes (the session ended with a NOTIFICATION) and
    keeping them stale (a bare TCP failure). An RR that reads in a thread but sends from
    its main loop is buried under a spike at 5 s: its KEEPALIVEs stop, both clients'
    hold timers (9 s) expire at about 12 s, and their NOTIFICATIONs reach it first."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "x", "clients": 2,
                     "routes_per_client": 10}], hold=9,
                   profiles={"x": {"base": "appliance", "keepalive_rx": "io-thread",
                                   "graceful_restart": "helper", "stale_time": 100}})
    sim = Sim(load_zone(text), [Trigger("spike", F(5), "a-rr1", work=F(10**9))],
              expand=True)
    sim.run(F(30))
    assert sorted((e.at, e.reason) for e in sim.events if e.kind == "down") == \
        [("a-c1", "hold_timer_expired"), ("a-c2", "hold_timer_expired")]
    assert not any(sim.nodes["a-rr1"].stale.values())


def test_without_client_to_client_reflection_an_rr_reflects_only_other_routes_to_clients(
) -> None:
    """RFC 4456 §5 (``no bgp client-to-client reflection``): shard a's RR does not reflect
    one client's routes to another, but still reflects to its clients what it learned
    from a non-client (the spine: shard b's routes), and still sends its clients' routes
    up. At rest, and again after a-c1's session flaps and comes back."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "bird", "clients": 2,
                     "routes_per_client": 10, "client_to_client": "false"},
                    {"name": "b", "rrs": 1, "rr_profile": "bird", "clients": 1,
                     "routes_per_client": 10}], hold=9, spines={"count": 1, "profile": "bird"})
    sim = Sim(load_zone(text), [Trigger("flap", F(5), "a-rr1", "a-c1")], expand=True)

    def learned() -> dict[str, list[str]]:
        return {k: sorted(c for c in sim.classes if sim.nodes[k].adj_in[c])
                for k in ("a-c1", "a-c2", "b-c1")}

    expected = {"a-c1": ["b-c1"], "a-c2": ["b-c1"], "b-c1": ["a-c1", "a-c2"]}
    sim.run(F(1))
    assert learned() == expected
    sim.run(F(150))
    assert [e.kind for e in sim.events] == ["down", "established"]
    assert learned() == expected


def test_every_speaker_with_a_route_is_an_origin_and_only_those() -> None:
    """A route class per speaker that originates at least one route: one route is
    enough, none is not (hv3 originates nothing, so it is a receiver only: 4 client
    pairs, hv1 and hv2 each to the two others)."""
    text = """zone: origins
timers: {hold: 9}
speakers:
  - {name: rr1}
  - {name: hv1, routes: 1}
  - {name: hv2, routes: 1}
  - {name: hv3, routes: 0}
sessions:
  - {rr: rr1, client: hv1}
  - {rr: rr1, client: hv2}
  - {rr: rr1, client: hv3}
"""
    sim = Sim(load_zone(text), [], expand=True)
    sim.run(F(1))
    assert sim.classes == ["hv1", "hv2"]
    assert sim.unreachable_pairs() == (0, 4)
    assert sim.nodes["hv3"].adj_in["hv1"] and sim.nodes["hv3"].adj_in["hv2"]


def test_frr_re_arms_a_hold_timer_only_for_input_from_that_peer() -> None:
    """FRR since 7.5 re-arms a hold timer while the peer's own input is still queued
    (bgpd/bgp_fsm.c); other work does not count. a-c1 is frozen at 10 s (its KEEPALIVEs
    stop) while the RR takes a 60-s spike: the RR's hold timer for a-c1 (9 s) expires at
    about 18 s, not when the spike is done. a-c2, whose KEEPALIVEs queue behind the spike,
    keeps its session (its input re-arms the timer)."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 10}], hold=9)
    sim = Sim(load_zone(text), [Trigger("pause", F(10), "a-c1", down_for=F(100)),
                                Trigger("spike", F(10), "a-rr1", work=F(80000 * 60))],
              expand=True)
    sim.run(F(100))
    assert [(e.session, e.kind, e.reason, e.at) for e in sim.events] == \
        [("a-c1~a-rr1", "down", "hold_timer_expired", "a-rr1")]
    assert 18 <= sim.events[0].t < 19


def test_a_zone_with_no_timers_and_no_trigger_has_nothing_to_do() -> None:
    """Hold time 0 everywhere (no KEEPALIVEs, no hold timers) and no trigger: the event
    queue is empty from the start, and ``step`` says so."""
    text = compact([{"name": "a", "rrs": 1, "rr_profile": "frr", "clients": 2,
                     "routes_per_client": 10}], hold=0)
    sim = Sim(load_zone(text), [], expand=True)
    assert sim.next_event_time() is None and sim.step() is False
    sim.run(F(3600))
    assert sim.now == 3600 and sim.events == []


# -- clear: an operator's `clear bgp B` on A (ManualStop, then ManualStart) ---------------------


def _clear_steps(client_profile: str) -> tuple[Sim, list[tuple[F, str, str, str, str, str]]]:
    """a-rr1 (FRR) runs `clear bgp a-c2` at 10 s; every FSM step of that session, as
    (time, end, event, state before, state after, reason), up to 30 s."""
    text = compact([{"name": "a", "rrs": 1, "clients": 3, "routes_per_client": 100,
                     "client_profile": client_profile}], hold=9, connect_retry=2)
    sim = Sim(load_zone(text), [Trigger("clear", F(10), "a-rr1", "a-c2")])
    steps: list[tuple[F, str, str, str, str, str]] = []
    fsm = sim._fsm

    def spy(e: Any, key: str, event: Any, **kw: Any) -> None:
        before = state_of(e.fsm[key])
        fsm(e, key, event, **kw)
        if "a-c2" in (e.a, e.b) and sim.now >= 10:
            steps.append((sim.now, key, event.name, before.value, state_of(e.fsm[key]).value,
                          kw.get("reason", "")))

    sim._fsm = spy  # type: ignore[method-assign]
    sim.run(30)
    return sim, steps


@pytest.mark.parametrize("client_profile", ["gobgp", "frr"])
def test_clear_stops_and_starts_one_end_and_the_other_reads_the_notification(
        client_profile: str) -> None:
    """`clear bgp a-c2` on a-rr1 at 10 s (FRR's peer_clear, bgpd/bgpd.c: NOTIFICATION
    Cease, subcode Administrative Reset, RFC 4486 §4; RFC 4271 §6.7).

    a-rr1, at 10 s exactly: ManualStop (Event 2) takes Established to Idle (RFC 4271
    §8.2.2 Established: send NOTIFICATION Cease, code 6, release, drop TCP), and
    ManualStart (Event 1) takes Idle to Connect (§8.2.2 Idle: initiate TCP) at once.
    a-c2, one link delay later: nothing from the trigger itself. Its NOTIFICATION
    arrives by the message path, once, with code 6 (Event 25). A reader thread (gobgp,
    ``io-thread``) hands it to the FSM before the close: Established -> Idle on NotifMsg
    (§8.2.2 Established, Event 25). A FIFO reader (FRR here, ``rearm-on-backlog``) sees
    the close first (Event 18, Established -> Idle) and the NOTIFICATION in Idle, where
    it is ignored (§8.2.2 Idle: other events). Either way a-c2 restarts after its
    IdleHoldTime (§8.1.1 AllowAutomaticStart, the profile's ``idle_hold_initial``) and
    both ends are Established again. The drop is the trigger's own (``direct``,
    ``trigger``, at a-rr1): no reset counts as a cascade."""
    sim, steps = _clear_steps(client_profile)
    assert steps[:2] == [(10, "a-rr1", "ManualStop", "Established", "Idle", ""),
                         (10, "a-rr1", "ManualStart", "Idle", "Connect", "")]
    at_b = [s for s in steps if s[1] == "a-c2"]
    notif = [s for s in at_b if s[2] == "NotifMsg"]
    assert len(notif) == 1 and notif[0][5] == "NOTIFICATION 6"  # Cease
    assert 10 + D <= notif[0][0] < 10 + 2 * D
    first = at_b[0]
    assert first[0] == 10 + D and first[3:5] == ("Established", "Idle")
    if client_profile == "gobgp":
        assert first[2] == "NotifMsg"
    else:
        assert first[2] == "TcpConnectionFails" and notif[0][3:5] == ("Idle", "Idle")
    idle_hold = F(str(sim.nodes["a-c2"].profile.idle_hold_initial))
    restart = next(s for s in at_b if s[2] == "IdleHoldTimer_Expires")
    assert restart[0] == 10 + D + idle_hold and restart[3:5] == ("Idle", "Connect")
    mine = [e for e in sim.events if e.session == "a-c2~a-rr1"]
    assert [(e.kind, e.t, e.reason, e.at, e.direct) for e in mine[:1]] == \
        [("down", 10, "trigger", "a-rr1", True)]
    assert [e.kind for e in mine] == ["down", "established"]
    assert restart[0] < mine[1].t < restart[0] + 1
    assert all(state_of(v) is State.Established
               for e in sim.edges for v in e.fsm.values())
    assert resets(sim) == 0 and sim.clients_isolated() == 0
