"""``bgpcascade calibrate --frr [--out profile.yaml]``: measure what a route costs FRR on
this machine and write the profile (bgpcascade/calibrate.py; docs/calibration.md).

Exit 0 with the fit written, 2 for bad input (or no FRR here), 3 when a burst did not
complete within ``--timeout`` or the bursts do not tell the reception cost from zero (the
``--json`` is still written, every burst in it).
"""

from __future__ import annotations

import argparse
import time

from bgpcascade.frr.calibrate import (
    DEFAULT_PEERS,
    DEFAULT_REPEAT,
    DEFAULT_ROUTES,
    MAX_PEERS,
    Fit,
    Unmeasured,
    calibrate,
    check_plan,
    cpu_model,
    frr_version,
    profile_yaml,
)
from bgpcascade.frr.lab import MAX_ROUTES
from bgpcascade.io import check_out_file, dumps_json, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import NAME_PATTERN
from bgpcascade.progress import Progress
from bgpcascade.properties.verdict import Exit


def _ints(text: str, flag: str, lo: int, hi: int) -> tuple[int, ...]:
    try:
        values = tuple(int(x) for x in text.split(","))
    except ValueError:
        raise InputError(f"{text!r}", field=flag,
                         allowed="comma-separated whole numbers, e.g. 2000,6000") from None
    bad = [v for v in values if not lo <= v <= hi]
    if bad or len(set(values)) != len(values):
        raise InputError(f"{text!r}", field=flag,
                         allowed=f"distinct whole numbers from {lo} to {hi:,}")
    return values


def add_calibrate_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``calibrate``."""
    p.add_argument("--frr", action="store_true", required=True,
                   help="calibrate FRR (Debian's bgpd; the only implementation for now)")
    p.add_argument("--out", metavar="FILE",
                   help="write the profile (a zone file's `profiles:` block) here")
    p.add_argument("--name", default="frr-calibrated",
                   help="the profile's name (default frr-calibrated)")
    p.add_argument("--routes", default=",".join(map(str, DEFAULT_ROUTES)), metavar="N,N,...",
                   help="burst sizes in routes (default %(default)s)")
    p.add_argument("--peers", default=",".join(map(str, DEFAULT_PEERS)), metavar="K,K,...",
                   help="receiving clients per burst, 0 and two more counts at least "
                   "(default %(default)s)")
    p.add_argument("--repeat", type=int, default=DEFAULT_REPEAT, metavar="R",
                   help="times each burst is run (default %(default)s)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds a burst may take (default 120); past it: exit 3")
    p.add_argument("--json", metavar="FILE", help="write the fit and every burst as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def cmd_calibrate(args: argparse.Namespace) -> int:
    """``bgpcascade calibrate``."""
    routes = _ints(args.routes, "--routes", 100, MAX_ROUTES)
    peers = _ints(args.peers, "--peers", 0, MAX_PEERS)
    check_plan(routes, peers)
    if not 1 <= args.repeat <= 20:
        raise InputError(f"{args.repeat}", field="--repeat", allowed="1 to 20")
    if not 0 < args.timeout <= 3600:
        raise InputError(f"{args.timeout:g}", field="--timeout", allowed="0 < S <= 3600")
    if not NAME_PATTERN.match(args.name):
        raise InputError(f"{args.name!r}", field="--name",
                         allowed="letters, digits, '_', '.' and '-', starting with a "
                         "letter or digit")
    for out, flag in ((args.out, "--out"), (args.json, "--json")):
        if out:
            check_out_file(out, flag)
    progress = Progress(args.quiet)
    started = time.monotonic()
    try:
        f = calibrate(routes, peers, args.repeat, timeout=args.timeout, progress=progress)
    except TimeoutError as exc:
        print(f"calibrate: UNKNOWN: {exc}")
        return Exit.UNKNOWN
    version, cpu = frr_version(), cpu_model()
    if args.json:
        safe_write(args.json, dumps_json({"frr": version, "cpu": cpu, **f.as_json()}))
    print(f"calibrate --frr: {version} on {cpu}, {len(f.bursts)} bursts in "
          f"{time.monotonic() - started:.0f} s")
    try:
        p = f.profile()
    except Unmeasured as exc:
        _print_fit(f)
        print(f"calibrate: UNKNOWN: {exc}")
        return Exit.UNKNOWN
    print(f"  per route received   {f.rx * 1e6:8.2f} us  -> capacity {p['capacity']:,} "
          f"units/s (95%: +-{f.bound('rx') * 1e6:.2f} us)")
    for label, key, value, which in (("per route, UPDATE ", "cost_tx_route", f.tx, "tx"),
                                     ("per route per peer", "cost_tx_peer_route", f.peer,
                                      "peer")):
        told = (f"-> {key} {p[key]:g}" if key in p else
                f"-> not told apart from 0 (95%: +-{f.bound(which) * 1e6:.2f} us): {key} "
                "stays the frr estimate")
        print(f"  {label}   {value * 1e6:8.2f} us  {told}")
    _print_fit(f)
    text = profile_yaml(f, args.name, version=version, cpu=cpu)
    if args.out:
        safe_write(args.out, text)
        print(f"profile written: {args.out}")
    else:
        print(text, end="")
    return Exit.OK


def _print_fit(f: Fit) -> None:
    """The fit's quality and every burst against it."""
    print(f"  per session          {f.c0 * 1000:8.2f} ms")
    print(f"  fit: R^2 {f.r2:.4f}, largest residual {f.max_residual_s * 1000:.1f} ms of RR "
          "CPU")
    for b in f.bursts:
        print(f"    {b.routes:6,} routes to {b.peers:2} peers: {b.cpu_s:.3f} s CPU "
              f"(fit {f.predict(b):.3f} s), {b.wall_s:.2f} s wall")
