"""TCP back-pressure and the send side: each session direction's buffers, the sender's
output that waits for room, and a receiver that reads only as fast as it processes
(docs/model.md, "TCP back-pressure and the send side").

A message written to a socket reaches the receiver one link delay later, into its socket;
the receiver reads it (into its FIFO, or to its FSM at once with an ``io-thread`` reader)
while its unprocessed input from that peer is under its receive buffer (``recv_buffer``);
what it has not read stays in its socket, in order. A sender writes while what it wrote
and the receiver has not read is under the two buffers (``send_buffer`` +
``recv_buffer``); what it has built and cannot write waits in its output queue, where a
KEEPALIVE takes its place by the profile's ``keepalive_queue``: behind every UPDATE built
(GoBGP, pkg/server/fsm.go ``sendMessageloop``), behind at most ``out_queue_limit`` UPDATE
messages (OpenBGPD's wbuf; FRR's obuf, bgpd/bgp_packet.c ``bgp_keepalive_send``,
``bgp_generate_updgrp_packets``), or ahead of every UPDATE not yet written (BIRD,
proto/bgp/packets.c ``bgp_fire_tx``), never ahead of what the socket holds. Only a write
restarts the sender's SendHoldTimer (RFC 9687 §4), so a sender that can write nothing for
its SendHoldTime closes the session (:mod:`.timers`).

The unit of transfer is the model's item (one route class's UPDATEs to one peer, or one
session message): an item is written once the socket has any room, and read once the
reader's unprocessed input is under its receive buffer, so a buffer holds at least one
item and exceeds its size by at most one. When no buffer ever fills, every message is
written when it is sent and read when it arrives, as without this layer.
"""

from __future__ import annotations

from typing import Any

from .state import Edge, F, Pipe, WorkItem
from .timers import Timers

#: Bytes of a session message on the wire (RFC 4271 §4.1-§4.5: the 19-byte header, plus
#: an OPEN's fixed 10 bytes and its capabilities, assumed 35 bytes; a NOTIFICATION's 2;
#: an End-of-RIB is an empty UPDATE, 23 bytes, RFC 4724 §2).
MESSAGE_BYTES = {"keepalive": 19, "open": 64, "notification": 21, "eor": 23}
#: What an ``io-thread`` reader hands to its FSM at once (no queued work is left of it).
_AT_ONCE = ("open", "keepalive", "notification")


