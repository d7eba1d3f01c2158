"""TCP back-pressure and the send side (docs/model.md, "TCP back-pressure and the send
side"; RFC 9687).

A receiver reads a session's bytes only as fast as it processes them; what it has not
read fills the two socket buffers; the sender's built UPDATEs then wait, with its
KEEPALIVEs behind them (GoBGP) or ahead of them (BIRD), but never ahead of what the socket
holds; and a sender that can write nothing for its SendHoldTime closes the session.
"""

from __future__ import annotations

import json
from fractions import Fraction as F
from typing import Any

import pytest

from bgpcascade.model.dynamics import SessionEvent, Sim, Trigger
from bgpcascade.model.sim.state import Edge, WorkItem
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import session_name
from bgpcascade.model.trace import simulate
from bgpcascade.model.zonefile import load_zone

HOLD = 9


def star(rr: str, slow: str, *, routes: int, capacity: int, clients: int = 3,
         rr_extra: str = "") -> str:
    """One RR (profile base ``rr``), a client ``c1`` that processes ``capacity`` units
    per second (profile base ``slow``), and ``clients`` others of ``routes`` routes each.
    Graceful restart is off (a flap withdraws the routes) and a dropped session restarts
    after 1 s."""
    others = "".join(f"  - {{name: c{i}, profile: fast, routes: {routes}}}\n"
                     for i in range(2, clients + 2))
    sessions = "".join(f"  - {{rr: rr, client: c{i}}}\n" for i in range(1, clients + 2))
    return f"""zone: bp
timers: {{hold: {HOLD}, keepalive: 3, connect_retry: 2}}
profiles:
  fast: {{base: {rr}, graceful_restart: "off", idle_hold_initial: 1{rr_extra}}}
  slow: {{base: {slow}, capacity: {capacity}, graceful_restart: "off"}}
speakers:
  - {{name: rr, profile: fast, cluster_id: 1}}
  - {{name: c1, profile: slow, routes: 10}}
{others}sessions:
{sessions}"""


