"""Real FRR daemons for a small zone: the lab the model is held to (``bgpcascade lab``).

One ``bgpd`` per speaker of the zone, without zebra, each on its own loopback address
127.0.1.N (port 10179, vty socket and files in a temporary directory), configured from
the zone: its timers (``timers bgp K H``, ``timers connect C``), CLUSTER_IDs, RR-client and
plain iBGP sessions, and the routes each speaker originates (/32 host routes from
10.N.0.0/16). How to run many bgpd on one machine and the pitfalls avoided here (martian
next hops, the route-map delay, the connect timer, SIGSTOPped vty): docs/validation.md.

The harness owns every process it starts (by PID, in the foreground, never ``-d``) and
stops them all, and removes its directory, on exit, on an error and on Ctrl-C. Nothing
outside 127.0.0.0/8 and its own directory is touched; the CPU-starved scenario uses a
cgroup (v1 ``cpu`` or v2) that it creates and removes.

Counters per session: ``show bgp neighbors json`` (messageStats), ``show bgp summary
json`` (pfxRcd), the prefixes in every UPDATE from the MRT dump of each daemon
(``dump bgp updates``, RFC 6396 BGP4MP), and the session changes with their reasons from
``bgp log-neighbor-changes`` lines in each daemon's log.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import Zone

BGPD = "/usr/lib/frr/bgpd"
PORT = 10179
ASN = 65000
MAX_SPEAKERS = 60
MAX_ROUTES = 50000


@dataclass(frozen=True)
class Speaker:
    """One daemon: its zone name, index (its address is 127.0.1.<index>), role, routes,
    CLUSTER_ID and timers (seconds)."""

    name: str
    index: int
    is_rr: bool
    routes: int
    cluster_id: str | None
    hold: int
    keepalive: int
    connect: int

    @property
    def addr(self) -> str:
        """Its loopback address."""
        return f"127.0.1.{self.index}"

    def prefixes(self) -> list[str]:
        """The routes it originates: /32s from 10.<index>.0.0/16."""
        return [f"10.{self.index}.{k // 256}.{k % 256}/32" for k in range(self.routes)]


@dataclass(frozen=True)
class Session:
    """One BGP session: ``rr`` reflects to ``client``, or two plain iBGP ``peers``."""

    a: str
    b: str
    rr: str | None  # the RR end of an RR-client session, None for plain iBGP

    @property
    def key(self) -> str:
        """``a~b`` in name order (as the model names sessions)."""
        x, y = sorted((self.a, self.b))
        return f"{x}~{y}"


def _int_seconds(x: Any, what: str) -> int:
    if x != int(x):
        raise InputError(f"{what} {float(x):g} s", field="timers",
                         allowed="whole seconds (FRR's timers are whole seconds)")
    return int(x)


def speakers_and_sessions(zone: Zone) -> tuple[list[Speaker], list[Session]]:
    """The zone expanded to one speaker per member and one session per pair (the lab
    runs every speaker; a zone larger than :data:`MAX_SPEAKERS` is refused)."""
    if zone.speaker_count > MAX_SPEAKERS:
        raise InputError(f"{zone.speaker_count} speakers", field="zone",
                         allowed=f"at most {MAX_SPEAKERS} speakers in the lab (one bgpd each)")
    speakers: list[Speaker] = []
    members: dict[str, list[str]] = {}
    for g in zone.groups:
        members[g.key] = list(g.names)
        if g.routes > MAX_ROUTES:
            raise InputError(f"{g.key}: {g.routes} routes", field="routes",
                             allowed=f"at most {MAX_ROUTES} per speaker in the lab")
        for name in g.names:
            speakers.append(Speaker(
                name, len(speakers) + 1, g.is_rr, g.routes,
                g.cluster_id if g.is_rr and g.cluster_id is not None else None,
                _int_seconds(g.timers.hold, "hold"), _int_seconds(g.timers.keepalive,
                                                                   "keepalive"),
                _int_seconds(g.timers.connect_retry, "connect_retry")))
    sessions: dict[str, Session] = {}
    for g in zone.groups:
        for h, rel in zone.adjacency[g.key]:
            for a in members[g.key]:
                for b in members[h]:
                    if a == b:
                        continue
                    if rel == "client":
                        s = Session(a, b, a)
                    elif rel == "rr":
                        s = Session(b, a, b)
                    else:
                        x, y = sorted((a, b))
                        s = Session(x, y, None)
                    sessions.setdefault(s.key, s)
    return speakers, [sessions[k] for k in sorted(sessions)]


def _cluster_id(raw: str) -> str | None:
    """A CLUSTER_ID as FRR takes it (dotted quad or a number), None when it is neither
    (the zone's shard names; the RRs then use their router id)."""
    with contextlib.suppress(ValueError):
        return str(ipaddress.IPv4Address(raw))
    if raw.isdigit() and int(raw) < 2 ** 32:
        return str(ipaddress.IPv4Address(int(raw)))
    return None


def bgpd_conf(sp: Speaker, speakers: dict[str, Speaker], sessions: list[Session],
              directory: Path) -> str:
    """The ``bgpd.conf`` of one speaker."""
    lines = [f"hostname {sp.name}", f"log file {directory / 'bgpd.log'}",
             "log timestamp precision 3", "bgp route-map delay-timer 0",
             f"dump bgp updates {directory / 'updates.mrt'}"]
    if sp.routes:
        # Originated routes leave with next hop 10.255.<i>: a 127/8 next hop is martian
        # (NOTIFICATION 3/8); without zebra nothing is installed, so nothing goes there.
        lines += ["route-map NH permit 10", f" set ip next-hop 10.255.{sp.index // 256}."
                  f"{sp.index % 256}", "exit"]
    lines += [f"router bgp {ASN}", f" bgp router-id {sp.addr}",
              " no bgp network import-check", " bgp log-neighbor-changes",
              " no bgp default ipv4-unicast", f" timers bgp {sp.keepalive} {sp.hold}"]
    cid = _cluster_id(sp.cluster_id) if sp.cluster_id else None
    if sp.is_rr and cid:
        lines.append(f" bgp cluster-id {cid}")
    mine = [s for s in sessions if sp.name in (s.a, s.b)]
    for s in mine:
        peer = speakers[s.b if s.a == sp.name else s.a]
        lines += [f" neighbor {peer.addr} remote-as {ASN}",
                  f" neighbor {peer.addr} port {PORT}",
                  f" neighbor {peer.addr} update-source {sp.addr}",
                  f" neighbor {peer.addr} timers connect {sp.connect}"]
    lines.append(" address-family ipv4 unicast")
    lines += [f"  network {p}" for p in sp.prefixes()]
    for s in mine:
        peer = speakers[s.b if s.a == sp.name else s.a]
        lines.append(f"  neighbor {peer.addr} activate")
        if s.rr == sp.name:
            lines.append(f"  neighbor {peer.addr} route-reflector-client")
        if sp.routes:
            lines.append(f"  neighbor {peer.addr} route-map NH out")
    lines += [" exit-address-family", "exit", ""]
    return "\n".join(lines)


# -- the vty --------------------------------------------------------------------------------
def vty(directory: Path, command: str, timeout: float = 10.0) -> str:
    """One command on a daemon's vty socket (``<dir>/bgpd.vty``): send ``command\\0``,
    read until ``\\0\\0\\0<status>``. Never call it on a stopped daemon: it would block
    until ``timeout``."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(directory / "bgpd.vty"))
        s.sendall(b"enable\0")
        _read_reply(s)
        s.sendall(command.encode() + b"\0")
        return _read_reply(s)


def _read_reply(s: socket.socket) -> str:
    buf = b""
    while not (len(buf) >= 4 and buf[-4:-1] == b"\0\0\0"):
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
    return buf[:-4].decode("utf-8", "replace")


# -- MRT (RFC 6396): prefixes announced and withdrawn per UPDATE -------------------------------
@dataclass(frozen=True)
class MrtUpdate:
    """One UPDATE a daemon received: when (1 s resolution), from which peer, how many
    IPv4 prefixes it announced and withdrew."""

    t: int
    peer: str
    announced: int
    withdrawn: int


def _prefix_count(data: bytes) -> int:
    n, i = 0, 0
    while i < len(data):
        plen = data[i]
        i += 1 + (plen + 7) // 8
        n += 1
    return n


def read_mrt(path: Path) -> list[MrtUpdate]:
    """The UPDATEs in an MRT file (BGP4MP / BGP4MP_ET, MESSAGE and MESSAGE_AS4, IPv4)."""
    if not path.exists():
        return []
    raw = path.read_bytes()
    out: list[MrtUpdate] = []
    i = 0
    while i + 12 <= len(raw):
        ts, typ, sub, length = struct.unpack_from("!IHHI", raw, i)
        body = raw[i + 12:i + 12 + length]
        i += 12 + length
        if typ == 17:  # BGP4MP_ET: a microsecond field first
            body = body[4:]
        elif typ != 16:
            continue
        if sub not in (1, 4):  # MESSAGE, MESSAGE_AS4
            continue
        asn = 4 if sub == 4 else 2
        afi = struct.unpack_from("!H", body, 2 * asn + 2)[0]
        if afi != 1:
            continue
        peer = str(ipaddress.IPv4Address(body[2 * asn + 4:2 * asn + 8]))
        msg = body[2 * asn + 12:]
        if len(msg) < 23 or msg[18] != 2:  # marker(16) length(2) type(1): UPDATE = 2
            continue
        wlen = struct.unpack_from("!H", msg, 19)[0]
        withdrawn = _prefix_count(msg[21:21 + wlen])
        alen = struct.unpack_from("!H", msg, 21 + wlen)[0]
        # IPv4 unicast travels in the classic fields (FRR does not use MP_REACH for it).
        announced = _prefix_count(msg[23 + wlen + alen:])
        out.append(MrtUpdate(ts, peer, announced, withdrawn))
    return out


_ADJ = re.compile(r"^(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d(?:\.\d+)?) .*%ADJCHANGE: neighbor "
                  r"(\S+?)(?:\(\S*\))? in vrf \S+ (Up|Down)(?: (.*))?$")


@dataclass(frozen=True)
class Change:
    """A session change a daemon logged: when (epoch seconds, ms resolution), at which
    speaker, for which peer, Up or Down, and why (FRR's words)."""

    t: float
    at: str
    peer: str
    up: bool
    reason: str


_NOTIF = re.compile(r"%NOTIFICATION(?:\([^)]*\))?: (sent to|received from) neighbor "
                    r"(\S+?)(?:\(\S*\))? (\d+/\d+) \(([^)]*)\)")


def read_changes(path: Path, at: str, by_addr: dict[str, str]) -> list[Change]:
    """The ``%ADJCHANGE`` lines of a daemon's log. A Down for a NOTIFICATION gets the
    NOTIFICATION's code and text from the ``%NOTIFICATION`` line logged before it, e.g.
    ``BGP Notification send 4/0 (Hold Timer Expired)``."""
    if not path.exists():
        return []
    out = []
    last: dict[tuple[str, str], str] = {}  # (direction, peer) -> "4/0 (Hold Timer Expired)"
    for line in path.read_text(errors="replace").splitlines():
        n = _NOTIF.search(line)
        if n is not None:
            way, addr, code, text = n.groups()
            last[("send" if way == "sent to" else "received", addr)] = f"{code} ({text})"
            continue
        m = _ADJ.match(line)
        if m is None:
            continue
        stamp, addr, what, why = m.groups()
        t = time.mktime(time.strptime(stamp.split(".")[0], "%Y/%m/%d %H:%M:%S"))
        if "." in stamp:
            t += float("0." + stamp.split(".")[1])
        why = (why or "").strip()
        for way in ("send", "received"):
            if why == f"BGP Notification {way}" and (way, addr) in last:
                why = f"{why} {last.pop((way, addr))}"
        out.append(Change(t, at, by_addr.get(addr, addr), what == "Up", why))
    return out


# -- the lab --------------------------------------------------------------------------------
@dataclass
class Lab:
    """The running daemons of one zone (a context manager: everything stops on exit)."""

    zone: Zone
    bgpd: str = BGPD
    keep: bool = False
    root: Path = field(init=False)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    stopped: set[str] = field(default_factory=set)
    cgroups: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        sps, self.sessions = speakers_and_sessions(self.zone)
        self.speakers = {s.name: s for s in sps}
        self.by_addr = {s.addr: s.name for s in sps}
        if not Path(self.bgpd).exists():
            raise InputError(f"{self.bgpd} not found", field="lab",
                             allowed="FRR installed (apt-get install -y frr)")
        # Made last, so that a refused zone leaves nothing behind.
        self.root = Path(tempfile.mkdtemp(prefix="bgpcascade-lab-"))

    # -- life cycle -----------------------------------------------------------------------
    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def dir(self, name: str) -> Path:
        """The speaker's directory (config, pid, vty socket, log, MRT dump)."""
        return self.root / name

    def start(self, name: str | None = None) -> None:
        """Start one daemon (or all), after writing its config."""
        for sp in ([self.speakers[name]] if name else list(self.speakers.values())):
            d = self.dir(sp.name)
            d.mkdir(parents=True, exist_ok=True)
            (d / "bgpd.conf").write_text(bgpd_conf(sp, self.speakers, self.sessions, d))
            with contextlib.suppress(FileNotFoundError):
                (d / "bgpd.vty").unlink()
            out = open(d / "stdout.log", "ab")  # noqa: SIM115 (owned by the process)
            self.procs[sp.name] = subprocess.Popen(
                [self.bgpd, "-Z", "-S", "-l", sp.addr, "-p", str(PORT), "-P", "0",
                 "-f", str(d / "bgpd.conf"), "-i", str(d / "bgpd.pid"),
                 "--vty_socket", str(d)], stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True)
            out.close()
        deadline = time.monotonic() + 20
        for sp in ([self.speakers[name]] if name else list(self.speakers.values())):
            while not (self.dir(sp.name) / "bgpd.vty").exists():
                proc = self.procs[sp.name]
                if proc.poll() is not None:
                    tail = (self.dir(sp.name) / "stdout.log").read_text(
                        errors="replace").strip().splitlines()[-1:]
                    raise RuntimeError(f"bgpd of {sp.name} exited ({proc.returncode}): "
                                       f"{tail[0] if tail else 'no output'}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"bgpd of {sp.name}: no vty socket after 20 s")
                time.sleep(0.05)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to one daemon and, for a kill, reap it."""
        proc = self.procs[name]
        if name in self.stopped:
            proc.send_signal(signal.SIGCONT)
            self.stopped.discard(name)
        proc.send_signal(sig)
        if sig in (signal.SIGKILL, signal.SIGTERM):
            proc.wait(timeout=10)

    def pause(self, name: str) -> None:
        """SIGSTOP one daemon (its vty is not polled while stopped)."""
        self.procs[name].send_signal(signal.SIGSTOP)
        self.stopped.add(name)

    def resume(self, name: str) -> None:
        """SIGCONT it."""
        self.procs[name].send_signal(signal.SIGCONT)
        self.stopped.discard(name)

    def starve(self, name: str, percent: float) -> Path:
        """Put one daemon in a cgroup of its own with ``percent`` of one CPU."""
        pid = self.procs[name].pid
        v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists() and \
            "cpu" in Path("/sys/fs/cgroup/cgroup.controllers").read_text()
        base = Path("/sys/fs/cgroup") if v2 else Path("/sys/fs/cgroup/cpu")
        cg = base / f"{self.root.name}-{name}"
        cg.mkdir()
        self.cgroups.append(cg)
        period = 100000
        quota = max(1000, int(period * percent / 100))
        if v2:
            (cg / "cpu.max").write_text(f"{quota} {period}")
        else:
            (cg / "cpu.cfs_period_us").write_text(str(period))
            (cg / "cpu.cfs_quota_us").write_text(str(quota))
        (cg / "cgroup.procs").write_text(str(pid))
        return cg

    def unstarve(self) -> None:
        """Every starved daemon back to the root cgroup; the lab's cgroups removed."""
        for cg in self.cgroups:
            with contextlib.suppress(OSError):
                for pid in (cg / "cgroup.procs").read_text().split():
                    (cg.parent / "cgroup.procs").write_text(pid)
            with contextlib.suppress(OSError):
                cg.rmdir()
        self.cgroups.clear()

    def close(self) -> None:
        """Stop every daemon the lab started (by PID) and remove its directory."""
        self.unstarve()
        for name, proc in self.procs.items():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    if name in self.stopped:
                        proc.send_signal(signal.SIGCONT)
                    proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=10)
        self.procs.clear()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    # -- state ------------------------------------------------------------------------------
    def summary(self, name: str) -> dict[str, dict[str, Any]]:
        """``show bgp summary json``: per peer name, its state and pfxRcd."""
        raw = vty(self.dir(name), "show bgp ipv4 unicast summary json")
        peers = json.loads(raw or "{}").get("peers", {}) if raw.strip() else {}
        return {self.by_addr.get(a, a): p for a, p in peers.items()}

    def neighbors(self, name: str) -> dict[str, dict[str, Any]]:
        """``show bgp neighbors json``: per peer name, its record (messageStats...)."""
        raw = vty(self.dir(name), "show bgp neighbors json")
        data = json.loads(raw) if raw.strip() else {}
        return {self.by_addr.get(a, a): v for a, v in data.items() if isinstance(v, dict)}

    def expected_prefixes(self) -> dict[tuple[str, str], int]:
        """(speaker, peer) -> prefixes the speaker should accept from the peer once
        converged: every route the peer has as best and may send it (RFC 4456 rules with
        every session up): computed by the model's own reflection."""
        from bgpcascade.model.dynamics import Sim

        sim = Sim(self.zone, expand=True)
        out: dict[tuple[str, str], int] = {}
        for e in sim.edges:
            for me, other in ((e.a, e.b), (e.b, e.a)):
                # FRR's pfxRcd leaves out the speaker's own routes reflected back to it
                # (dropped by the ORIGINATOR_ID check, RFC 4456 §8); the model counts
                # them as received, since receiving them costs work.
                n = sum(sim.nodes[me].adj_routes.get((c, e.index), 0) for c in sim.classes
                        if c != me)
                out[(me, other)] = n
        return out

    def wait(self, until: str, timeout: float, poll: float = 0.2) -> float:
        """Poll the running daemons until ``until`` holds: ``established`` (every session
        Established) or ``converged`` (and every pfxRcd as the model expects). Returns
        the monotonic time it first held; raises TimeoutError."""
        want = self.expected_prefixes() if until == "converged" else {}
        deadline = time.monotonic() + timeout
        while True:
            if self._holds(want, until == "converged"):
                return time.monotonic()
            if time.monotonic() > deadline:
                raise TimeoutError(f"not {until} after {timeout:g} s")
            time.sleep(poll)

    def _holds(self, want: dict[tuple[str, str], int], prefixes: bool) -> bool:
        for name in self.speakers:
            if name in self.stopped:
                return False
            try:
                peers = self.summary(name)
            except OSError:
                return False
            for s in self.sessions:
                if name not in (s.a, s.b):
                    continue
                peer = s.b if s.a == name else s.a
                p = peers.get(peer)
                if p is None or p.get("state") != "Established":
                    return False
                if prefixes and p.get("pfxRcd") != want.get((name, peer), 0):
                    return False
        return True

    def stats(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Per speaker, per peer: messageStats and pfxRcd (running daemons only)."""
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for name in sorted(self.speakers):
            if name in self.stopped or self.procs.get(name) is None or \
                    self.procs[name].poll() is not None:
                continue
            summ = self.summary(name)
            for peer, rec in sorted(self.neighbors(name).items()):
                ms = rec.get("messageStats", {})
                out.setdefault(name, {})[peer] = {
                    "state": rec.get("bgpState"), "pfxRcd": summ.get(peer, {}).get("pfxRcd"),
                    "updates_rx": ms.get("updatesRecv"), "updates_tx": ms.get("updatesSent"),
                    "keepalives_rx": ms.get("keepalivesRecv"),
                    "keepalives_tx": ms.get("keepalivesSent"),
                    "notifications_rx": ms.get("notificationsRecv"),
                    "notifications_tx": ms.get("notificationsSent"),
                    "last_reset": rec.get("lastResetDueTo"),
                    "connections_dropped": rec.get("connectionsDropped")}
        return out

    def changes(self) -> list[Change]:
        """Every logged session change, in time order."""
        out: list[Change] = []
        for name in sorted(self.speakers):
            out += read_changes(self.dir(name) / "bgpd.log", name, self.by_addr)
        return sorted(out, key=lambda c: (c.t, c.at, c.peer))

    def updates(self) -> dict[str, list[MrtUpdate]]:
        """Per speaker, the UPDATEs it received (its MRT dump)."""
        return {name: [MrtUpdate(u.t, self.by_addr.get(u.peer, u.peer), u.announced,
                                 u.withdrawn) for u in read_mrt(self.dir(name) /
                                                                "updates.mrt")]
                for name in sorted(self.speakers)}


@contextlib.contextmanager
def running(zone: Zone, *, keep: bool = False, bgpd: str = BGPD) -> Iterator[Lab]:
    """Start every daemon of ``zone``; stop them all (and clean up) however the block
    ends, Ctrl-C included."""
    lab = Lab(zone, bgpd=bgpd, keep=keep)
    old = signal.getsignal(signal.SIGTERM)

    def on_term(_sig: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        lab.start()
        yield lab
    finally:
        lab.close()
        signal.signal(signal.SIGTERM, old)


# -- scenarios (their names are a contract) ---------------------------------------------------
SCENARIOS = ("converge", "clear", "kill-client", "pause-client", "pause-rr", "starve-rr")


def pick_pair(sessions: list[Session], rr: str | None, client: str | None) -> tuple[str, str]:
    """The RR and the client a scenario acts on: as given, else the first RR-client
    session of the zone (in name order)."""
    pairs = [(s.rr, s.b if s.a == s.rr else s.a) for s in sessions if s.rr]
    for r, c in pairs:
        assert r is not None
        if (rr is None or r == rr) and (client is None or c == client):
            return r, c
    raise InputError(f"no RR-client session {rr or '*'}~{client or '*'}", field="--rr/--client",
                     allowed=", ".join(f"{r}~{c}" for r, c in pairs) or "a zone with one")


def run_scenario(lab: Lab, scenario: str, *, rr: str | None = None,
                 client: str | None = None, starve_percent: float = 1.0,
                 timeout: float = 120.0, progress: Any = None) -> dict[str, Any]:
    """Run one scenario on a started lab; return what happened (JSON-ready).

    Times are seconds from the trigger (wall clock of the logs, ms resolution; MRT
    UPDATEs at 1 s). ``updates``: per receiving speaker, per peer, the prefixes announced
    and withdrawn in UPDATEs from the trigger's second on.
    """
    say = progress or (lambda _m: None)
    if scenario not in SCENARIOS:
        raise InputError(f"unknown scenario {scenario!r}", field="--scenario",
                         allowed=", ".join(SCENARIOS))
    t_start = time.monotonic()
    say(f"lab: {len(lab.speakers)} bgpd, waiting for convergence")
    converged_at = lab.wait("converged", timeout)
    result: dict[str, Any] = {"scenario": scenario, "zone": lab.zone.name,
                              "speakers": len(lab.speakers), "sessions": len(lab.sessions),
                              "converge_s": round(converged_at - t_start, 3)}
    before = lab.stats()
    r, c = pick_pair(lab.sessions, rr, client) if scenario != "converge" else (None, None)
    result.update(rr=r, client=c)
    time.sleep(1.0)  # the trigger lands in a second of its own in the MRT dumps
    t0_wall = time.time()
    t0 = time.monotonic()
    _trigger(lab, scenario, r, c, starve_percent=starve_percent, since=t0_wall, say=say)
    say("lab: waiting for reconvergence")
    if scenario == "starve-rr":
        try:
            back = lab.wait("converged", timeout)
        finally:
            lab.unstarve()
    else:
        back = lab.wait("converged", timeout) if scenario != "converge" else t0
    time.sleep(1.5)  # let the last UPDATEs reach the MRT dumps
    changes = [ch for ch in lab.changes() if ch.t >= t0_wall - 0.001]
    kept: bool | None = None
    if scenario == "starve-rr":
        kept = not any(ch.at == r and ch.peer != c and not ch.up for ch in changes)
    after = lab.stats()
    updates = _updates_since(lab, int(t0_wall))
    downs = [ch for ch in changes if not ch.up]
    result.update(
        trigger_wall=round(t0_wall, 3),
        reconverge_s=round(back - t0, 3) if scenario != "converge" else 0.0,
        detect_s=round(downs[0].t - t0_wall, 3) if downs else None,
        changes=[{"t": round(ch.t - t0_wall, 3), "at": ch.at, "peer": ch.peer,
                  "session": "~".join(sorted((ch.at, ch.peer))),
                  "up": ch.up, "reason": ch.reason} for ch in changes],
        updates=updates, starved_rr_kept_sessions=kept,
        stats={"before": before, "after": after})
    return result


def _trigger(lab: Lab, scenario: str, r: str | None, c: str | None, *,
             starve_percent: float, since: float, say: Callable[[str], object]) -> None:
    """Do what ``scenario`` does to the session ``r``~``c`` of a converged lab (nothing
    for ``converge``); ``since``: the trigger's wall-clock time."""
    if scenario == "converge":
        return
    assert r is not None and c is not None
    hold = {s: lab.speakers[s].hold for s in lab.speakers}
    if scenario == "clear":
        say(f"lab: clear bgp {c} on {r}")
        vty(lab.dir(r), f"clear bgp ipv4 unicast {lab.speakers[c].addr}")
    elif scenario == "kill-client":
        say(f"lab: kill -9 {c}; restart it when {r} has declared it dead")
        lab.kill(c)
        _wait_change(lab, r, c, up=False, since=since, timeout=3 * hold[c] + 10)
        lab.start(c)
    elif scenario in ("pause-client", "pause-rr"):
        who = c if scenario == "pause-client" else r
        pause = max(hold[r], hold[c]) + 2
        say(f"lab: SIGSTOP {who} for {pause} s (hold {hold[who]} s), then SIGCONT")
        lab.pause(who)
        time.sleep(pause)
        lab.resume(who)
    elif scenario == "starve-rr":
        say(f"lab: {r} held to {starve_percent:g}% of a CPU; kill -9 {c} and restart it")
        lab.starve(r, starve_percent)
        lab.kill(c)
        _wait_change(lab, r, c, up=False, since=since, timeout=3 * hold[c] + 30)
        lab.start(c)


def _updates_since(lab: Lab, since: int) -> dict[str, dict[str, dict[str, int]]]:
    """Per receiving speaker, per peer: the prefixes announced and withdrawn in the
    UPDATEs of the MRT dumps from second ``since`` on."""
    updates: dict[str, dict[str, dict[str, int]]] = {}
    for name, ups in lab.updates().items():
        for u in ups:
            if u.t >= since:
                d = updates.setdefault(name, {}).setdefault(u.peer, {"announced": 0,
                                                                     "withdrawn": 0})
                d["announced"] += u.announced
                d["withdrawn"] += u.withdrawn
    return updates


def _wait_change(lab: Lab, at: str, peer: str, *, up: bool, since: float,
                 timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(ch.at == at and ch.peer == peer and ch.up == up and ch.t >= since - 0.001
               for ch in lab.changes()):
            return
        time.sleep(0.1)
    raise TimeoutError(f"{at} logged no session {'Up' if up else 'Down'} for {peer} "
                       f"within {timeout:g} s")
