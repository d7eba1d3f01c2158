"""``bgpcascade lab ZONE --scenario NAME``: the zone on real FRR daemons (bgpcascade/lab.py).

Exit 0 when the scenario ran and the zone reconverged (with ``--compare``: and the model
agrees with FRR within the tolerances, bgpcascade/compare.py), 1 when ``--compare`` finds
a row beyond tolerance, 2 for bad input or a lab that cannot run here (no FRR, a zone too
large for one machine), 3 when it did not reconverge within ``--timeout``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from bgpcascade.frr.compare import compare, print_table, run_model, tolerances
from bgpcascade.frr.lab import SCENARIOS, pick_pair, run_scenario, running, speakers_and_sessions
from bgpcascade.io import check_out_file, dumps_json, load_zone_file, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.progress import Progress
from bgpcascade.properties.verdict import Exit


def add_lab_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``lab``."""
    p.add_argument("zone", help="zone file (YAML) of at most 60 speakers, whole-second timers")
    p.add_argument("--scenario", required=True, choices=SCENARIOS,
                   help="converge | clear (one client's session on its RR) | kill-client "
                   "(kill -9, restart when its RR declared it dead) | pause-client / "
                   "pause-rr (SIGSTOP beyond the hold time, then SIGCONT) | starve-rr "
                   "(the RR held to --starve-percent of a CPU while a client restarts)")
    p.add_argument("--rr", metavar="NAME", help="the RR acted on (default: the first RR "
                   "of the first RR-client session)")
    p.add_argument("--client", metavar="NAME", help="the client acted on (default: as --rr)")
    p.add_argument("--starve-percent", type=float, default=1.0, metavar="P",
                   help="starve-rr: the RR's share of one CPU (default 1)")
    p.add_argument("--timeout", type=float, default=120.0, metavar="S",
                   help="seconds to wait for convergence, each time (default 120)")
    p.add_argument("--compare", action="store_true",
                   help="also run the scenario on the model (one node per speaker, the "
                   "zone's profiles) and print the table model vs FRR: sessions reset and "
                   "why, prefixes announced/withdrawn per receiver and peer (exact), detect "
                   "and reconvergence times (within tolerances); exit 1 on a mismatch")
    p.add_argument("--json", metavar="FILE", help="write the result as JSON")
    p.add_argument("--keep", action="store_true",
                   help="keep the lab directory (configs, logs, MRT dumps) and print it")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines on stderr")


def cmd_lab(args: argparse.Namespace) -> int:
    """``bgpcascade lab``."""
    zone = load_zone_file(args.zone)
    _, sessions = speakers_and_sessions(zone)  # refuses a zone the lab cannot run
    if args.scenario != "converge":
        pick_pair(sessions, args.rr, args.client)
    if not 0 < args.starve_percent <= 100:
        raise InputError(f"{args.starve_percent:g}", field="--starve-percent",
                         allowed="0 < P <= 100")
    if not 0 < args.timeout <= 3600:
        raise InputError(f"{args.timeout:g}", field="--timeout", allowed="0 < S <= 3600")
    if args.json:
        check_out_file(args.json, "--json", inputs=(args.zone,))
    progress = Progress(args.quiet)
    started = time.monotonic()
    try:
        with running(zone, keep=args.keep) as lab:
            if args.keep:
                print(f"lab directory: {lab.root}")
            result = run_scenario(lab, args.scenario, rr=args.rr, client=args.client,
                                  starve_percent=args.starve_percent, timeout=args.timeout,
                                  progress=progress)
    except TimeoutError as exc:
        print(f"lab: {args.scenario}: UNKNOWN: {exc}")
        return Exit.UNKNOWN
    result["wall_s"] = round(time.monotonic() - started, 1)
    print_result(result)
    code = Exit.OK
    if args.compare:
        model = run_model(zone, args.scenario, result["rr"], result["client"],
                          starve_percent=args.starve_percent)
        rows = compare(zone, result, model)
        print(f"model vs FRR ({args.scenario}):")
        print_table(rows)
        agree = all(r.ok for r in rows)
        result["compare"] = {"agree": agree, "tolerances": tolerances(zone),
                             "rows": [r.as_json() for r in rows], "model": model}
        code = Exit.OK if agree else Exit.VIOLATED
    if args.json:
        safe_write(args.json, dumps_json(result), inputs=(args.zone,))
    return code


def print_result(r: dict[str, Any]) -> None:
    """The scenario's story in a few lines."""
    print(f"{r['zone']}: {r['scenario']} on {r['speakers']} bgpd, {r['sessions']} sessions; "
          f"converged in {r['converge_s']:.1f} s")
    if r["scenario"] != "converge":
        det = "-" if r["detect_s"] is None else f"{r['detect_s']:.3f} s"
        print(f"  target {r['rr']}~{r['client']}; first session down after {det}; "
              f"reconverged after {r['reconverge_s']:.1f} s")
    for ch in r["changes"]:
        print(f"  t={ch['t']:8.3f}s {'up  ' if ch['up'] else 'down'} {ch['session']} at "
              f"{ch['at']}{': ' + ch['reason'] if ch['reason'] else ''}")
    for name, peers in sorted(r["updates"].items()):
        for peer, n in sorted(peers.items()):
            print(f"  {name} received from {peer}: {n['announced']:,} announced, "
                  f"{n['withdrawn']:,} withdrawn")
    if r.get("starved_rr_kept_sessions") is not None:
        print(f"  the starved RR kept its other sessions: {r['starved_rr_kept_sessions']}")
