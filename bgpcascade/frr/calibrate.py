"""Calibration: what a route costs a real FRR route reflector on this machine.

docs/calibration.md has the method and the numbers measured here.

``bgpcascade calibrate --frr`` runs bursts on the FRR lab (bgpcascade/frr/lab.py): one RR
(``rr1``), ``K`` receiving clients without routes, and an injecting client ``inj`` with
``N`` routes (a plain iBGP peer, so nothing is reflected back to it) that is started
once the rest is up. The RR's CPU time (user + system, all
its threads, from ``/proc/PID/stat``) is read before ``inj`` starts and when every
receiver holds the ``N`` routes. One burst costs the RR

    cpu = c0 + N x rx + [K > 0] x N x tx + K x N x peer

``rx``: seconds per route received (parse, attributes, best path); ``tx``: seconds per
route to build an UPDATE once for an update-group; ``peer``: seconds per route per peer
to copy and write it; ``c0``: the session's own cost (OPEN, End-of-RIB, KEEPALIVEs
meanwhile). Bursts at several N and K and a least-squares fit give the four numbers; the
fit's R², its largest residual and a 95% confidence bound per cost (Student's t times
the standard error) say how well the linear model explains the bursts.

In the model's units (docs/model.md, "Load"; one unit = one received route):
``capacity = 1 / rx`` units per second, ``cost_tx_route = tx / rx`` and
``cost_tx_peer_route = peer / rx``. They are written as a profile based on ``frr``.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bgpcascade.frr.lab import BGPD, Lab
from bgpcascade.model.errors import InputError
from bgpcascade.model.zonefile import load_zone

#: The default plan: sizes, receiver counts and repeats (27 bursts, about 2 minutes).
DEFAULT_ROUTES = (5000, 15000, 30000)
DEFAULT_PEERS = (0, 4, 12)
DEFAULT_REPEAT = 3
MAX_PEERS = 40


#: Student's t, 97.5th percentile (two-sided 95%), by degrees of freedom; beyond the
#: table the next smaller entry's value is used (a slightly wider bound).
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306,
        9: 2.262, 10: 2.228, 12: 2.179, 15: 2.131, 20: 2.086, 25: 2.060, 30: 2.042,
        40: 2.021, 60: 2.000, 120: 1.980}


def t95(dof: int) -> float:
    """Student's t for a two-sided 95% interval with ``dof`` degrees of freedom."""
    if dof < 1:
        return math.inf
    return _T95[max(d for d in _T95 if d <= dof)]


class Unmeasured(ValueError):
    """The bursts do not tell the reception cost apart from zero."""


@dataclass(frozen=True)
class Burst:
    """One measured burst: ``routes`` routes from ``inj`` through the RR to ``peers``
    receivers; the RR's CPU seconds and the wall time until every receiver had them."""

    peers: int
    routes: int
    cpu_s: float
    wall_s: float

    def as_json(self) -> dict[str, Any]:
        """The ``bursts`` entry of ``calibrate --json``."""
        return {"peers": self.peers, "routes": self.routes, "cpu_s": round(self.cpu_s, 4),
                "wall_s": round(self.wall_s, 3)}


@dataclass(frozen=True)
class Fit:
    """The least-squares fit of the bursts (seconds; see the module docstring)."""

    c0: float
    rx: float
    tx: float
    peer: float
    r2: float
    max_residual_s: float
    bursts: tuple[Burst, ...]
    #: Standard errors of (c0, rx, tx, peer), from the residuals.
    se: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)

    def bound(self, which: str) -> float:
        """The 95% two-sided confidence half-width of ``rx``, ``tx`` or ``peer``: Student's t
        for the fit's degrees of freedom times its standard error."""
        return t95(len(self.bursts) - 4) * self.se[{"rx": 1, "tx": 2, "peer": 3}[which]]

    def measured(self, which: str) -> bool:
        """Is the cost ``rx``, ``tx`` or ``peer`` told apart from zero by the bursts (above
        its 95% confidence bound)? One that is not is left to the ``frr`` base."""
        value = {"rx": self.rx, "tx": self.tx, "peer": self.peer}[which]
        return value > 0 and value > self.bound(which)

    def predict(self, b: Burst) -> float:
        """The CPU seconds the fit gives for a burst like ``b``."""
        return self.c0 + b.routes * (self.rx + (self.tx if b.peers else 0.0) +
                                     b.peers * self.peer)

    def profile(self) -> dict[str, float]:
        """The measured fields, in the model's units; a cost the bursts cannot tell from
        zero is left out (it stays the ``frr`` base's estimate)."""
        if not self.measured("rx"):
            raise Unmeasured(f"the reception cost, {self.rx * 1e6:.2f} us per route "
                             f"+- {self.bound('rx') * 1e6:.2f} (95%), is not told apart "
                             "from 0: use larger --routes, more --repeat or a quieter "
                             "machine")
        out: dict[str, float] = {"capacity": round(1.0 / self.rx)}
        if self.measured("tx"):
            out["cost_tx_route"] = round(self.tx / self.rx, 4)
        if self.measured("peer"):
            out["cost_tx_peer_route"] = round(self.peer / self.rx, 4)
        return out

    def as_json(self) -> dict[str, Any]:
        """``calibrate --json``: the fit, its quality, the profile and every burst."""
        return {"c0_s": self.c0, "rx_s_per_route": self.rx, "tx_s_per_route": self.tx,
                "peer_s_per_route": self.peer,
                "se_s": dict(zip(("c0", "rx", "tx", "peer"), self.se, strict=True)),
                "bound95_s": {k: self.bound(k) for k in ("rx", "tx", "peer")},
                "measured": {k: self.measured(k) for k in ("rx", "tx", "peer")},
                "r2": round(self.r2, 4),
                "max_residual_s": round(self.max_residual_s, 4),
                "profile": self.profile() if self.measured("rx") else None,
                "bursts": [b.as_json() for b in self.bursts]}


