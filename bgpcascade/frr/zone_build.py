"""The zone the routers of FRR configurations make: sessions, speakers, timers, profiles.

From the :class:`~bgpcascade.frr.config_parse.Router` of each configuration, an explicit
zone (docs/zone-format.md): one speaker per router, one session per pair of routers that
declare each other, RR-client or plain iBGP by RFC 4456's ``route-reflector-client``,
timers as FRR would negotiate them (RFC 4271 §4.2), CLUSTER_IDs, each router's
``router_id`` (``bgp router-id``) and ``address`` (what its peers' ``neighbor``
statements name: the two decide ties between equal paths, RFC 4271 §9.1.2.2 (f), (g)),
the routes each router originates, graceful restart (RFC 4724, RFC 8538's N bit).
Dynamic neighbors (``bgp listen range``) come from the routers in the range when the
inputs hold them, and otherwise from the count the operator gives (``--dynamic
PREFIX=N``).

Nothing is guessed: a session only one side declares, one whose two sides disagree, an
eBGP or unnumbered neighbor, a router the inputs do not contain is a
:class:`~bgpcascade.frr.import_report.Problem` (with file:line) and is left out; so is
every setting the zone cannot hold as FRR has it (one set of timers per speaker, one
graceful-restart setting per speaker).
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bgpcascade.frr.config_parse import (
    DEFAULTS,
    LISTEN_LIMIT,
    Line,
    Neighbor,
    Router,
    canonical_ip,
)
from bgpcascade.frr.import_report import Imported, Problem
from bgpcascade.model.errors import InputError

Net = ipaddress.IPv4Network | ipaddress.IPv6Network
#: (keepalive, hold, connect retry), seconds.
Timers3 = tuple[int, int, int]


@dataclass(frozen=True)
class _Synthetic:
    """A dynamic neighbor the inputs do not contain, counted by ``--dynamic``."""

    name: str
    listeners: list[tuple[Router, str, Line]]
    #: The listen range it connects from.
    prefix: str = ""


def _best_timers(proposals: dict[str, dict[str, Timers3]], me: str,
                 default: Timers3) -> Timers3:
    """The one set of timers (keepalive, hold, connect) for speaker ``me`` that keeps the
    most of its sessions' negotiated values (ties: its router-wide setting)."""
    mine = proposals.get(me, {})

    def kept(c: Timers3) -> int:
        return sum(_effective(c, proposals[p][me]) == _effective(own, proposals[p][me])
                   and c[2] == own[2] for p, own in mine.items())

    return max(sorted(set(mine.values()) | {default}), key=lambda c: (kept(c), c == default))


