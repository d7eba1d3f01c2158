"""FRR configurations read: one router per file, and every line with whether it was used.

Reads ``frr.conf``, ``bgpd.conf`` or the output of ``show running-config`` as FRR's
vtysh writes them: top-level commands, the blocks they open (``router bgp``,
``interface``, and the ones not modelled), ``address-family`` sections. What one router
says about its BGP instance lands in a :class:`Router`: its name, ASN, router-id,
CLUSTER_ID, timers (``frr defaults``, ``timers bgp``, per neighbor and peer-group),
listen ranges, graceful restart, the routes it originates and its neighbors. Every line
is kept as a :class:`Line` marked used or not, with a note on why not, so that the
import report can show what the model leaves out (docs/import.md).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bgpcascade.model import rules
from bgpcascade.model.errors import InputError
from bgpcascade.model.identifiers import ROUTER_ID_ALLOWED, parse_router_id
from bgpcascade.model.topology import NAME_PATTERN

#: ``frr defaults`` profiles: (keepalive, hold, connect retry), from FRR's bgpd/bgp_vty.c
#: FRR_CFG_DEFAULT_ULONG(BGP_KEEPALIVE/BGP_HOLDTIME/BGP_CONNECT_RETRY).
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


def canonical_ip(text: str) -> str | None:
    """``text`` as an IPv4 or IPv6 address in its canonical form, or None if it is not one
    (an interface name, a peer-group)."""
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
    if not (rules.hold_acceptable(h) and rules.hold_fits_open(h)):
        raise InputError(f"hold {h}", source=ln.file, line=ln.no,
                         allowed="0, or 3 to 65535 seconds (RFC 4271 §4.2)")
    if h and k > h // 3:
        ln.note = f"keepalive {k} s above hold/3: FRR uses {h // 3} s"
    return (min(k, h // 3) if h else 0), h


def _need(toks: list[str], n: int, line: Line, form: str) -> None:
    if len(toks) < n:
        raise InputError(f"incomplete command {line.text.strip()!r}", source=line.file,
                         line=line.no, allowed=form)


def _read(path: Path) -> str:
    """The text of one configuration file (an input error if it is not UTF-8 text)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InputError("not a text file", source=str(path),
                         allowed="an FRR configuration (UTF-8 text)") from None
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror})", source=str(path)) from None


def parse_config(path: Path, text: str | None = None) -> tuple[Router, list[Line]]:
    """One router from one configuration; every line with whether it was used."""
    source = str(path)
    if text is None:
        text = _read(path)
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
            _interface_line(r, toks, ln, iface)
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
    _finish(r, path)
    return r, lines


def _interface_line(r: Router, toks: list[str], ln: Line, iface: str | None) -> None:
    """One line inside ``interface IFACE``: its addresses are the router's."""
    if toks[:2] in (["ip", "address"], ["ipv6", "address"]) and len(toks) >= 3:
        addr = canonical_ip(toks[2].split("/")[0])
        if addr is None:
            raise InputError(f"address {toks[2]!r}", source=ln.file, line=ln.no,
                             allowed="A.B.C.D/LEN or an IPv6 prefix")
        r.addresses.add(addr)
        ln.used = True
    else:
        ln.note = f"interface {iface}: not modelled"


def _finish(r: Router, path: Path) -> None:
    """After the last line: the router has a BGP instance and a name (its hostname, else
    the file's or its directory's), and its addresses include router-id and update-sources."""
    source = str(path)
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
        src = n.update_source and canonical_ip(n.update_source)
        if src:
            r.addresses.add(src)


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
        if parse_router_id(r.router_id) is None:  # the zone's router_id (RFC 6286 §2.1)
            raise InputError(f"router-id {t[2]!r}", source=ln.file, line=ln.no,
                             allowed=ROUTER_ID_ALLOWED)
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
        if canonical_ip(rest[1]) is None:
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