def _solve(a: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Gaussian elimination, exact (the normal equations are tiny)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if m[r][col] != 0), None)
        if pivot is None:
            raise ValueError("singular")
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col and m[r][col] != 0:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def check_plan(routes: Sequence[int], peers: Sequence[int]) -> None:
    """Refuse a plan whose bursts cannot tell the four costs apart: it needs bursts without
    receivers, with receivers at two counts, and two sizes."""
    k, n = set(peers), set(routes)
    if 0 not in k or len(k - {0}) < 2 or len(n) < 2:
        raise InputError(f"peers {sorted(k)}, routes {sorted(n)}", field="--peers/--routes",
                         allowed="peers with 0 and two counts > 0, and two route counts")


def fit(bursts: Sequence[Burst]) -> Fit:
    """Least squares of ``cpu`` on ``[1, N, [K>0] N, K N]`` over the bursts.

    Needs bursts with no receiver, with receivers at two counts, and two sizes, or the
    four costs cannot be told apart (InputError names what is missing).
    """
    check_plan([b.routes for b in bursts], [b.peers for b in bursts])
    rows = [[Fraction(1), Fraction(b.routes), Fraction(b.routes if b.peers else 0),
             Fraction(b.routes * b.peers)] for b in bursts]
    ys = [Fraction(b.cpu_s) for b in bursts]
    ata = [[sum((r[i] * r[j] for r in rows), Fraction(0)) for j in range(4)]
           for i in range(4)]
    aty = [sum((r[i] * y for r, y in zip(rows, ys, strict=True)), Fraction(0))
           for i in range(4)]
    c0, rx, tx, peer = (float(x) for x in _solve(ata, aty))
    f = Fit(c0, rx, tx, peer, 0.0, 0.0, tuple(bursts))
    mean = sum(b.cpu_s for b in bursts) / len(bursts)
    ss_tot = sum((b.cpu_s - mean) ** 2 for b in bursts)
    res = [b.cpu_s - f.predict(b) for b in bursts]
    ss_res = sum(r * r for r in res)
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else 0.0
    dof = len(bursts) - 4
    var = ss_res / dof if dof > 0 else float("inf")
    inv_diag = [float(_solve(ata, [Fraction(int(i == j)) for j in range(4)])[i])
                for i in range(4)]
    se = tuple(math.sqrt(var * d) if math.isfinite(var) else float("inf") for d in inv_diag)
    return Fit(c0, rx, tx, peer, r2, max(abs(r) for r in res), tuple(bursts),
               (se[0], se[1], se[2], se[3]))