class Watched(Sim):
    """The simulator, recording every write to a socket (time, session, writer, kind)
    and, at every write, the kinds waiting in each of the writer's output queues."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.writes: list[tuple[F, str, str, str]] = []
        self.waiting: list[tuple[str, ...]] = []
        super().__init__(*args, **kwargs)

    def _on_wire(self, e: Edge, key: str, it: WorkItem) -> None:
        self.writes.append((self.now, session_name(e.a, e.b), key, it.kind))
        super()._on_wire(e, key, it)

    def _put(self, e: Edge, key: str, it: WorkItem) -> None:
        super()._put(e, key, it)
        p = self._pipes.get((e.index, key))
        if p is not None and p.out:
            self.waiting.append(tuple(q.kind for q in p.out))


def run(text: str, triggers: list[Trigger], horizon: int = 60) -> Watched:
    sim = Watched(load_zone(text), triggers, expand=True)
    sim.run(horizon)
    return sim


def downs(sim: Sim) -> list[SessionEvent]:
    return [e for e in sim.events if e.kind == "down"]


#: Three clients of 6,000 routes (192,000 bytes each at 32 bytes a route) flap at 5 s:
#: the RR withdraws them from c1, one item after another.
FLAPS = [Trigger("flap", F(5), "rr", f"c{i}", down_for=F(1)) for i in (2, 3, 4)]


def test_gobgp_keepalives_stuck_behind_built_updates_expire_an_io_thread_reader(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """GoBGP RR, GoBGP client c1 that processes 100 routes/s. c1's reader restarts its
    hold timer on receipt (``io-thread``), but it reads only as fast as it processes:
    with 6,000 routes unprocessed from the RR it reads nothing for a minute, the RR's
    KEEPALIVEs wait in its socket and behind built UPDATEs, and c1's hold timer expires.
    Without back-pressure the same run resets nothing at c1."""
    text = star("gobgp", "gobgp", routes=6000, capacity=100)
    sim = run(text, FLAPS)
    at_c1 = [e for e in downs(sim) if e.session == "c1~rr"]
    assert at_c1, downs(sim)
    first = at_c1[0]
    assert (first.reason, first.at) == ("hold_timer_expired", "c1")
    assert not first.direct
    # The RR's output to c1 held a KEEPALIVE behind a built UPDATE, unwritten.
    assert any("keepalive" in w and "update" in w[:w.index("keepalive")]
               for w in sim.waiting), sim.waiting
    # c1 heard nothing from the RR for the hold time: its last read was HOLD before.
    assert first.t >= F(5) + HOLD

    monkeypatch.setattr(Sim, "BACKPRESSURE", False)
    plain = run(text, FLAPS)
    assert not [e for e in downs(plain) if e.session == "c1~rr"]


def test_bird_keepalive_goes_first_but_never_ahead_of_the_socket() -> None:
    """BIRD (``keepalive_queue: first``): a KEEPALIVE waiting for room is ahead of every
    UPDATE not yet written, never behind one."""
    text = star("bird", "bird", routes=6000, capacity=100)
    sim = run(text, FLAPS)
    waits = [w for w in sim.waiting if "keepalive" in w]
    assert waits
    for w in waits:
        assert "update" not in w[:w.index("keepalive")], w


def test_a_bounded_queue_puts_the_keepalive_behind_at_most_its_limit() -> None:
    """``keepalive_queue: bounded`` (FRR's obuf): a KEEPALIVE waits behind at most
    ``out_queue_limit`` UPDATE messages; here 6, one item of 6,000 routes at FRR's 1,000
    routes an UPDATE, so it goes behind the first waiting item and ahead of the next."""
    text = star("frr", "frr", routes=6000, capacity=100,
                rr_extra=", out_queue_limit: 6")
    sim = run(text, FLAPS)
    waits = [w for w in sim.waiting if "keepalive" in w and len(w) > 2]
    assert waits
    for w in waits:
        assert w.index("keepalive") == 1 and w[0] == "update" and w[2] == "update", w


@pytest.mark.parametrize("impl", ["frr", "bird"])
def test_rfc9687_a_sender_whose_peer_stops_reading_closes_at_send_hold_time(
        impl: str) -> None:
    """c1's process is busy for 100 s (a spike of work) and reads nothing; its KEEPALIVEs
    still leave from their own thread, so the RR's hold timer never expires. The RR
    withdraws and re-announces 8,000 routes to c1 (a flap of c2): the first item fills
    c1's unprocessed input, the second the sockets, and then the RR can write nothing.
    Exactly SendHoldTime (2 x hold) after its last write it closes the session with the
    send-hold reason (RFC 9687 §4: NOTIFICATION Send Hold Timer Expired)."""
    text = star(impl, impl, routes=8000, capacity=80_000, clients=1)
    trig = [Trigger("spike", F(4), "c1", work=F(80_000 * 100)),
            Trigger("flap", F(5), "rr", "c2", down_for=F(1))]
    sim = run(text, trig, horizon=80)
    at_rr = [e for e in downs(sim) if e.session == "c1~rr"]
    assert at_rr, downs(sim)
    first = at_rr[0]
    assert (first.reason, first.at) == ("send_hold_timer_expired", "rr")
    last = max(t for t, s, k, _ in sim.writes if s == "c1~rr" and k == "rr" and t < first.t)
    assert first.t - last == 2 * HOLD
    assert first.t < F(4) + 100  # long before c1 would have read again


def test_nothing_changes_when_buffers_never_fill(monkeypatch: pytest.MonkeyPatch) -> None:
    """A small FRR zone with a flap: the same trace, byte for byte, with and without
    back-pressure; no message ever waited."""
    text = """zone: t
timers: {hold: 9, keepalive: 3, connect_retry: 2}
shards:
  - {name: a, rrs: 2, rr_profile: frr, clients: 5, client_profile: frr, routes_per_client: 100}
"""
    trig = [Trigger("flap", F(5), "a-rr1", "a-c1"), Trigger("restart", F(20), "a-c2")]

    def trace() -> str:
        out = simulate(load_zone(text), text, "t.yaml", trig, horizon=F(60), dt=F(1),
                       timing=Timing())
        return json.dumps(out, sort_keys=True)

    with_bp = trace()
    sim = Sim(load_zone(text), trig, timing=Timing())
    sim.run(60)
    assert sim._pipes and all(not p.out and not p.unread for p in sim._pipes.values())
    monkeypatch.setattr(Sim, "BACKPRESSURE", False)
    assert trace() == with_bp


def test_back_pressure_runs_are_deterministic() -> None:
    text = star("gobgp", "gobgp", routes=6000, capacity=100)

    def trace() -> str:
        out = simulate(load_zone(text), text, "bp.yaml", FLAPS, horizon=F(60), dt=F(1),
                       expand=True, timing=Timing(seed=7))
        return json.dumps(out, sort_keys=True)

    assert trace() == trace()


def test_a_new_connection_starts_with_empty_buffers() -> None:
    """After the reset at c1, the RR's pipe to c1 is the new connection's: nothing of
    the old one waits in it."""
    text = star("gobgp", "gobgp", routes=6000, capacity=100)
    sim = run(text, FLAPS, horizon=120)
    e = next(e for e in sim.edges if {e.a, e.b} == {"rr", "c1"})
    p = sim._pipes[(e.index, "rr")]
    assert p.conn == e.conn and e.conn > 0
