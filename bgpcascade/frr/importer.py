"""Zones from what operators already have: FRR configurations (``bgpcascade import frr``).

Reads one configuration per router (``frr.conf``, ``bgpd.conf`` or the output of ``show
running-config``) and builds an explicit zone (docs/zone-format.md): one speaker per
router, one session per pair of routers that declare each other, RR-client or plain iBGP
by RFC 4456's ``route-reflector-client``, timers as FRR would negotiate them, CLUSTER_IDs,
the routes each router originates, graceful restart. What is read, what is ignored and
how to check an import: docs/import.md.

Nothing is guessed. A session only one side declares, one whose two sides disagree (both
claim to be the other's RR), an eBGP or unnumbered neighbor, a router the inputs do not
contain: each is reported, with file:line, and left out of the zone. Every line that is
not understood or not used is reported too, so the operator sees what the model leaves
out. Dynamic neighbors (``bgp listen range``) come from the configurations of the routers
in the range when they are given, and otherwise from a count the operator states
(``--dynamic PREFIX=N``), since a configuration does not say how many will connect.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import NAME_PATTERN

#: ``frr defaults`` profiles: (keepalive, hold, connect retry), FRR's bgp_vty.c
#: FRR_CFG_DEFAULT_ULONG(BGP_KEEPALIVE/BGP_HOLDTIME/BGP_CONNECT_RETRY); shared reference
#: bgp-facts.md, timer table.
DEFAULTS = {"traditional": (60, 180, 120), "datacenter": (3, 9, 10)}
#: FRR's dynamic-neighbor limit when ``bgp listen limit`` is not set.
LISTEN_LIMIT = 100
CONFIG_NAMES = ("frr.conf", "bgpd.conf", "running-config", "running-config.txt")
#: Top-level commands: at column 0 they end even a block whose lines are not indented.
TOP = ("hostname", "frr", "log", "service", "password", "enable", "line", "debug",
       "agentx", "end", "exit", "Building", "Current")
#: Top-level commands that open a block (everything else at column 0 is a one-liner).
BLOCKS = ("router ", "interface ", "route-map ", "vrf ", "line ", "key chain ",
          "bfd", "segment-routing", "mpls ", "pbr-map ", "nexthop-group ", "evpn mh",
          "rpki", "srv6", "ip community-list ", "ip as-path ")


class NoRouterBgp(InputError):
    """A configuration without a BGP instance."""


@dataclass
class Line:
    """One line of an input, where it is, and whether the import used it."""

    file: str
    no: int
    text: str
    used: bool = False
    note: str = ""

    def where(self) -> str:
        """``file:line``."""
        return f"{self.file}:{self.no}"


@dataclass
class Neighbor:
    """A ``neighbor X`` (an address, an interface or a peer-group) of one router."""

    key: str
    is_group: bool = False
    remote_as: str | None = None
    group: str | None = None
    update_source: str | None = None
    timers: tuple[int, int] | None = None
    connect: int | None = None
    rr_client: bool = False
    shutdown: bool = False
    interface: bool = False
    lines: list[Line] = field(default_factory=list)


@dataclass
class Router:
    """What one configuration says about its router."""

    file: str
    name: str = ""
    asn: str | None = None
    router_id: str | None = None
    cluster_id: str | None = None
    defaults: str = "traditional"
    timers: tuple[int, int] | None = None
    client_to_client: bool = True
    gr_restart: bool = False   # `bgp graceful-restart`: its peers keep its routes
    gr_disabled: bool = False  # `bgp graceful-restart-disable`: no helper either
    gr_nbit: bool = True       # RFC 8538 N bit (FRR >= 8.3 unless turned off)
    stale_time: int | None = None
    listen_limit: int | None = None
    listen: list[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str, Line]] = \
        field(default_factory=list)
    neighbors: dict[str, Neighbor] = field(default_factory=dict)
    addresses: set[str] = field(default_factory=set)
    networks: int = 0
    evpn: bool = False
    redistribute: list[Line] = field(default_factory=list)
    bgp_line: Line | None = None

    def attr(self, n: Neighbor, name: str) -> object:
        """A neighbor's setting, else its peer-group's (FRR's inheritance)."""
        value = getattr(n, name)
        if value in (None, False) and n.group and n.group in self.neighbors:
            return getattr(self.neighbors[n.group], name)
        return value

    def keepalive_hold(self, n: Neighbor | None = None) -> tuple[int, int]:
        """The (keepalive, hold) this router proposes to ``n`` (or by default)."""
        if n is not None:
            t = self.attr(n, "timers")
            if t is not None:
                return t  # type: ignore[return-value]
        if self.timers is not None:
            return self.timers
        k, h, _ = DEFAULTS[self.defaults]
        return k, h

    def connect_retry(self, n: Neighbor | None = None) -> int:
        """ConnectRetryTime toward ``n`` (``timers connect``), else the profile's."""
        if n is not None:
            c = self.attr(n, "connect")
            if c is not None:
                return c  # type: ignore[return-value]
        return DEFAULTS[self.defaults][2]


# -- reading ---------------------------------------------------------------------------------
def find_configs(paths: Sequence[str]) -> list[Path]:
    """The configuration files among ``paths``: files as given; in a directory (searched
    recursively), files named like FRR's (frr.conf, bgpd.conf, running-config) or ending
    in .conf; in name order."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_file():
            out.append(p)
        elif p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and
                           (f.name in CONFIG_NAMES or f.suffix == ".conf"))
            if not found:
                raise InputError("no FRR configuration in it", source=raw,
                                 allowed="frr.conf, bgpd.conf, running-config or *.conf "
                                 "files")
            out += found
        else:
            raise InputError("no such file or directory", source=raw,
                             allowed="configuration files or directories of them")
    seen: set[Path] = set()
    unique = []
    for p in out:  # a file named and also inside a named directory is read once
        if p.resolve() not in seen:
            seen.add(p.resolve())
            unique.append(p)
    return unique


def _ip(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _int(tok: str, line: Line, what: str, lo: int, hi: int) -> int:
    try:
        v = int(tok)
    except ValueError:
        v = lo - 1
    if not lo <= v <= hi:
        raise InputError(f"{what} {tok!r}", source=line.file, line=line.no,
                         allowed=f"a whole number from {lo} to {hi}")
    return v


def _ipv4(tok: str, ln: Line, what: str) -> str:
    try:
        return str(ipaddress.IPv4Address(tok))
    except ValueError:
        raise InputError(f"{what} {tok!r}", source=ln.file, line=ln.no,
                         allowed="A.B.C.D") from None


def _timers(keepalive: str, hold: str, ln: Line) -> tuple[int, int]:
    """``KEEPALIVE HOLD`` as FRR takes them: hold 0 or 3..65535 (RFC 4271 §4.2); a
    keepalive above a third of the hold is used as hold/3 (integer), as FRR does."""
    k = _int(keepalive, ln, "keepalive", 0, 65535)
    h = _int(hold, ln, "hold", 0, 65535)
    if 0 < h < 3:
        raise InputError(f"hold {h}", source=ln.file, line=ln.no,
                         allowed="0, or 3 to 65535 seconds (RFC 4271 §4.2)")
    if h and k > h // 3:
        ln.note = f"keepalive {k} s above hold/3: FRR uses {h // 3} s"
    return (min(k, h // 3) if h else 0), h


def _need(toks: list[str], n: int, line: Line, form: str) -> None:
    if len(toks) < n:
        raise InputError(f"incomplete command {line.text.strip()!r}", source=line.file,
                         line=line.no, allowed=form)


def parse_config(path: Path, text: str | None = None) -> tuple[Router, list[Line]]:
    """One router from one configuration; every line with whether it was used."""
    source = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InputError("not a text file", source=source,
                             allowed="an FRR configuration (UTF-8 text)") from None
        except OSError as exc:
            raise InputError(f"cannot read it ({exc.strerror})", source=source) from None
    r = Router(file=source)
    lines = [Line(source, i, t.rstrip("\r")) for i, t in enumerate(text.split("\n"), 1)]
    block: str | None = None  # "bgp", "interface", "other"
    indented: bool | None = None  # is the current block's content indented?
    af: str | None = None
    iface: str | None = None
    for ln in lines:
        raw = ln.text
        s = raw.strip()
        if not s or s.startswith("!"):
            ln.used = True  # a comment (FRR's separators included) never ends a block
            continue
        top = not raw[:1].isspace()
        toks = s.split()
        if block is not None:
            if indented is None:
                indented = not top
            if top and (indented or toks[0] in TOP or s in ("exit", "end") or
                        any(s.startswith(b) for b in BLOCKS)):
                block, af = None, None  # the block ends here
        if block is None:
            if s in ("exit", "end"):
                ln.used = True
                continue
            block, indented = _open(r, toks, ln), None
            if block == "interface":
                iface = toks[1]
            continue
        if block == "interface":
            if toks[:2] in (["ip", "address"], ["ipv6", "address"]) and len(toks) >= 3:
                addr = _ip(toks[2].split("/")[0])
                if addr is None:
                    raise InputError(f"address {toks[2]!r}", source=source, line=ln.no,
                                     allowed="A.B.C.D/LEN or an IPv6 prefix")
                r.addresses.add(addr)
                ln.used = True
            else:
                ln.note = f"interface {iface}: not modelled"
            continue
        if block != "bgp":
            ln.note = ln.note or "not modelled"
            continue
        if s == "exit-address-family":
            af, ln.used = None, True
            continue
        if toks[0] == "address-family":
            af, ln.used = " ".join(toks[1:]), True
            continue
        _bgp_line(r, toks, ln, af)
    if r.asn is None:
        raise NoRouterBgp("no `router bgp` in it", source=source,
                          allowed="a router's FRR configuration with its BGP instance")
    if not r.name:
        r.name = path.stem if path.name not in CONFIG_NAMES else path.parent.name
    if not NAME_PATTERN.match(r.name):
        raise InputError(f"router name {r.name!r}", source=source, field="hostname",
                         allowed="letters, digits, '_', '.' and '-' (a zone speaker name)")
    if r.router_id:
        r.addresses.add(r.router_id)
    for n in r.neighbors.values():
        src = n.update_source and _ip(n.update_source)
        if src:
            r.addresses.add(src)
    return r, lines


def _asn(tok: str, ln: Line) -> int:
    """An AS number, plain or asdot (``65000.1``)."""
    if re.fullmatch(r"[0-9]+\.[0-9]+", tok):
        hi, lo = (int(x) for x in tok.split("."))
        if hi < 65536 and lo < 65536 and hi * 65536 + lo > 0:
            return hi * 65536 + lo
    if re.fullmatch(r"[0-9]+", tok) and 0 < int(tok) < 2 ** 32:
        return int(tok)
    raise InputError(f"ASN {tok!r}", source=ln.file, line=ln.no,
                     allowed="1 to 4294967295, or asdot X.Y")


def _open(r: Router, toks: list[str], ln: Line) -> str | None:
    """A top-level line: the block it opens (``bgp``, ``interface``, ``other``) or None."""
    s = " ".join(toks)
    if s.startswith("router bgp"):
        _need(toks, 3, ln, "router bgp ASN")
        asn = _asn(toks[2], ln)
        if len(toks) > 3 and toks[3] in ("vrf", "view"):
            ln.note = f"a BGP instance in a {toks[3]}: not modelled"
            return "other"
        if r.asn is not None:
            raise InputError("a second `router bgp`", source=ln.file, line=ln.no,
                             allowed="one BGP instance per configuration")
        r.asn, r.bgp_line, ln.used = str(asn), ln, True
        if len(toks) > 3:
            ln.note = f"{' '.join(toks[3:])}: read as the plain ASN"
        return "bgp"
    if toks[0] == "interface":
        _need(toks, 2, ln, "interface NAME")
        ln.used = True
        return "interface"
    if any(s.startswith(b) for b in BLOCKS):
        ln.note = "not modelled"
        return "other"
    _top_line(r, toks, ln)
    return None


def _top_line(r: Router, toks: list[str], ln: Line) -> None:
    if toks[0] == "hostname" and len(toks) >= 2:
        r.name, ln.used = toks[1], True
    elif toks[:2] == ["frr", "defaults"] and len(toks) >= 3:
        if toks[2] not in DEFAULTS:
            raise InputError(f"frr defaults {toks[2]!r}", source=ln.file, line=ln.no,
                             allowed="traditional or datacenter")
        r.defaults, ln.used = toks[2], True
    elif toks[:2] == ["frr", "version"]:
        ln.used = True
    else:
        ln.note = "not modelled"


def _neighbor(r: Router, key: str) -> Neighbor:
    if key not in r.neighbors:
        r.neighbors[key] = Neighbor(key)
    return r.neighbors[key]


def _bgp_line(r: Router, toks: list[str], ln: Line, af: str | None) -> None:
    """One line inside ``router bgp`` (``af``: the address-family it is under)."""
    t = toks
    if t[0] == "no" and t[1:4] == ["bgp", "client-to-client", "reflection"]:
        r.client_to_client, ln.used = False, True
    elif t[:2] == ["bgp", "router-id"]:
        _need(t, 3, ln, "bgp router-id A.B.C.D")
        r.router_id, ln.used = _ipv4(t[2], ln, "router-id"), True
    elif t[:2] == ["bgp", "cluster-id"]:
        _need(t, 3, ln, "bgp cluster-id A.B.C.D|N")
        if re.fullmatch(r"[0-9]+", t[2]):
            r.cluster_id = str(ipaddress.IPv4Address(_int(t[2], ln, "cluster-id", 1,
                                                          2 ** 32 - 1)))
        else:
            r.cluster_id = _ipv4(t[2], ln, "cluster-id")
        ln.used = True
    elif t[:2] == ["timers", "bgp"]:
        _need(t, 4, ln, "timers bgp KEEPALIVE HOLD")
        r.timers, ln.used = _timers(t[2], t[3], ln), True
    elif t[:3] == ["bgp", "listen", "range"]:
        _need(t, 6, ln, "bgp listen range PREFIX peer-group NAME")
        try:
            net = ipaddress.ip_network(t[3], strict=False)
        except ValueError:
            raise InputError(f"listen range {t[3]!r}", source=ln.file, line=ln.no,
                             allowed="a prefix, e.g. 10.1.0.0/16") from None
        r.listen.append((net, t[5], ln))
        ln.used = True
    elif t[:3] == ["bgp", "listen", "limit"]:
        _need(t, 4, ln, "bgp listen limit N")
        r.listen_limit, ln.used = _int(t[3], ln, "listen limit", 1, 65535), True
    elif t[:2] == ["bgp", "graceful-restart"] and len(t) == 2:
        r.gr_restart, ln.used = True, True
    elif t[:3] == ["bgp", "graceful-restart", "notification"]:
        r.gr_nbit, ln.used = True, True
    elif t[:4] == ["no", "bgp", "graceful-restart", "notification"]:
        r.gr_nbit, ln.used = False, True
    elif t[:2] == ["bgp", "graceful-restart-disable"]:
        r.gr_disabled, ln.used = True, True
    elif t[:3] == ["bgp", "graceful-restart", "stalepath-time"]:
        _need(t, 4, ln, "bgp graceful-restart stalepath-time S")
        r.stale_time, ln.used = _int(t[3], ln, "stalepath-time", 1, 4095), True
    elif t[0] == "neighbor":
        _neighbor_line(r, t, ln, af)
    elif t[0] == "network" and af in (None, "ipv4 unicast", "ipv6 unicast", "ipv4", "ipv6"):
        r.networks += 1
        ln.used = True
    elif t[0] == "advertise-all-vni":
        r.evpn, ln.used = True, True
        ln.note = "EVPN: the routes per VNI come from --routes"
    elif t[0] == "redistribute":
        r.redistribute.append(ln)
        ln.note = "redistributed routes: their count comes from --routes"
    else:
        ln.note = "not modelled"


def _neighbor_line(r: Router, t: list[str], ln: Line, af: str | None) -> None:
    _need(t, 3, ln, "neighbor PEER COMMAND ...")
    key, rest = t[1], t[2:]
    n = _neighbor(r, key)
    n.lines.append(ln)
    ln.used = True
    if rest == ["peer-group"]:
        n.is_group = True
    elif rest[0] == "peer-group" and len(rest) == 2:
        n.group = rest[1]
        _neighbor(r, rest[1]).is_group = True
    elif rest[0] == "interface":
        n.interface = True
        if "remote-as" in rest:
            n.remote_as = rest[rest.index("remote-as") + 1] if \
                rest.index("remote-as") + 1 < len(rest) else None
        if "peer-group" in rest and rest.index("peer-group") + 1 < len(rest):
            n.group = rest[rest.index("peer-group") + 1]
    elif rest[0] == "remote-as":
        _need(t, 4, ln, "neighbor PEER remote-as ASN|internal|external")
        n.remote_as = rest[1]
    elif rest[0] == "update-source":
        _need(t, 4, ln, "neighbor PEER update-source ADDRESS|INTERFACE")
        n.update_source = rest[1]
        if _ip(rest[1]) is None:
            ln.used = False
            ln.note = "update-source interface: its addresses come from its interface block"
    elif rest[0] == "timers" and len(rest) >= 2 and rest[1] == "connect":
        _need(t, 5, ln, "neighbor PEER timers connect S")
        n.connect = _int(rest[2], ln, "connect timer", 1, 65535)
    elif rest[0] == "timers" and len(rest) >= 2 and re.fullmatch(r"[0-9]+", rest[1]):
        _need(t, 5, ln, "neighbor PEER timers KEEPALIVE HOLD")
        n.timers = _timers(rest[1], rest[2], ln)
    elif rest[0] == "route-reflector-client":
        n.rr_client = True
    elif rest[0] == "shutdown":
        n.shutdown = True
    elif rest[0] == "activate":
        pass
    else:
        ln.used = False
        ln.note = f"neighbor {rest[0]}: not modelled"


# -- building the zone ----------------------------------------------------------------------
@dataclass
class Problem:
    """Something the import reports (and, for a session, leaves out)."""

    where: str
    what: str

    @property
    def left_out(self) -> bool:
        """Did the zone lose something over it (a session, a router, dynamic neighbors)?"""
        return "left out" in self.what or "none imported" in self.what

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


@dataclass
class Imported:
    """The import's result: the zone (as a mapping ready to dump), what was left out and
    why, and the lines not used."""

    zone: dict[str, object]
    problems: list[Problem]
    unused: list[Line]
    routers: int
    sessions: int
    synthetic: int
    files: int = 0

    def yaml(self) -> str:
        """The zone file's text, with how it was made as comments."""
        head = [f"# bgpcascade import frr: {self.routers} routers from "
                f"{self.files} file(s), {self.sessions} sessions"
                + (f", {self.synthetic} dynamic neighbors from --dynamic" if self.synthetic
                   else ""),
                f"# {len(self.problems)} problem(s) and {len(self.unused)} line(s) not used: "
                "see the import report"]
        return "\n".join(head) + "\n" + yaml.safe_dump(self.zone, sort_keys=False,
                                                        default_flow_style=None, width=100)


@dataclass(frozen=True)
class _Synthetic:
    """A dynamic neighbor the inputs do not contain, counted by ``--dynamic``."""

    name: str
    listeners: list[tuple[Router, str, Line]]


def _best_timers(proposals: dict[str, dict[str, tuple[int, int, int]]], me: str,
                 default: tuple[int, int, int]) -> tuple[int, int, int]:
    """The one set of timers (keepalive, hold, connect) for speaker ``me`` that keeps the
    most of its sessions' negotiated values (ties: its router-wide setting)."""
    mine = proposals.get(me, {})

    def kept(c: tuple[int, int, int]) -> int:
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


def build_zone(routers: list[Router], *, name: str = "imported",
               dynamic: dict[str, int] | None = None,
               routes: Sequence[tuple[str, int]] = ()) -> Imported:
    """The explicit zone of ``routers`` (see the module docstring for what is reported).

    ``dynamic``: expected dynamic neighbors per listen-range prefix (``10.1.0.0/16``);
    ``routes``: (name glob, routes) overrides, the last match wins.
    """
    dynamic = dict(dynamic or {})
    problems: list[Problem] = []
    routers = sorted(routers, key=lambda r: (r.name, r.file))  # input order does not matter
    names = Counter(r.name for r in routers)
    for nm, k in sorted(names.items()):
        if k > 1:
            files = ", ".join(r.file for r in routers if r.name == nm)
            raise InputError(f"two routers named {nm!r} ({files})", field="hostname",
                             allowed="one configuration per router, hostnames unique")
    asns = {r.asn for r in routers}
    # An address can be on several routers (an anycast gateway on every leaf): it matters
    # only when a neighbor names it.
    owners: dict[str, list[Router]] = defaultdict(list)
    for r in routers:
        for a in sorted(r.addresses):
            owners[a].append(r)
    if len(asns) > 1:
        problems.append(Problem("inputs", f"several ASNs ({', '.join(sorted(map(str, asns)))})"
                                ": only iBGP sessions (same ASN) are modelled"))
    by_name = {r.name: r for r in routers}

    def ibgp(r: Router, n: Neighbor, peer: Router | None) -> str | None:
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

    # Each router's view of each other router: its neighbor statement and where it is.
    views: dict[tuple[str, str], tuple[Neighbor, Line]] = {}
    for r in routers:
        for n in sorted(r.neighbors.values(), key=lambda n: n.lines[0].no if n.lines else 0):
            if n.is_group:
                continue
            where = n.lines[0] if n.lines else r.bgp_line
            assert where is not None
            if n.interface:
                problems.append(Problem(where.where(), f"{r.name}: unnumbered neighbor "
                                        f"{n.key} (BGP on an interface): its peer cannot be "
                                        "matched by address; left out"))
                continue
            found = owners.get(_ip(n.key) or "", [])
            if len(found) > 1:
                problems.append(Problem(where.where(), f"{r.name}: neighbor {n.key}: the "
                                        f"address is on {', '.join(x.name for x in found)}; "
                                        "which one is meant is not known; left out"))
                continue
            peer = found[0] if found else None
            why = ibgp(r, n, peer)
            if why is not None:
                problems.append(Problem(where.where(), f"{why}; left out"))
                continue
            if peer is None:
                problems.append(Problem(where.where(), f"{r.name}: neighbor {n.key}: no "
                                        "router among the inputs has this address; left "
                                        "out"))
                continue
            if peer is r:
                problems.append(Problem(where.where(), f"{r.name}: neighbor {n.key} is "
                                        "its own address; left out"))
                continue
            if (r.name, peer.name) in views:
                first = views[(r.name, peer.name)]
                problems.append(Problem(where.where(), f"{r.name}: neighbor {n.key} is "
                                        f"{peer.name} again (as {first[0].key}, "
                                        f"{first[1].where()}): a second session to the same "
                                        "router; left out"))
                continue
            views[(r.name, peer.name)] = (n, where)
    # Dynamic neighbors: a router in a listen range that declares the listening router.
    dyn_views: dict[tuple[str, str], tuple[Neighbor, Line]] = {}
    dyn_prefix: dict[tuple[str, str], str] = {}
    live_ranges: list[tuple[Router, ipaddress.IPv4Network | ipaddress.IPv6Network, str,
                            Line]] = []
    for r in routers:
        for net, group, ln in r.listen:
            g = r.neighbors.get(group)
            if g is None or not g.is_group:
                raise InputError(f"listen range {net} names peer-group {group!r}, which "
                                 "is not defined", source=ln.file, line=ln.no,
                                 allowed="`neighbor NAME peer-group` in the same router")
            why = ibgp(r, g, None)
            if why is not None:
                problems.append(Problem(ln.where(), f"listen range {net}: {why}; the "
                                        "range is left out"))
                continue
            live_ranges.append((r, net, group, ln))
            for other in routers:
                if other is r or (other.name, r.name) not in views or \
                        (r.name, other.name) in views or (r.name, other.name) in dyn_views:
                    continue
                if other.asn != r.asn:
                    continue
                if any(ipaddress.ip_address(a) in net for a in sorted(other.addresses)
                       if ipaddress.ip_address(a).version == net.version):
                    dyn_views[(r.name, other.name)] = (g, ln)
                    dyn_prefix[(r.name, other.name)] = str(net)
    views.update(dyn_views)
    # Sessions: both sides must declare each other.
    sessions: list[dict[str, object]] = []
    seen: set[tuple[str, str]] = set()
    pair_timers: dict[tuple[str, str], tuple[tuple[int, int], tuple[int, int]]] = {}
    for (a, b), (na, la) in sorted(views.items()):
        key = _pair_key(a, b)
        if key in seen:
            continue
        seen.add(key)
        back = views.get((b, a))
        if back is None:
            problems.append(Problem(la.where(), f"session {key[0]}~{key[1]}: only {a} "
                                    "declares it "
                                    f"({b}'s configuration has no neighbor for {a}); left "
                                    "out"))
            continue
        nb, lb = back
        ra, rb = by_name[a], by_name[b]
        a_rr = bool(ra.attr(na, "rr_client"))  # a says b is its client
        b_rr = bool(rb.attr(nb, "rr_client"))
        if a_rr and b_rr:
            problems.append(Problem(f"{la.where()}, {lb.where()}", f"session {a}~{b}: "
                                    "each side says the other is its route-reflector-client;"
                                    " left out"))
            continue
        if a_rr:
            sessions.append({"rr": a, "client": b})
        elif b_rr:
            sessions.append({"rr": b, "client": a})
        else:
            sessions.append({"peers": [a, b]})
        ta, tb = ra.keepalive_hold(na), rb.keepalive_hold(nb)
        pair_timers[key] = (ta, tb) if key == (a, b) else (tb, ta)
        hold = min(ta[1], tb[1])
        if hold and max(ta[1], tb[1]) >= 3 * hold:
            problems.append(Problem(f"{la.where()}, {lb.where()}", f"session {a}~{b}: "
                                    f"{a} proposes hold {ta[1]} s, {b} {tb[1]} s: it "
                                    f"negotiates to {hold} s (RFC 4271 §4.2)"))
        for who, (k, _h), ln in ((a, ta, la), (b, tb, lb)):
            if hold and k > hold // 3:
                problems.append(Problem(ln.where(), f"session {a}~{b}: {who}'s keepalive "
                                        f"{k} s is more than a third of the hold {hold} s; "
                                        "FRR sends them every hold/3"))
    # Synthetic dynamic neighbors, per listen-range prefix, shared by every router
    # listening on it.
    listeners: dict[str, list[tuple[Router, str, Line]]] = defaultdict(list)
    for r, net, group, ln in live_ranges:
        listeners[str(net)].append((r, group, ln))
    synthetic: list[_Synthetic] = []
    for prefix in sorted(dynamic):
        if prefix not in listeners:
            raise InputError(f"--dynamic {prefix}: no router listens on it",
                             field="--dynamic", allowed=", ".join(sorted(listeners)) or
                             "a prefix of a `bgp listen range`")
        net = ipaddress.ip_network(prefix)
        room = net.num_addresses - (2 if net.version == 4 and net.prefixlen < 31 else 0)
        if dynamic[prefix] > room:
            raise InputError(f"--dynamic {prefix}={dynamic[prefix]}: the range has "
                             f"{room:,} addresses", field="--dynamic",
                             allowed=f"at most {room:,}")
    extra_of: dict[str, int] = {}
    for prefix, rows in sorted(listeners.items()):
        net = ipaddress.ip_network(prefix)
        in_range = {o for (_x, o), pf in dyn_prefix.items() if pf == prefix}
        want = dynamic.get(prefix)
        listening = ", ".join(sorted({r.name for r, _, _ in rows}))
        if want is None:
            problems.append(Problem(rows[0][2].where(), (
                f"listen range {prefix} ({listening}): {len(in_range)} router(s) of the "
                "inputs in it; how many more connect is not in the configuration, give "
                f"--dynamic {prefix}=N" if in_range else
                f"listen range {prefix} ({listening}): how many neighbors connect is not "
                f"in the configuration; give --dynamic {prefix}=N; none imported")))
            continue
        extra = want - len(in_range)
        if extra < 0:
            problems.append(Problem(rows[0][2].where(), f"listen range {prefix}: "
                                    f"{len(in_range)} routers of the inputs are in it, more "
                                    f"than --dynamic {prefix}={want}; all of them kept"))
            extra = 0
        extra_of[prefix] = extra
        base = re.sub(r"[^A-Za-z0-9]+", "-", str(net)).strip("-")
        synthetic += [_Synthetic(f"dyn-{base}-{i}", rows) for i in range(1, extra + 1)]
    for r in routers:  # the limit is per router, over all its ranges
        if not r.listen:
            continue
        limit = r.listen_limit or LISTEN_LIMIT
        total = sum(1 for (x, _o) in dyn_views if x == r.name) + sum(
            extra_of.get(str(net), 0) for net, _g, _l in r.listen)
        if total > limit:
            problems.append(Problem(r.listen[0][2].where(), f"{r.name}: {total} dynamic "
                                    f"neighbors expected, but it accepts at most {limit} "
                                    "(`bgp listen limit`)"))
    for syn in synthetic:
        for r, group, _ln in syn.listeners:
            g = r.neighbors[group]
            if r.attr(g, "rr_client"):
                sessions.append({"rr": r.name, "client": syn.name})
            else:
                sessions.append({"peers": [r.name, syn.name]})
    # Speakers.
    is_rr = {str(s["rr"]) for s in sessions if "rr" in s}
    in_zone: set[str] = set()
    for sess in sessions:
        for role in ("rr", "client"):
            if role in sess:
                in_zone.add(str(sess[role]))
        peers = sess.get("peers")
        if isinstance(peers, list):
            in_zone.update(str(x) for x in peers)
    speakers: list[dict[str, object]] = []
    # Timers: a zone has one set per speaker; FRR one per session. Per router, the set
    # that keeps the most of its sessions' negotiated values; then every session whose
    # negotiated hold or keepalive the zone changes is reported.
    proposals: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    for (a, b), (ta, tb) in pair_timers.items():
        na, nb = views[(a, b)][0], views[(b, a)][0]
        proposals[a][b] = (*ta, by_name[a].connect_retry(na))
        proposals[b][a] = (*tb, by_name[b].connect_retry(nb))
    timers_of: dict[str, tuple[int, int, int]] = {}
    for syn in synthetic:  # it proposes what its listeners' peer-group does
        for r, group, _ln in syn.listeners:
            g = r.neighbors[group]
            proposals[r.name][syn.name] = proposals[syn.name][r.name] = \
                (*r.keepalive_hold(g), r.connect_retry(g))
        timers_of[syn.name] = next(iter(proposals[syn.name].values()))
    for r in routers:
        timers_of[r.name] = _best_timers(proposals, r.name,
                                         (*r.keepalive_hold(), r.connect_retry()))
    checked = sorted(pair_timers) + sorted(
        (r.name, syn.name) for syn in synthetic for r, _g, _l in syn.listeners)
    for a, b in checked:
        real = (_effective(proposals[a][b], proposals[b][a]),
                _effective(proposals[b][a], proposals[a][b]))
        zoned = (_effective(timers_of[a], timers_of[b]), _effective(timers_of[b], timers_of[a]))
        if real != zoned or (proposals[a][b][2], proposals[b][a][2]) != \
                (timers_of[a][2], timers_of[b][2]):
            at = (f"{views[(a, b)][1].where()}, {views[(b, a)][1].where()}"
                  if (a, b) in views else by_name[a].file)
            problems.append(Problem(at,
                                    f"session {a}~{b}: FRR negotiates hold {real[0][1]} s, "
                                    f"keepalive {real[0][0]}/{real[1][0]} s, connect "
                                    f"{proposals[a][b][2]}/{proposals[b][a][2]} s; the zone "
                                    "(one set of timers per speaker) gives hold "
                                    f"{zoned[0][1]} s, keepalive {zoned[0][0]}/{zoned[1][0]} "
                                    f"s, connect {timers_of[a][2]}/{timers_of[b][2]} s"))
    counts = Counter(timers_of[n] for n in timers_of if n in in_zone)
    zone_t = min(counts, key=lambda t: (-counts[t], t)) if counts else \
        DEFAULTS["traditional"]
    profiles: dict[str, dict[str, object]] = {}

    peers_of: dict[str, set[str]] = defaultdict(set)
    for sess in sessions:
        pair = sess.get("peers")
        ends = [str(x) for x in pair] if isinstance(pair, list) else \
            [str(sess["rr"]), str(sess["client"])]
        peers_of[ends[0]].add(ends[1])
        peers_of[ends[1]].add(ends[0])

    def graceful_restart(r: Router) -> str:
        """How ``r`` treats a peer's routes when the session drops (the model's knob is
        the receiver's): it keeps them only if it is a helper (FRR's default, unless
        `bgp graceful-restart-disable`) and the peer restarts gracefully (`bgp
        graceful-restart`); after a NOTIFICATION or hold expiry too when both have
        RFC 8538's N bit."""
        if r.gr_disabled:
            return "off"
        peers = [by_name.get(p) for p in sorted(peers_of[r.name])]
        restarting = [p for p in peers if p is not None and p.gr_restart and
                      not p.gr_disabled]
        if not restarting:
            return "off"
        if len(restarting) < len(peers):
            problems.append(Problem(r.file, f"{r.name}: {len(restarting)} of its "
                                    f"{len(peers)} peers restart gracefully; the model "
                                    "has one setting per speaker: it keeps no peer's "
                                    "routes (the cautious choice)"))
            return "off"
        return "notification" if r.gr_nbit and all(p.gr_nbit for p in restarting) \
            else "helper"

    def profile_for(r: Router) -> str:
        over: dict[str, object] = {}
        gr = graceful_restart(r)
        if gr != "off":
            over["graceful_restart"] = gr
        if r.stale_time is not None:
            over["stale_time"] = r.stale_time
        if r.listen_limit is not None:
            over["dynamic_neighbor_limit"] = r.listen_limit
        if not over:
            return "frr"
        pname = "frr-" + "-".join(f"{k.replace('_', '-')}-{v}" for k, v in over.items())
        profiles[pname] = {"base": "frr", **over}
        return pname

    def route_count(nm: str, default: int) -> int:
        n = default
        for glob, v in routes:
            if fnmatch.fnmatchcase(nm, glob):
                n = v
        return n

    for r in routers:
        if r.name not in in_zone:
            problems.append(Problem(r.file, f"{r.name}: no session with any other router "
                                    "of the inputs; left out"))
            continue
        sp: dict[str, object] = {"name": r.name}
        pname = profile_for(r)
        if pname != "frr":
            sp["profile"] = pname
        if r.name in is_rr:
            sp["cluster_id"] = r.cluster_id or r.router_id or r.name
            if not r.client_to_client:
                sp["client_to_client"] = False
            if r.listen:
                sp["dynamic_neighbors"] = True
        elif r.cluster_id:
            problems.append(Problem(r.file, f"{r.name}: bgp cluster-id set but it reflects "
                                    "to no client; not used"))
        n_routes = route_count(r.name, r.networks)
        if (r.evpn or r.redistribute) and not any(fnmatch.fnmatchcase(r.name, g)
                                                  for g, _ in routes):
            problems.append(Problem(r.file, f"{r.name}: originates routes the "
                                    "configuration does not count (EVPN, redistribute); "
                                    f"{n_routes} used, give --routes {r.name}=N"))
        if n_routes:
            sp["routes"] = n_routes
        t = timers_of[r.name]
        if t != zone_t:
            sp["timers"] = {"hold": t[1], "keepalive": t[0], "connect_retry": t[2]}
        speakers.append(sp)
    for syn in synthetic:
        nm = syn.name
        sp = {"name": nm}
        n_routes = route_count(nm, 0)
        if n_routes:
            sp["routes"] = n_routes
        t = timers_of[nm]
        if t != zone_t:
            sp["timers"] = {"hold": t[1], "keepalive": t[0], "connect_retry": t[2]}
        speakers.append(sp)
    zone: dict[str, object] = {
        "zone": name,
        "timers": {"hold": zone_t[1], "keepalive": zone_t[0], "connect_retry": zone_t[2]}}
    if profiles:
        zone["profiles"] = profiles
    zone["speakers"] = speakers
    zone["sessions"] = sessions
    return Imported(zone, problems, [], len(speakers) - len(synthetic), len(sessions),
                    len(synthetic))


def import_frr(paths: Sequence[str], *, name: str = "imported",
               dynamic: dict[str, int] | None = None,
               routes: Sequence[tuple[str, int]] = ()) -> Imported:
    """Read every configuration under ``paths`` and build the zone."""
    routers: list[Router] = []
    unused: list[Line] = []
    files = find_configs(paths)
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    skipped: list[Problem] = []
    for p in files:
        try:
            r, lines = parse_config(p)
        except NoRouterBgp:
            if p.resolve() in named:
                raise
            skipped.append(Problem(str(p), "no `router bgp` in it (not a router's BGP "
                                   "configuration, e.g. vtysh.conf); skipped"))
            continue
        routers.append(r)
        unused += [ln for ln in lines if not ln.used]
    if not routers:
        raise InputError("no router's BGP configuration among the inputs", field="import",
                         allowed="files with `router bgp`")
    out = build_zone(routers, name=name, dynamic=dynamic, routes=routes)
    out.problems[:0] = skipped
    out.unused = sorted(unused, key=lambda ln: (ln.file, ln.no))
    out.files = len(files) - len(skipped)
    return out


def report(result: Imported) -> Iterable[str]:
    """The import report: what was left out and why, then every line not used."""
    yield (f"imported {result.routers} routers, {result.sessions} sessions"
           + (f", {result.synthetic} dynamic neighbors from --dynamic" if result.synthetic
              else ""))
    if result.problems:
        yield f"{len(result.problems)} problem(s):"
        for p in result.problems:
            yield f"  {p}"
    if result.unused:
        yield f"{len(result.unused)} line(s) not used (the model leaves them out):"
        for ln in result.unused:
            yield f"  {ln.where()}: {ln.text.strip()}" + (f"  [{ln.note}]" if ln.note else "")
