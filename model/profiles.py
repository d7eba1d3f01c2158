"""Implementation profiles: how a BGP speaker of a given implementation behaves under load.

A profile holds what differs between implementations and matters for a cascade: how much
work the speaker does per second, what a route costs to receive and to send, how it treats
KEEPALIVEs when it is busy (docs/model.md, "KEEPALIVEs and the hold timer"), its timers
beyond the negotiated hold/keepalive, and its restart backoff. Every built-in value names its source
in :attr:`Profile.sources`; the facts, each with its primary source (RFC, the daemon's
source or documentation, a public issue thread, the project's lab) or marked assumed, are
in docs/implementations.md.

Work units: 1 unit = processing one received route (``cost_rx_route`` is 1 by definition).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal, get_args

from . import rules
from .arith import PY

KeepaliveRx = Literal["fifo", "io-thread", "rearm-on-backlog"]
KeepaliveTx = Literal["fifo", "priority", "main-loop"]
GracefulRestart = Literal["off", "helper", "notification"]
#: Where a KEEPALIVE joins a session's output that waits for room in the socket (docs/model.md,
#: "TCP back-pressure and the send side").
KeepaliveQueue = Literal["behind-built", "bounded", "first"]
#: The timers an implementation may jitter (RFC 4271 §10; docs/implementations.md,
#: "Timers and jitter"), by the name a zone file uses.
JitterTimer = Literal["connect_retry", "keepalive", "hold", "idle_hold"]
JITTER_TIMERS: tuple[str, ...] = get_args(JitterTimer)
#: RFC 4271 §10: ConnectRetryTimer and KeepaliveTimer (and MRAI,
#: MinASOriginationInterval, not modelled) times a factor uniform in [0.75, 1.0].
RFC_JITTER: tuple[tuple[JitterTimer, float, float], ...] = (
    ("connect_retry", 0.75, 1.0), ("keepalive", 0.75, 1.0))

KEEPALIVE_RX_VALUES: tuple[str, ...] = get_args(KeepaliveRx)
KEEPALIVE_TX_VALUES: tuple[str, ...] = get_args(KeepaliveTx)
GRACEFUL_RESTART_VALUES: tuple[str, ...] = get_args(GracefulRestart)
KEEPALIVE_QUEUE_VALUES: tuple[str, ...] = get_args(KeepaliveQueue)
#: Linux defaults (``net.ipv4.tcp_wmem`` and ``net.ipv4.tcp_rmem``, the middle value: the
#: initial size of a socket's send and receive buffers; Documentation/networking/
#: ip-sysctl.rst). Autotuning grows them (to 4 MiB and 6 MiB) as the peer keeps up; a
#: reader that does not keep up is the case modelled, so the initial sizes are used.
LINUX_TCP_WMEM_DEFAULT = 16384
LINUX_TCP_RMEM_DEFAULT = 131072


@dataclass(frozen=True)
class Profile:
    """One implementation's behaviour, as numbers and switches.

    Attributes
    ----------
    capacity:
        Work units the speaker processes per second (its main loop, one core).
    cost_rx_route:
        Work per route received (1 by definition of the unit).
    cost_tx_route:
        Work per route sent, per update-group when ``update_groups`` is on, else per peer.
    cost_tx_peer_route:
        Extra work per route per peer when ``update_groups`` is on (packet copy, TCP write).
    cost_msg:
        Work per non-UPDATE message handled (KEEPALIVE, OPEN, NOTIFICATION).
    update_groups:
        Builds each UPDATE once per group of peers with the same outbound policy (FRR).
    routes_per_update:
        Routes packed in one UPDATE for incremental changes (message counts only).
    keepalive_rx:
        ``fifo``: the hold timer restarts only when the main loop reaches the message;
        ``io-thread``: restarts on receipt, whatever the backlog; ``rearm-on-backlog``:
        an expiring hold timer re-arms while that peer's input is still queued.
    keepalive_tx:
        ``fifo``: a KEEPALIVE (or OPEN, NOTIFICATION) leaves at its timer but behind the
        UPDATE work already queued for that peer (FRR's keepalive thread appends to the
        peer's output queue); ``priority``: it leaves at its timer (BIRD);
        ``main-loop``: the main loop itself must produce it, so it waits behind all queued
        work (a legacy stack where one FIFO serves everything: the incident's RRs).
    hold_jitter:
        The hold timer is jittered to 0.75-1.0 x negotiated (BIRD; RFC 4271 does not).
        Shorthand for a ``hold`` row of ``jitter``.
    jitter:
        Which timers are multiplied by a random factor each time they are set, and its
        range: rows ``(timer, low, high)``, timer one of ``connect_retry``,
        ``keepalive``, ``hold``, ``idle_hold`` (RFC 4271 §10 jitters ConnectRetry and
        Keepalive by [0.75, 1.0]; implementations differ: docs/implementations.md,
        "Timers and jitter"). Drawn only with spread phases (model/timing.py).
    open_hold:
        Hold timer in OpenSent (RFC 4271 §8.2.2 "large value", 4 min); ``None`` means
        the configured hold time is used (FRR).
    send_hold_factor, send_hold_min:
        RFC 9687 SendHoldTime = max(send_hold_min, send_hold_factor x hold); a factor of
        0 means no send-hold timer.
    idle_hold_initial, idle_hold_max:
        Delay before restarting after an error (IdleHoldTimer, RFC 4271 §8.1.1
        DampPeerOscillations), doubling from initial to max on repeated failures.
    graceful_restart:
        Helper behaviour for a peer's routes when the session drops: ``off`` flushes them,
        ``helper`` keeps them stale on a TCP failure only (RFC 4724), ``notification``
        also after NOTIFICATION and hold expiry (RFC 8538 N bit).
    stale_time:
        How long a graceful-restart helper keeps a peer's stale routes when the peer does
        not come back (FRR ``bgp graceful-restart stalepath-time``, default 360 s).
    advertise_to_sender:
        An RR sends a reflected route back to the client it came from as well (dropped
        there by the ORIGINATOR_ID check, but sent and counted).
    dynamic_neighbor_limit:
        Default limit of dynamic (``bgp listen range``) neighbors, if the implementation has one.
    send_buffer, recv_buffer:
        The socket's send and receive buffers, in bytes (the kernel's share of a session
        direction: what a sender may have written that the receiver has not read is at
        most the sender's ``send_buffer`` plus the receiver's ``recv_buffer``; a receiver
        reads while its unprocessed input from that peer is under its ``recv_buffer``).
        Linux defaults unless the daemon sets them (FRR: SO_SNDBUF 65536).
    route_bytes:
        Bytes one route takes in an UPDATE on the wire (its NLRI and its share of the
        header and path attributes); assumed.
    keepalive_queue:
        Where a KEEPALIVE joins output that waits for room in the socket:
        ``behind-built`` behind every UPDATE built and not yet written (GoBGP's send
        goroutine); ``bounded`` behind at most ``out_queue_limit`` UPDATE messages
        (FRR's obuf, OpenBGPD's wbuf); ``first`` ahead of every UPDATE not yet
        written (BIRD). Never ahead of what is in the socket already.
    out_queue_limit:
        ``bounded``: the UPDATE messages a KEEPALIVE may wait behind (FRR's
        ``bgp output-queue-limit``, OpenBGPD's XOFF mark).
    coalesce_time, coalesce_per_peer, coalesce_max:
        How long a speaker waits after a session is Established before it sends that peer
        its table: ``min(coalesce_max, coalesce_time + coalesce_per_peer x peers)``, peers
        being every configured neighbor. FRR's update-group coalesce timer (a new subgroup
        waits 1 s + 50 ms per peer, at most 10 s, bgpd/bgp_updgrp.h); 0 sends at once.
    """

    name: str
    implementation: str
    capacity: float
    cost_rx_route: float = 1.0
    cost_tx_route: float = 1.0
    cost_tx_peer_route: float = 0.0
    cost_msg: float = 1.0
    update_groups: bool = False
    routes_per_update: int = 100
    keepalive_rx: KeepaliveRx = "fifo"
    keepalive_tx: KeepaliveTx = "fifo"
    hold_jitter: bool = False
    jitter: tuple[tuple[JitterTimer, float, float], ...] = RFC_JITTER
    open_hold: float | None = 240.0
    send_hold_factor: float = 0.0
    send_hold_min: float = 0.0
    idle_hold_initial: float = 1.0
    idle_hold_max: float = 120.0
    graceful_restart: GracefulRestart = "off"
    stale_time: float = 360.0
    advertise_to_sender: bool = False
    dynamic_neighbor_limit: int | None = None
    coalesce_time: float = 0.0
    coalesce_per_peer: float = 0.0
    coalesce_max: float = 10.0
    send_buffer: int = LINUX_TCP_WMEM_DEFAULT
    recv_buffer: int = LINUX_TCP_RMEM_DEFAULT
    route_bytes: float = 32.0
    keepalive_queue: KeepaliveQueue = "behind-built"
    out_queue_limit: int = 10000
    description: str = ""
    sources: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)

    def send_hold_time(self, hold: float) -> float | None:
        """RFC 9687 §3 SendHoldTime for a negotiated ``hold``
        (:func:`~bgpcascade.model.rules.send_hold_in_use`); ``None`` when disabled.

        >>> BUILTIN_PROFILES["frr"].send_hold_time(9)
        18.0
        >>> BUILTIN_PROFILES["openbgpd"].send_hold_time(9)
        90.0
        >>> BUILTIN_PROFILES["gobgp"].send_hold_time(90) is None
        True
        """
        value = rules.send_hold_in_use(PY, Fraction(self.send_hold_factor),
                                       Fraction(self.send_hold_min), Fraction(hold))
        return None if value == 0 else float(value)

    def jitter_range(self, timer: JitterTimer) -> tuple[Fraction, Fraction] | None:
        """The range of the factor ``timer`` is multiplied by each time it is set, exact
        (``None``: not jittered). ``hold_jitter`` is BIRD's [0.75, 1.0] on the hold timer.

        >>> BUILTIN_PROFILES["bird"].jitter_range("hold")
        (Fraction(3, 4), Fraction(1, 1))
        """
        if timer == "hold" and self.hold_jitter:
            return Fraction(3, 4), Fraction(1)
        for name, low, high in self.jitter:
            if name == timer:
                return Fraction(str(low)), Fraction(str(high))
        return None

    def overridden(self, name: str, overrides: Mapping[str, object]) -> Profile:
        """A copy named ``name`` with ``overrides`` applied; sources say "zone file"."""
        sources = dict(self.sources)
        for key in overrides:
            sources[key] = "zone file"
        return replace(self, name=name, sources=sources, **overrides)  # type: ignore[arg-type]



_FACTS = "docs/implementations.md"
_LAB = "docs/implementations.md, FRR lab"
_WMEM = "Linux documentation, ip-sysctl: net.ipv4.tcp_wmem default 16384 (the initial size)"
_RMEM = "Linux documentation, ip-sysctl: net.ipv4.tcp_rmem default 131072 (the initial size)"

BUILTIN_PROFILES: Mapping[str, Profile] = {
    "frr": Profile(
        name="frr",
        implementation="frr",
        capacity=80_000.0,
        cost_tx_route=0.25,
        cost_tx_peer_route=0.02,
        cost_msg=1.0,
        update_groups=True,
        routes_per_update=1000,
        keepalive_rx="rearm-on-backlog",
        keepalive_tx="fifo",
        jitter=(),
        open_hold=None,
        send_hold_factor=2.0,
        idle_hold_initial=1.0,
        idle_hold_max=120.0,
        graceful_restart="off",
        advertise_to_sender=True,
        dynamic_neighbor_limit=100,
        coalesce_time=1.0,
        coalesce_per_peer=0.05,
        coalesce_max=10.0,
        send_buffer=65536,
        keepalive_queue="bounded",
        description="FRRouting bgpd (8.3+): update-groups, keepalive thread, hold re-arm "
        "on backlog",
        sources={
            "capacity": f"{_FACTS}: bgperf2, FRR 10.4 ingests 75-85k prefixes/s",
            "cost_tx_route": "estimate (update-group build per route); calibrate --frr on "
            "the lab: below about 0.3, not told apart from 0 (docs/calibration.md)",
            "cost_tx_peer_route": "estimate (per-peer packet copy); calibrate --frr on the "
            "lab: below about 0.04, not told apart from 0 (docs/calibration.md)",
            "update_groups": f"{_FACTS}: FRR update-groups build each UPDATE once per group",
            "routes_per_update": f"{_LAB}: extended messages, one client's table in one UPDATE",
            "keepalive_rx": f"{_FACTS}: since 7.5 the hold timer re-arms while input is queued",
            "keepalive_tx": f"{_FACTS}: keepalives appended to the output queue tail",
            "jitter": f"{_FACTS}, timers and jitter: no timer jittered (bgpd/bgp_fsm.c "
            "bgp_timer_set, bgpd/bgp_keepalives.c)",
            "open_hold": f"{_FACTS}: timer table, FRR uses the configured hold in OpenSent",
            "send_hold_factor": f"{_FACTS}: FRR >= 8.3 SendHoldTime = 2 x hold",
            "idle_hold_initial": f"{_FACTS}: start timer 1 s doubling to 120 s",
            "idle_hold_max": f"{_FACTS}: start timer 1 s doubling to 120 s",
            "graceful_restart": f"{_LAB}: clear and hold expiry withdraw at once by default",
            "advertise_to_sender": f"{_LAB}: RR sends each client its own routes back",
            "dynamic_neighbor_limit": f"{_FACTS}: dynamic-neighbor limit 100",
            "send_buffer": "FRR bgpd/bgp_network.h BGP_SOCKET_SNDBUF_SIZE 65536, set as "
            "SO_SNDBUF by bgp_update_sock_send_buffer_size (bgpd/bgp_network.c)",
            "recv_buffer": _RMEM,
            "route_bytes": "assumed: a prefix with its share of the UPDATE's attributes",
            "keepalive_queue": "FRR bgpd/bgp_packet.c: bgp_keepalive_send appends the "
            "KEEPALIVE to the peer's obuf, behind the UPDATEs bgp_generate_updgrp_packets "
            "built into it (write-quanta, 64, a run; runs again at once while more are "
            "built, bgp_write_proceed_actions) up to the output-queue limit",
            "out_queue_limit": "FRR bgpd/bgpd.h BM_DEFAULT_Q_LIMIT 10000 (bgp "
            "output-queue-limit, since 8.5; unbounded before)",
            "coalesce_time": "FRR bgpd/bgp_updgrp.h: subgroup coalesce time 1000 ms + 50 ms "
            "per peer, at most 10000 ms; seen in the lab (docs/validation.md)",
            "coalesce_per_peer": "FRR bgpd/bgp_updgrp.h (see coalesce_time)",
            "coalesce_max": "FRR bgpd/bgp_updgrp.h (see coalesce_time)",
        },
    ),
    "bird": Profile(
        name="bird",
        implementation="bird",
        capacity=120_000.0,
        cost_tx_route=0.25,
        cost_tx_peer_route=0.02,
        cost_msg=1.0,
        update_groups=False,
        routes_per_update=200,
        keepalive_rx="rearm-on-backlog",
        keepalive_tx="priority",
        hold_jitter=True,
        jitter=(("connect_retry", 0.75, 1.0), ("keepalive", 0.75, 1.0),
                ("hold", 0.75, 1.0), ("idle_hold", 0.75, 1.0)),
        open_hold=240.0,
        send_hold_factor=2.0,
        idle_hold_initial=60.0,
        idle_hold_max=300.0,
        graceful_restart="notification",
        advertise_to_sender=False,
        keepalive_queue="first",
        description="BIRD 2: single main loop, keepalives jump the queue, jittered hold",
        sources={
            "capacity": f"{_FACTS}: bgperf2, BIRD 2.17 10 x 100k in 8 s vs FRR 12 s",
            "cost_tx_route": "estimate: as FRR (no BIRD measurement)",
            "cost_tx_peer_route": "estimate: as FRR (no BIRD measurement)",
            "routes_per_update": f"{_FACTS}: 19,000 withdrawals in 95 UPDATEs",
            "keepalive_rx": f"{_FACTS}: overdue hold timer pushed back while input waits",
            "keepalive_tx": f"{_FACTS}: NOTIFICATION, OPEN, KEEPALIVE before UPDATEs",
            "hold_jitter": f"{_FACTS}: effective hold 0.75-1.0 x negotiated",
            "jitter": f"{_FACTS}, timers and jitter: bgp_start_timer takes T - random(T/4) "
            "for connect retry, keepalive, hold and startup delay (proto/bgp/bgp.c)",
            "open_hold": f"{_FACTS}: timer table, 240 s",
            "send_hold_factor": f"{_FACTS}: BIRD >= 2.15 2 x hold",
            "idle_hold_initial": f"{_FACTS}: ~60 s after a non-Cease NOTIFICATION",
            "idle_hold_max": f"{_FACTS}: doubling up to 300 s",
            "send_buffer": _WMEM,
            "recv_buffer": _RMEM,
            "route_bytes": "assumed: a prefix with its share of the UPDATE's attributes",
            "keepalive_queue": "BIRD proto/bgp/packets.c bgp_fire_tx: when the socket can "
            "take data, the highest-priority packet goes (NOTIFICATION > KEEPALIVE > OPEN > "
            "UPDATE); an UPDATE is built only then",
            "graceful_restart": f"{_FACTS}: LLGR peers by default, routes kept stale",
        },
    ),
    "gobgp": Profile(
        name="gobgp",
        implementation="gobgp",
        capacity=20_000.0,
        cost_tx_route=1.0,
        cost_msg=1.0,
        update_groups=False,
        routes_per_update=1,
        keepalive_rx="io-thread",
        keepalive_tx="fifo",
        jitter=(("connect_retry", 1.0, 2.0),),
        open_hold=240.0,
        send_hold_factor=0.0,
        idle_hold_initial=5.0,
        idle_hold_max=5.0,
        graceful_restart="off",
        keepalive_queue="behind-built",
        description="GoBGP 3: reader goroutine restarts hold, one prefix per UPDATE",
        sources={
            "capacity": f"{_FACTS}: ~100x BIRD's CPU for the same convergence (estimate)",
            "routes_per_update": f"{_FACTS}: one prefix per UPDATE for incremental changes",
            "keepalive_rx": f"{_FACTS}: receive goroutine restarts hold before RIB work",
            "keepalive_tx": f"{_FACTS}: per-peer ticker, no priority over queued UPDATEs",
            "jitter": f"{_FACTS}, timers and jitter: GoBGP 3 connect retry tick + "
            "random(tick) (pkg/server/fsm.go connectLoop); nothing else",
            "open_hold": f"{_FACTS}: timer table, 240 s",
            "send_hold_factor": f"{_FACTS}: GoBGP has no send-hold timer",
            "idle_hold_initial": f"{_FACTS}: idle 5 s after a dropped session "
            "(30 s after a CLI reset)",
            "send_buffer": _WMEM,
            "recv_buffer": _RMEM,
            "route_bytes": "assumed: a prefix with its share of the UPDATE's attributes",
            "keepalive_queue": "GoBGP pkg/server/fsm.go sendMessageloop: one goroutine "
            "writes each batch of outgoing paths as UPDATEs and the ticker's KEEPALIVE on "
            "one blocking socket, so a KEEPALIVE waits for the UPDATEs being written",
            "idle_hold_max": f"{_FACTS}: idle 5 s after a dropped session, no back-off",
        },
    ),
    "openbgpd": Profile(
        name="openbgpd",
        implementation="openbgpd",
        capacity=50_000.0,
        cost_tx_route=1.0,
        cost_msg=1.0,
        update_groups=False,
        routes_per_update=100,
        keepalive_rx="io-thread",
        keepalive_tx="fifo",
        jitter=(),
        open_hold=240.0,
        send_hold_factor=1.0,
        send_hold_min=90.0,
        idle_hold_initial=30.0,
        idle_hold_max=3600.0,
        graceful_restart="notification",
        keepalive_queue="bounded",
        out_queue_limit=2000,
        description="OpenBGPD: session engine process restarts hold on receipt",
        sources={
            "capacity": "estimate (no published measurement)",
            "keepalive_rx": f"{_FACTS}: session engine restarts hold on receipt",
            "keepalive_tx": "assumed: keepalives share the session's write queue",
            "jitter": f"{_FACTS}, timers and jitter: timer_set adds no random term "
            "(usr.sbin/bgpd/timer.c, session_bgp.c)",
            "open_hold": f"{_FACTS}: timer table, 240 s",
            "send_hold_factor": f"{_FACTS}: OpenBGPD SendHoldTime max(90 s, hold)",
            "send_hold_min": f"{_FACTS}: OpenBGPD SendHoldTime max(90 s, hold)",
            "idle_hold_initial": f"{_FACTS}: IdleHold 30 s doubling to 3600 s",
            "idle_hold_max": f"{_FACTS}: IdleHold 30 s doubling to 3600 s",
            "send_buffer": _WMEM,
            "recv_buffer": _RMEM,
            "route_bytes": "assumed: a prefix with its share of the UPDATE's attributes",
            "keepalive_queue": "OpenBGPD usr.sbin/bgpd/session.c: session_keepalive and "
            "session_sendmsg append KEEPALIVEs and UPDATEs alike to the peer's wbuf",
            "out_queue_limit": "OpenBGPD usr.sbin/bgpd/bgpd.h SESS_MSG_HIGH_MARK 2000: above "
            "it the session engine tells the RDE to stop sending (XOFF)",
            "graceful_restart": f"{_FACTS}: RFC 8538 N bit (OpenBGPD too)",
        },
    ),
    "appliance": Profile(
        name="appliance",
        implementation="appliance",
        capacity=20_000.0,
        cost_tx_route=1.0,
        cost_msg=1.0,
        update_groups=False,
        routes_per_update=100,
        keepalive_rx="fifo",
        keepalive_tx="main-loop",
        open_hold=240.0,
        send_hold_factor=0.0,
        idle_hold_initial=5.0,
        idle_hold_max=60.0,
        graceful_restart="off",
        keepalive_queue="behind-built",
        description="legacy virtual appliance: one FIFO serves everything (the incident's RRs)",
        sources={
            "capacity": "assumed: chosen so the built-in zone tells the incident's story "
            "(docs/model.md, 'appliance'); consistent with the incident's public timeline "
            "but not derived from it: bgpcascade fit keeps 673..286,602 units/s, FRR-class "
            "capacities included (docs/incident.md)",
            "keepalive_rx": "assumed (docs/incident.md): KEEPALIVEs wait in the UPDATEs' queue",
            "keepalive_tx": "assumed (docs/incident.md): one FIFO for everything",
            "update_groups": "assumed (docs/incident.md): each copy formatted per peer",
            "send_hold_factor": "legacy stack predates RFC 9687",
            "jitter": "assumed: RFC 4271 §10 (connect retry and keepalive, 0.75-1.0)",
            "send_buffer": "assumed: the Linux default net.ipv4.tcp_wmem 16384",
            "recv_buffer": "assumed: the Linux default net.ipv4.tcp_rmem 131072",
            "route_bytes": "assumed: a prefix with its share of the UPDATE's attributes",
            "keepalive_queue": "assumed (docs/incident.md): one FIFO for everything",
            "idle_hold_initial": "assumed: 5 s, doubling to 60 s (no published value)",
            "idle_hold_max": "assumed: 5 s, doubling to 60 s (no published value)",
        },
    ),
}


def builtin_profile(name: str) -> Profile:
    """The built-in profile ``name`` (frr, bird, gobgp, openbgpd, appliance)."""
    return BUILTIN_PROFILES[name]