class Transport(Timers):
    """Each session direction's socket buffers and the sender's output queue."""

    def _pipe(self, e: Edge, key: str) -> Pipe:
        """``key``'s direction of ``e``'s current connection (a new connection starts
        with empty buffers: the old socket's are gone with it)."""
        p = self._pipes.get((e.index, key))
        if p is None or p.conn != e.conn:
            sender, receiver = self.nodes[key], self.nodes[e.other(key)]
            n = sender.count
            rcv = receiver.profile.recv_buffer
            p = self._pipes[(e.index, key)] = Pipe(
                e.index, key, e.conn, ((sender.profile.send_buffer + rcv) * n, rcv * n),
                _whole(sender.profile.route_bytes),
                {kind: size * n for kind, size in MESSAGE_BYTES.items()},
                receiver.profile.keepalive_rx == "io-thread")
        return p

    def _put(self, e: Edge, key: str, it: WorkItem) -> None:
        """``key`` sends ``it`` on ``e``: written now if the socket has room and nothing
        of this session waits before it, else queued per ``keepalive_queue``. A
        NOTIFICATION that cannot be written is lost: the connection closes behind it
        (RFC 9687 §4 notes it may never reach a peer that does not read)."""
        if not self._bp:
            self._on_wire(e, key, it)
            return
        p = self._pipes.get((e.index, key))
        if p is None or p.conn != e.conn:
            p = self._pipe(e, key)
        # An UPDATE item's routes are summed over the sender's members already.
        it.wire = p.route_bytes * it.routes if it.kind == "update" else p.sizes[it.kind]
        if not p.out and p.kernel < p.kernel_cap:
            p.kernel += it.wire
            self._on_wire(e, key, it)
            return
        kind = it.kind
        if kind == "notification":
            return
        if kind in ("update", "eor"):
            p.out.append(it)
            return
        if kind == "keepalive" and any(q.kind == "keepalive" for q in p.out):
            return  # one KEEPALIVE waits at a time (a flag in BIRD; a ticker's dropped ticks)
        profile = self.nodes[key].profile
        if profile.keepalive_queue == "behind-built":
            p.out.append(it)
            return
        limit = 0 if profile.keepalive_queue == "first" else profile.out_queue_limit
        per_update = F(1, profile.routes_per_update)
        seen: Any = 0
        pos = len(p.out)
        for j, q in enumerate(p.out):
            if q.kind in ("update", "eor"):
                if seen >= limit:
                    pos = j
                    break
                seen += (q.routes * per_update) / self.nodes[key].count \
                    if q.kind == "update" else 1
        p.out.insert(pos, it)

    def _on_wire(self, e: Edge, key: str, it: WorkItem) -> None:
        """``it`` is written: it reaches the other end one link delay later; a write
        restarts the sender's SendHoldTimer and KeepaliveTimer (End-of-RIB aside)."""
        other = e.other(key)
        self._arrive(self.now + self.link_delay, other, it)
        if it.kind == "update":
            (self.announced if it.path is not None else self.withdrawn)[(other, key)] += \
                it.routes
        if it.kind != "eor":
            self._note_sent(e, key)

    def _drain(self, p: Pipe) -> None:
        """The sender writes what waits while its socket has room (not while paused;
        what was made for a closed connection is gone with it)."""
        if not p.out:
            return
        key = p.sender
        if self._paused and self.nodes[key].paused_until > self.now:
            return  # it writes when it wakes (:meth:`_drain_all`)
        e = self.edges[p.edge]
        if e.conn != p.conn or e.tcp is None:
            p.out.clear()
            return
        while p.out and p.kernel < p.kernel_cap:
            it = p.out.popleft()
            if it.kind in ("update", "eor") and e.tcp != "up":
                continue
            p.kernel += it.wire
            self._on_wire(e, key, it)

    def _drain_all(self, key: str) -> None:
        """``key`` woke from a pause: it writes what waited for it."""
        for i in self.edges_of[key]:
            p = self._pipes.get((i, key))
            if p is not None:
                self._drain(p)

    def _gate(self, key: str, items: list[WorkItem]) -> list[WorkItem]:
        """Of what reached ``key`` now, what it reads: each session's messages in order,
        while its unprocessed input from that peer is under its receive buffer; the rest
        waits in its socket."""
        out: list[WorkItem] = []
        pipes = self._pipes
        for it in items:
            wire = it.wire
            if not wire:
                out.append(it)
                continue
            p = pipes.get((it.edge, it.sender))
            if p is None or p.conn != it.conn:
                out.append(it)  # a closed connection's: read (and dropped) as before
                continue
            if p.unread or not p.app < p.app_cap:
                p.unread.append(it)
                continue
            # read (as :meth:`_read_one`, inline: this runs for every message)
            p.kernel -= wire
            if not (p.at_once and it.kind in _AT_ONCE):
                p.app += wire
            out.append(it)
            if p.out:
                self._drain(p)
        return out

    def _read_one(self, key: str, p: Pipe, it: WorkItem) -> None:
        """``key`` reads ``it`` off its socket: the bytes leave the socket, and count as
        unprocessed input until the work they make is done (none is left of a session
        message an ``io-thread`` reader hands to its FSM)."""
        p.kernel -= it.wire
        if not (p.at_once and it.kind in _AT_ONCE):
            p.app += it.wire

    def _processed(self, key: str, items: list[WorkItem]) -> list[WorkItem]:
        """A batch of ``key`` completed: its input's bytes are processed, so it reads what
        waited in its sockets (returned, to be read now) and the senders write more."""
        freed: Pipe | list[Pipe] | None = None
        pipes = self._pipes
        for it in items:
            wire = it.wire
            if not wire:
                continue
            p = pipes.get((it.edge, it.sender))
            if p is None or p.conn != it.conn:
                continue
            p.app -= wire
            if freed is None:
                freed = p
            elif freed is not p:
                if isinstance(freed, Pipe):
                    freed = [freed]
                if p not in freed:
                    freed.append(p)
        if freed is None:
            return []
        read: list[WorkItem] = []
        for p in (freed,) if isinstance(freed, Pipe) else freed:
            if p.unread:
                while p.unread and p.app < p.app_cap:
                    it = p.unread.popleft()
                    self._read_one(key, p, it)
                    read.append(it)
            if p.out:
                self._drain(p)
        return read


def _whole(x: float) -> int | F:
    """A profile's byte count as the run computes on it: a whole number as an ``int``
    (the common case, and the fastest), else its exact decimal value."""
    return int(x) if x == int(x) else F(str(x))


__all__ = ["MESSAGE_BYTES", "Transport"]