def _effective(mine: tuple[int, ...], theirs: tuple[int, ...]) -> tuple[int, int]:
    """(keepalive, hold) a speaker proposing ``mine`` (keepalive, hold, ...) uses with a
    peer proposing ``theirs``: hold the smaller, 0 if either is 0 (RFC 4271 §4.2), and
    the keepalive at most a third of it (FRR, as RFC 4271 §10 suggests)."""
    hold = min(mine[1], theirs[1]) if mine[1] and theirs[1] else 0
    return (min(mine[0], hold // 3) if hold else 0, hold)


def _pair_key(a: str, b: str) -> tuple[str, str]:
    x, y = sorted((a, b))
    return x, y


def _timers_yaml(t: Timers3) -> dict[str, int]:
    """A zone file's ``timers:`` mapping from (keepalive, hold, connect retry)."""
    return {"hold": t[1], "keepalive": t[0], "connect_retry": t[2]}


def _ip_key(text: str) -> tuple[int, int]:
    """An address as the decision process compares it: IPv4 first, then by value."""
    ip = ipaddress.ip_address(text)
    return ip.version, int(ip)


class _Builder:
    """One import's zone, built step by step; every step appends to ``problems`` in the
    order the report lists them."""

    def __init__(self, routers: list[Router], dynamic: dict[str, int],
                 routes: Sequence[tuple[str, int]]) -> None:
        self.dynamic = dynamic
        self.routes = routes
        self.problems: list[Problem] = []
        # Input order does not matter.
        self.routers = sorted(routers, key=lambda r: (r.name, r.file))
        names = Counter(r.name for r in self.routers)
        for nm, k in sorted(names.items()):
            if k > 1:
                files = ", ".join(r.file for r in self.routers if r.name == nm)
                raise InputError(f"two routers named {nm!r} ({files})", field="hostname",
                                 allowed="one configuration per router, hostnames unique")
        asns = {r.asn for r in self.routers}
        # An address can be on several routers (an anycast gateway on every leaf): it
        # matters only when a neighbor names it.
        self.owners: dict[str, list[Router]] = defaultdict(list)
        for r in self.routers:
            for a in sorted(r.addresses):
                self.owners[a].append(r)
        if len(asns) > 1:
            self.problems.append(Problem("inputs", f"several ASNs "
                                         f"({', '.join(sorted(map(str, asns)))}): only iBGP "
                                         "sessions (same ASN) are modelled"))
        self.by_name = {r.name: r for r in self.routers}
        # Each router's view of each other router: its neighbor statement and where it is.
        self.views: dict[tuple[str, str], tuple[Neighbor, Line]] = {}
        self.dyn_views: dict[tuple[str, str], tuple[Neighbor, Line]] = {}
        self.dyn_prefix: dict[tuple[str, str], str] = {}
        self.live_ranges: list[tuple[Router, Net, str, Line]] = []
        self.sessions: list[dict[str, object]] = []
        self.pair_timers: dict[tuple[str, str], tuple[tuple[int, int], tuple[int, int]]] = {}
        self.synthetic: list[_Synthetic] = []
        self.extra_of: dict[str, int] = {}
        self.timers_of: dict[str, Timers3] = {}
        self.profiles: dict[str, dict[str, object]] = {}
        self.peers_of: dict[str, set[str]] = defaultdict(set)

    def problem(self, where: str, what: str) -> None:
        """Report ``what`` at ``where`` (``file:line``, files, or ``inputs``)."""
        self.problems.append(Problem(where, what))

    # -- neighbors to sessions ----------------------------------------------------------
    @staticmethod
    def not_ibgp(r: Router, n: Neighbor, peer: Router | None) -> str | None:
        """Why ``n`` at ``r`` is not an iBGP session with ``peer`` (None: it is)."""
        ras = r.attr(n, "remote_as")
        if not ras:
            return f"{r.name}: neighbor {n.key} has no remote-as"
        want = "internal" if peer is None else peer.asn
        if ras == "external" or (ras != "internal" and ras != r.asn):
            return f"{r.name}: neighbor {n.key} remote-as {ras}: not iBGP in AS {r.asn}"
        if peer is not None and peer.asn != r.asn:
            return (f"{r.name}: neighbor {n.key} is {peer.name}, in AS {want}, not "
                    f"{r.name}'s AS {r.asn}")
        if r.attr(n, "shutdown"):
            return f"{r.name}: neighbor {n.key} is shut down"
        return None

    def read_views(self) -> None:
        """Each router's neighbor statements matched to the router they name, by address."""
        for r in self.routers:
            for n in sorted(r.neighbors.values(),
                            key=lambda n: n.lines[0].no if n.lines else 0):
                if n.is_group:
                    continue
                where = n.lines[0] if n.lines else r.bgp_line
                assert where is not None
                self.read_view(r, n, where)

    def read_view(self, r: Router, n: Neighbor, where: Line) -> None:
        """Neighbor ``n`` of ``r``: a view of another router, or a problem."""
        at = where.where()
        if n.interface:
            self.problem(at, f"{r.name}: unnumbered neighbor {n.key} (BGP on an "
                         "interface): its peer cannot be matched by address; left out")
            return
        found = self.owners.get(canonical_ip(n.key) or "", [])
        if len(found) > 1:
            self.problem(at, f"{r.name}: neighbor {n.key}: the address is on "
                         f"{', '.join(x.name for x in found)}; which one is meant is not "
                         "known; left out")
            return
        peer = found[0] if found else None
        why = self.not_ibgp(r, n, peer)
        if why is not None:
            self.problem(at, f"{why}; left out")
        elif peer is None:
            self.problem(at, f"{r.name}: neighbor {n.key}: no router among the inputs has "
                         "this address; left out")
        elif peer is r:
            self.problem(at, f"{r.name}: neighbor {n.key} is its own address; left out")
        elif (r.name, peer.name) in self.views:
            first = self.views[(r.name, peer.name)]
            self.problem(at, f"{r.name}: neighbor {n.key} is {peer.name} again (as "
                         f"{first[0].key}, {first[1].where()}): a second session to the "
                         "same router; left out")
        else:
            self.views[(r.name, peer.name)] = (n, where)

    def read_dynamic_views(self) -> None:
        """Dynamic neighbors: a router in a listen range that declares the listening
        router is seen by it through the range's peer-group."""
        for r in self.routers:
            for net, group, ln in r.listen:
                g = r.neighbors.get(group)
                if g is None or not g.is_group:
                    raise InputError(f"listen range {net} names peer-group {group!r}, which "
                                     "is not defined", source=ln.file, line=ln.no,
                                     allowed="`neighbor NAME peer-group` in the same router")
                why = self.not_ibgp(r, g, None)
                if why is not None:
                    self.problem(ln.where(), f"listen range {net}: {why}; the range is left "
                                 "out")
                    continue
                self.live_ranges.append((r, net, group, ln))
                for other in self.routers:
                    if self.in_range(r, other, net):
                        self.dyn_views[(r.name, other.name)] = (g, ln)
                        self.dyn_prefix[(r.name, other.name)] = str(net)
        self.views.update(self.dyn_views)

    def in_range(self, r: Router, other: Router, net: Net) -> bool:
        """Is ``other`` a dynamic neighbor of ``r`` in ``net`` (it declares ``r``, ``r``
        does not declare it, same AS, one of its addresses in the range)?"""
        key = (r.name, other.name)
        if other is r or (other.name, r.name) not in self.views or key in self.views or \
                key in self.dyn_views or other.asn != r.asn:
            return False
        return any(ipaddress.ip_address(a) in net for a in sorted(other.addresses)
                   if ipaddress.ip_address(a).version == net.version)

    def pair_sessions(self) -> None:
        """Sessions: both sides must declare each other."""
        seen: set[tuple[str, str]] = set()
        for (a, b), (na, la) in sorted(self.views.items()):
            key = _pair_key(a, b)
            if key in seen:
                continue
            seen.add(key)
            back = self.views.get((b, a))
            if back is None:
                self.problem(la.where(), f"session {key[0]}~{key[1]}: only {a} declares it "
                             f"({b}'s configuration has no neighbor for {a}); left out")
                continue
            nb, lb = back
            ra, rb = self.by_name[a], self.by_name[b]
            a_rr = bool(ra.attr(na, "rr_client"))  # a says b is its client
            b_rr = bool(rb.attr(nb, "rr_client"))
            both = f"{la.where()}, {lb.where()}"
            if a_rr and b_rr:
                self.problem(both, f"session {a}~{b}: each side says the other is its "
                             "route-reflector-client; left out")
                continue
            if a_rr:
                self.sessions.append({"rr": a, "client": b})
            elif b_rr:
                self.sessions.append({"rr": b, "client": a})
            else:
                self.sessions.append({"peers": [a, b]})
            ta, tb = ra.keepalive_hold(na), rb.keepalive_hold(nb)
            self.pair_timers[key] = (ta, tb) if key == (a, b) else (tb, ta)
            self.check_negotiation(a, b, ta, tb, la, lb)

    def check_negotiation(self, a: str, b: str, ta: tuple[int, int], tb: tuple[int, int],
                          la: Line, lb: Line) -> None:
        """What a session's two proposals negotiate to, when it may surprise."""
        hold = min(ta[1], tb[1])
        if hold and max(ta[1], tb[1]) >= 3 * hold:
            self.problem(f"{la.where()}, {lb.where()}", f"session {a}~{b}: {a} proposes "
                         f"hold {ta[1]} s, {b} {tb[1]} s: it negotiates to {hold} s "
                         "(RFC 4271 §4.2)")
        for who, (k, _h), ln in ((a, ta, la), (b, tb, lb)):
            if hold and k > hold // 3:
                self.problem(ln.where(), f"session {a}~{b}: {who}'s keepalive {k} s is "
                             f"more than a third of the hold {hold} s; FRR sends them every "
                             "hold/3")

    # -- dynamic neighbors the inputs do not contain ------------------------------------
    def listeners(self) -> dict[str, list[tuple[Router, str, Line]]]:
        """Per listen-range prefix, the routers listening on it (with the peer-group)."""
        out: dict[str, list[tuple[Router, str, Line]]] = defaultdict(list)
        for r, net, group, ln in self.live_ranges:
            out[str(net)].append((r, group, ln))
        return out

    def check_dynamic_args(self, listeners: dict[str, list[tuple[Router, str, Line]]]) -> None:
        """Every ``--dynamic PREFIX=N`` names a listened range and fits in it."""
        for prefix in sorted(self.dynamic):
            if prefix not in listeners:
                raise InputError(f"--dynamic {prefix}: no router listens on it",
                                 field="--dynamic", allowed=", ".join(sorted(listeners)) or
                                 "a prefix of a `bgp listen range`")
            net = ipaddress.ip_network(prefix)
            room = net.num_addresses - (2 if net.version == 4 and net.prefixlen < 31 else 0)
            if self.dynamic[prefix] > room:
                raise InputError(f"--dynamic {prefix}={self.dynamic[prefix]}: the range has "
                                 f"{room:,} addresses", field="--dynamic",
                                 allowed=f"at most {room:,}")

    def synthesize(self) -> None:
        """Synthetic dynamic neighbors, per listen-range prefix, shared by every router
        listening on it: as many as ``--dynamic`` says beyond the routers of the inputs."""
        listeners = self.listeners()
        self.check_dynamic_args(listeners)
        for prefix, rows in sorted(listeners.items()):
            net = ipaddress.ip_network(prefix)
            in_range = {o for (_x, o), pf in self.dyn_prefix.items() if pf == prefix}
            want = self.dynamic.get(prefix)
            listening = ", ".join(sorted({r.name for r, _, _ in rows}))
            at = rows[0][2].where()
            if want is None:
                self.problem(at, (
                    f"listen range {prefix} ({listening}): {len(in_range)} router(s) of the "
                    "inputs in it; how many more connect is not in the configuration, give "
                    f"--dynamic {prefix}=N" if in_range else
                    f"listen range {prefix} ({listening}): how many neighbors connect is not "
                    f"in the configuration; give --dynamic {prefix}=N; none imported"))
                continue
            extra = want - len(in_range)
            if extra < 0:
                self.problem(at, f"listen range {prefix}: {len(in_range)} routers of the "
                             f"inputs are in it, more than --dynamic {prefix}={want}; all of "
                             "them kept")
                extra = 0
            self.extra_of[prefix] = extra
            base = re.sub(r"[^A-Za-z0-9]+", "-", str(net)).strip("-")
            self.synthetic += [_Synthetic(f"dyn-{base}-{i}", rows, prefix)
                               for i in range(1, extra + 1)]

    def check_listen_limits(self) -> None:
        """The dynamic-neighbor limit is per router, over all its ranges."""
        for r in self.routers:
            if not r.listen:
                continue
            limit = r.listen_limit or LISTEN_LIMIT
            total = sum(1 for (x, _o) in self.dyn_views if x == r.name) + sum(
                self.extra_of.get(str(net), 0) for net, _g, _l in r.listen)
            if total > limit:
                self.problem(r.listen[0][2].where(), f"{r.name}: {total} dynamic neighbors "
                             f"expected, but it accepts at most {limit} (`bgp listen limit`)")

    def synthetic_sessions(self) -> None:
        """Each synthetic neighbor's sessions: RR-client when its listener's peer-group
        says ``route-reflector-client``, plain iBGP otherwise."""
        for syn in self.synthetic:
            for r, group, _ln in syn.listeners:
                g = r.neighbors[group]
                if r.attr(g, "rr_client"):
                    self.sessions.append({"rr": r.name, "client": syn.name})
                else:
                    self.sessions.append({"peers": [r.name, syn.name]})

    # -- timers ------------------------------------------------------------------------
    def choose_timers(self) -> None:
        """A zone has one set of timers per speaker; FRR one per session. Per router, the
        set that keeps the most of its sessions' negotiated values; then every session
        whose negotiated hold or keepalive the zone changes is reported."""
        proposals: dict[str, dict[str, Timers3]] = defaultdict(dict)
        for (a, b), (ta, tb) in self.pair_timers.items():
            na, nb = self.views[(a, b)][0], self.views[(b, a)][0]
            proposals[a][b] = (*ta, self.by_name[a].connect_retry(na))
            proposals[b][a] = (*tb, self.by_name[b].connect_retry(nb))
        for syn in self.synthetic:  # it proposes what its listeners' peer-group does
            for r, group, _ln in syn.listeners:
                g = r.neighbors[group]
                proposals[r.name][syn.name] = proposals[syn.name][r.name] = \
                    (*r.keepalive_hold(g), r.connect_retry(g))
            self.timers_of[syn.name] = next(iter(proposals[syn.name].values()))
        for r in self.routers:
            self.timers_of[r.name] = _best_timers(proposals, r.name,
                                                  (*r.keepalive_hold(), r.connect_retry()))
        checked = sorted(self.pair_timers) + sorted(
            (r.name, syn.name) for syn in self.synthetic for r, _g, _l in syn.listeners)
        for a, b in checked:
            self.check_zone_timers(a, b, proposals[a][b], proposals[b][a])

    def check_zone_timers(self, a: str, b: str, pa: Timers3, pb: Timers3) -> None:
        """Report session ``a~b`` if the zone's timers give it other values than FRR's."""
        ta, tb = self.timers_of[a], self.timers_of[b]
        real = (_effective(pa, pb), _effective(pb, pa))
        zoned = (_effective(ta, tb), _effective(tb, ta))
        if real == zoned and (pa[2], pb[2]) == (ta[2], tb[2]):
            return
        at = (f"{self.views[(a, b)][1].where()}, {self.views[(b, a)][1].where()}"
              if (a, b) in self.views else self.by_name[a].file)
        self.problem(at, f"session {a}~{b}: FRR negotiates hold {real[0][1]} s, keepalive "
                     f"{real[0][0]}/{real[1][0]} s, connect {pa[2]}/{pb[2]} s; the zone (one "
                     f"set of timers per speaker) gives hold {zoned[0][1]} s, keepalive "
                     f"{zoned[0][0]}/{zoned[1][0]} s, connect {ta[2]}/{tb[2]} s")

    def in_zone(self) -> set[str]:
        """The speakers with at least one session."""
        out: set[str] = set()
        for sess in self.sessions:
            for role in ("rr", "client"):
                if role in sess:
                    out.add(str(sess[role]))
            peers = sess.get("peers")
            if isinstance(peers, list):
                out.update(str(x) for x in peers)
        return out

    def zone_timers(self, in_zone: set[str]) -> Timers3:
        """The zone's own ``timers:``: the most common set among its speakers."""
        counts = Counter(self.timers_of[n] for n in self.timers_of if n in in_zone)
        if not counts:
            return DEFAULTS["traditional"]
        return min(counts, key=lambda t: (-counts[t], t))

    # -- speakers ----------------------------------------------------------------------
    def graceful_restart(self, r: Router) -> str:
        """How ``r`` treats a peer's routes when the session drops (the model's knob is
        the receiver's): it keeps them only if it is a helper (FRR's default, unless
        `bgp graceful-restart-disable`) and the peer restarts gracefully (`bgp
        graceful-restart`); after a NOTIFICATION or hold expiry too when both have
        RFC 8538's N bit."""
        if r.gr_disabled:
            return "off"
        peers = [self.by_name.get(p) for p in sorted(self.peers_of[r.name])]
        restarting = [p for p in peers if p is not None and p.gr_restart and
                      not p.gr_disabled]
        if not restarting:
            return "off"
        if len(restarting) < len(peers):
            self.problem(r.file, f"{r.name}: {len(restarting)} of its {len(peers)} peers "
                         "restart gracefully; the model has one setting per speaker: it "
                         "keeps no peer's routes (the cautious choice)")
            return "off"
        return "notification" if r.gr_nbit and all(p.gr_nbit for p in restarting) \
            else "helper"

    def profile_for(self, r: Router) -> str:
        """The profile of ``r``'s speaker: ``frr``, or one derived from it with the
        settings ``r`` changes (graceful restart, stale time, dynamic-neighbor limit)."""
        over: dict[str, object] = {}
        gr = self.graceful_restart(r)
        if gr != "off":
            over["graceful_restart"] = gr
        if r.stale_time is not None:
            over["stale_time"] = r.stale_time
        if r.listen_limit is not None:
            over["dynamic_neighbor_limit"] = r.listen_limit
        if not over:
            return "frr"
        pname = "frr-" + "-".join(f"{k.replace('_', '-')}-{v}" for k, v in over.items())
        self.profiles[pname] = {"base": "frr", **over}
        return pname

    def route_count(self, nm: str, default: int) -> int:
        """Routes speaker ``nm`` originates: the last ``--routes`` glob matching it wins."""
        n = default
        for glob, v in self.routes:
            if fnmatch.fnmatchcase(nm, glob):
                n = v
        return n

    def speakers(self, in_zone: set[str], zone_t: Timers3) -> list[dict[str, object]]:
        """The zone's speakers: the routers with a session, then the synthetic ones."""
        for sess in self.sessions:
            pair = sess.get("peers")
            ends = [str(x) for x in pair] if isinstance(pair, list) else \
                [str(sess["rr"]), str(sess["client"])]
            self.peers_of[ends[0]].add(ends[1])
            self.peers_of[ends[1]].add(ends[0])
        is_rr = {str(s["rr"]) for s in self.sessions if "rr" in s}
        out: list[dict[str, object]] = []
        kept = [r for r in self.routers if r.name in in_zone]
        rids = self.router_ids(kept)
        addrs = self.peer_addresses(in_zone)
        for r in self.routers:
            if r.name not in in_zone:
                self.problem(r.file, f"{r.name}: no session with any other router of the "
                             "inputs; left out")
                continue
            sp = self.router_speaker(r, r.name in is_rr, zone_t)
            if r.name in rids:
                sp["router_id"] = rids[r.name]
            if r.name in addrs:
                sp["address"] = addrs[r.name]
            out.append(sp)
        for syn in self.synthetic:
            sp = {"name": syn.name}
            if syn.name in addrs:
                sp["address"] = addrs[syn.name]
            n_routes = self.route_count(syn.name, 0)
            if n_routes:
                sp["routes"] = n_routes
            t = self.timers_of[syn.name]
            if t != zone_t:
                sp["timers"] = _timers_yaml(t)
            out.append(sp)
        return out

    def router_ids(self, routers: list[Router]) -> dict[str, str]:
        """Each router's ``bgp router-id`` (the speaker's ``router_id``, RFC 4271 §4.2).
        Two routers with the same one is a finding (an iBGP peer refuses an OPEN carrying
        its own identifier, RFC 4271 §6.2; a route whose ORIGINATOR_ID is a router's own
        is dropped there, RFC 4456 §8): reported, and the zone keeps it on the first
        only. A router without one gets the zone's default (docs/zone-format.md)."""
        out: dict[str, str] = {}
        first: dict[str, Router] = {}
        for r in routers:
            if r.router_id is None:
                continue
            if r.router_id in first:
                self.problem(f"{first[r.router_id].file}, {r.file}", (
                    f"{first[r.router_id].name} and {r.name} have the same bgp router-id "
                    f"{r.router_id}; the zone keeps it on {first[r.router_id].name} only"))
                continue
            first[r.router_id] = r
            out[r.name] = r.router_id
        return out

    def peer_addresses(self, in_zone: set[str]) -> dict[str, str]:
        """The ``address`` of each speaker: the address its peers' ``neighbor`` statements
        name (RFC 4271 §9.1.2.2 (g) compares it). Peers that name a router at several
        addresses are reported; the zone keeps the one most of them use (the lowest on a
        tie). A router seen only through a listen range gets its lowest address in the
        range; an added dynamic neighbor (``dyn-*``) the next free address of its range."""
        named: dict[str, Counter[str]] = defaultdict(Counter)
        for (_r, peer), (n, _ln) in sorted(self.views.items()):
            ip = None if n.is_group else canonical_ip(n.key)
            if ip is not None and peer in in_zone:
                named[peer][ip] += 1
        out: dict[str, str] = {}
        for peer, seen in sorted(named.items()):
            out[peer] = min(seen, key=lambda a: (-seen[a], _ip_key(a)))
            if len(seen) > 1:
                self.problem(self.by_name[peer].file, (
                    f"{peer}: its peers name it at {len(seen)} addresses "
                    f"({', '.join(sorted(seen, key=_ip_key))}); the zone keeps one, "
                    f"{out[peer]}, for every peer"))
        for (_r, other), prefix in sorted(self.dyn_prefix.items()):
            if other in in_zone and other not in out:
                net = ipaddress.ip_network(prefix)
                mine = [a for a in self.by_name[other].addresses
                        if ipaddress.ip_address(a).version == net.version
                        and ipaddress.ip_address(a) in net]
                out[other] = min(mine, key=_ip_key)
        self.synthetic_addresses(out)
        return out

    def synthetic_addresses(self, out: dict[str, str]) -> None:
        """Each added dynamic neighbor's address: the next host of its listen range that
        no router of the inputs has (``--dynamic`` checked that the range holds them; if
        the inputs' own addresses fill it, the zone's default address)."""
        taken = set(self.owners)
        hosts: dict[str, Iterator[ipaddress.IPv4Address | ipaddress.IPv6Address]] = {}
        for syn in self.synthetic:
            it = hosts.setdefault(syn.prefix, iter(ipaddress.ip_network(syn.prefix).hosts()))
            addr = next((str(a) for a in it if str(a) not in taken), None)
            if addr is not None:  # else (a range full of the inputs' own): the default
                taken.add(addr)
                out[syn.name] = addr

    def router_speaker(self, r: Router, is_rr: bool, zone_t: Timers3) -> dict[str, object]:
        """The speaker of router ``r``, as a zone file writes it."""
        sp: dict[str, object] = {"name": r.name}
        pname = self.profile_for(r)
        if pname != "frr":
            sp["profile"] = pname
        if is_rr:
            sp["cluster_id"] = r.cluster_id or r.router_id or r.name
            if not r.client_to_client:
                sp["client_to_client"] = False
            if r.listen:
                sp["dynamic_neighbors"] = True
        elif r.cluster_id:
            self.problem(r.file, f"{r.name}: bgp cluster-id set but it reflects to no "
                         "client; not used")
        n_routes = self.route_count(r.name, r.networks)
        if (r.evpn or r.redistribute) and not any(fnmatch.fnmatchcase(r.name, g)
                                                  for g, _ in self.routes):
            self.problem(r.file, f"{r.name}: originates routes the configuration does not "
                         f"count (EVPN, redistribute); {n_routes} used, give --routes "
                         f"{r.name}=N")
        if n_routes:
            sp["routes"] = n_routes
        t = self.timers_of[r.name]
        if t != zone_t:
            sp["timers"] = _timers_yaml(t)
        return sp


def build_zone(routers: list[Router], *, name: str = "imported",
               dynamic: dict[str, int] | None = None,
               routes: Sequence[tuple[str, int]] = ()) -> Imported:
    """The explicit zone of ``routers`` (see the module docstring for what is reported).

    ``dynamic``: expected dynamic neighbors per listen-range prefix (``10.1.0.0/16``);
    ``routes``: (name glob, routes) overrides, the last match wins.
    """
    b = _Builder(routers, dict(dynamic or {}), routes)
    b.read_views()
    b.read_dynamic_views()
    b.pair_sessions()
    b.synthesize()
    b.check_listen_limits()
    b.synthetic_sessions()
    in_zone = b.in_zone()
    b.choose_timers()
    zone_t = b.zone_timers(in_zone)
    speakers = b.speakers(in_zone, zone_t)
    zone: dict[str, object] = {"zone": name, "timers": _timers_yaml(zone_t)}
    if b.profiles:
        zone["profiles"] = b.profiles
    zone["speakers"] = speakers
    zone["sessions"] = b.sessions
    return Imported(zone, b.problems, [], len(speakers) - len(b.synthetic), len(b.sessions),
                    len(b.synthetic))