def _zone(peers: int, routes: int) -> Any:
    lines = ["zone: calibrate", "timers: {hold: 9, keepalive: 3, connect_retry: 1}",
             "speakers:", "  - {name: rr1, profile: frr, cluster_id: 10.0.0.1}",
             f"  - {{name: inj, routes: {routes}}}"]
    lines += [f"  - {{name: rcv{i}, routes: 0}}" for i in range(1, peers + 1)]
    # inj is a plain iBGP peer, not a client: its routes go to the clients only (RFC 4456
    # §6), never back to it, so a burst without receivers costs the RR reception only.
    lines += ["sessions:", "  - {peers: [rr1, inj]}"]
    lines += [f"  - {{rr: rr1, client: rcv{i}}}" for i in range(1, peers + 1)]
    return load_zone("\n".join(lines) + "\n", source="<calibrate>")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, all its threads, in seconds: the scheduler's runtime per
    thread (``/proc/PID/task/*/schedstat``, nanoseconds), or user + system time in clock
    ticks (``/proc/PID/stat``, 10 ms) where schedstat is missing."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                total += int((task / "schedstat").read_text().split()[0])
            except (OSError, IndexError, ValueError):
                continue  # a thread that ended meanwhile
    except OSError:
        total = 0
    if total:
        return total / 1e9
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait(cond: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} after {timeout:g} s")
        time.sleep(0.05)


def burst(peers: int, routes: int, *, bgpd: str = BGPD, timeout: float = 120.0) -> Burst:
    """One burst on a fresh lab (every daemon stopped and removed afterwards)."""
    zone = _zone(peers, routes)
    with Lab(zone, bgpd=bgpd) as lab:
        for name in ["rr1"] + [f"rcv{i}" for i in range(1, peers + 1)]:
            lab.start(name)

        def receivers_up() -> bool:
            s = lab.summary("rr1")
            return all(s.get(f"rcv{i}", {}).get("state") == "Established"
                       for i in range(1, peers + 1))

        _wait(receivers_up, timeout, "the receivers' sessions not up")
        time.sleep(0.3)  # let the sessions' own work settle
        pid = lab.procs["rr1"].pid
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        lab.start("inj")

        def delivered() -> bool:
            if peers == 0:
                return lab.summary("rr1").get("inj", {}).get("pfxRcd") == routes
            return all(lab.summary(f"rcv{i}").get("rr1", {}).get("pfxRcd") == routes
                       for i in range(1, peers + 1))

        _wait(delivered, timeout, f"{routes} routes not delivered to {peers} peers")
        wall = time.monotonic() - t0
        # The last UPDATEs are written by the time the receivers hold them; a short
        # pause lets the RR finish its bookkeeping for them.
        time.sleep(0.2)
        cpu = cpu_seconds(pid) - cpu0
    return Burst(peers, routes, cpu, wall)


def calibrate(routes: Sequence[int] = DEFAULT_ROUTES, peers: Sequence[int] = DEFAULT_PEERS,
              repeat: int = DEFAULT_REPEAT, *, bgpd: str = BGPD, timeout: float = 120.0,
              progress: Callable[[str], None] | None = None) -> Fit:
    """Every burst of the plan (sizes x receiver counts x repeats, interleaved so that a
    slow spell of the machine does not fall on one size), then the fit."""
    say = progress or (lambda _m: None)
    if not Path(bgpd).exists():
        raise InputError(f"{bgpd} not found", field="calibrate --frr",
                         allowed="FRR installed (apt-get install -y frr)")
    plan = [(k, n) for _ in range(repeat) for n in routes for k in peers]
    out = []
    for i, (k, n) in enumerate(plan, 1):
        b = burst(k, n, bgpd=bgpd, timeout=timeout)
        say(f"calibrate: burst {i}/{len(plan)}: {n:,} routes to {k} peers: "
            f"RR CPU {b.cpu_s:.3f} s in {b.wall_s:.2f} s")
        out.append(b)
    return fit(out)


def frr_version(bgpd: str = BGPD) -> str:
    """``bgpd --version``'s first line (``bgpd version 8.4.4``), or ``unknown``."""
    try:
        r = subprocess.run([bgpd, "--version"], capture_output=True, text=True, timeout=10)
    except OSError:
        return "unknown"
    first = (r.stdout or r.stderr).strip().splitlines()[:1]
    return first[0] if first else "unknown"


def cpu_model() -> str:
    """The CPU's model name (``/proc/cpuinfo``), or the platform's processor."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def profile_yaml(f: Fit, name: str, *, version: str, cpu: str) -> str:
    """The profile as a zone file's ``profiles:`` block (``base: frr`` plus the measured
    fields), with how it was measured as comments."""
    p = f.profile()
    plan = sorted({(b.peers, b.routes) for b in f.bursts})
    return "\n".join([
        f"# bgpcascade calibrate --frr: {version} on {cpu}",
        f"# {len(f.bursts)} bursts (peers x routes: "
        f"{', '.join(f'{k}x{n}' for k, n in plan)}); fit R^2 {f.r2:.4f}, "
        f"largest residual {f.max_residual_s * 1000:.1f} ms of RR CPU",
        f"# per route: received {f.rx * 1e6:.2f} us, UPDATE built {f.tx * 1e6:.2f} us, "
        f"per peer {f.peer * 1e6:.2f} us (95%: +-{f.bound('rx') * 1e6:.2f}, "
        f"+-{f.bound('tx') * 1e6:.2f}, +-{f.bound('peer') * 1e6:.2f}); per session "
        f"{f.c0 * 1000:.1f} ms",
        "# Paste under `profiles:` in a zone file and use `profile: " + name + "`.",
        "profiles:",
        f"  {name}:",
        "    base: frr",
        f"    capacity: {p['capacity']}",
        *(f"    {k}: {p[k]}" if k in p else
          f"    # {k}: not told apart from 0 by these bursts; the frr estimate stays"
          for k in ("cost_tx_route", "cost_tx_peer_route")),
        f"    description: {json.dumps('FRR calibrated by bgpcascade calibrate on ' + cpu)}",
        ""])
