"""Differential search for a surviving mutant of model/dynamics.py.

What it found: docs/validation.md, "Mutation testing".

    python scripts/mutant_diff.py 1005 "0->1" [--scenarios 300] [--seed 1]

A mutant that survives the tests is either equivalent (no run can tell it from the
original) or a gap in the tests. This script looks for a run that tells them apart: it
applies the mutant ``LINE: WHAT`` (as ``scripts/mutate.py`` names it) to dynamics.py in
memory, draws random small zones (compact form, one shard of 1-2 RRs and 1-3 clients,
every built-in profile and three variants: tx fifo, graceful restart, a reader thread
that sends from its main loop) with 1-4 triggers (flaps, spikes, pauses, restarts), runs
each with the original engine and the mutant (explicit, 80 s), and compares the session
events, the peak queue delays and the per-peer UPDATE counters. The first difference is
printed with its zone and triggers: that is the test to write (or the golden trace to
add). None in N scenarios is evidence, not proof, that the mutant is equivalent.
"""

from __future__ import annotations

import argparse
import random
import sys
import types
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "tests"))

from mutate import mutate  # noqa: E402
from test_dynamics import compact  # noqa: E402

import bgpcascade.model.dynamics as original  # noqa: E402
from bgpcascade.model.zonefile import load_zone  # noqa: E402

F = Fraction
PROFILES = ["frr", "bird", "gobgp", "openbgpd", "appliance", "fifo", "gr", "thread"]
VARIANTS: dict[str, dict[str, object]] = {
    "fifo": {"base": "frr", "keepalive_tx": "fifo"},
    "gr": {"base": "bird", "graceful_restart": "notification", "stale_time": 30},
    "thread": {"base": "appliance", "keepalive_rx": "io-thread",
               "graceful_restart": "helper", "stale_time": 30},
}
Trig = tuple[str, Fraction, str, "str | None", dict[str, Fraction]]


def load_mutant(line: int, what: str) -> types.ModuleType:
    """dynamics.py with the mutant applied, as a module of the same package."""
    source = Path(original.__file__).read_text()
    k = 0
    while (m := mutate(source, k)) is not None:
        text, mut = m
        if mut.line == line and mut.what == what:
            name = "bgpcascade.model._dynamics_mutant"
            mod = types.ModuleType(name)
            mod.__file__ = original.__file__
            mod.__package__ = "bgpcascade.model"
            sys.modules[name] = mod
            exec(compile(text, original.__file__, "exec"), mod.__dict__)
            return mod
        k += 1
    raise SystemExit(f"mutant_diff: no mutant {line}: {what} in dynamics.py")


def scenario(rnd: random.Random) -> tuple[str, list[Trig]]:
    """A random small zone and 1-4 triggers, sorted by time."""
    rrs_n, clients_n = rnd.randint(1, 2), rnd.randint(1, 3)
    text = compact([{"name": "a", "rrs": rrs_n, "rr_profile": rnd.choice(PROFILES),
                     "client_profile": rnd.choice(PROFILES), "clients": clients_n,
                     "routes_per_client": rnd.choice([10, 500, 3000])}],
                   hold=rnd.choice([3, 9, 30]), profiles=VARIANTS)
    rrs = [f"a-rr{k}" for k in range(1, rrs_n + 1)]
    clients = [f"a-c{k}" for k in range(1, clients_n + 1)]
    trigs: list[Trig] = []
    for _ in range(rnd.randint(1, 4)):
        t = F(rnd.randint(10, 400), 10)
        kind = rnd.choice(["flap", "spike", "pause", "restart"])
        if kind == "flap":
            trigs.append(("flap", t, rnd.choice(rrs), rnd.choice(clients),
                          {"down_for": F(rnd.choice([0, 0, 5, 30]))}))
        elif kind == "spike":
            trigs.append(("spike", t, rnd.choice(rrs + clients), None,
                          {"work": F(rnd.choice([10**4, 10**5, 10**6]))}))
        elif kind == "pause":
            trigs.append(("pause", t, rnd.choice(rrs + clients), None,
                          {"down_for": F(rnd.randint(1, 200), 10)}))
        else:
            trigs.append(("restart", t, rnd.choice(rrs + clients), None, {}))
    return text, sorted(trigs, key=lambda tr: tr[1])


def outcome(mod: Any, text: str, trigs: list[Trig]) -> tuple[Any, ...]:
    """What a run shows: session events, peak queue delays, UPDATE counters."""
    sim = mod.Sim(load_zone(text), [mod.Trigger(k, t, a, b, **kw) for k, t, a, b, kw in trigs],
                  expand=True)
    sim.run(F(80))
    return ([(e.t, e.session, e.kind, e.reason, e.at) for e in sim.events],
            dict(sim.peak_delay), dict(sim.announced), dict(sim.withdrawn))


def main() -> None:
    """Search; print the first scenario that tells the mutant apart, or none found."""
    ap = argparse.ArgumentParser()
    ap.add_argument("line", type=int, help="the mutant's line in model/dynamics.py")
    ap.add_argument("what", help='the mutant as mutate.py names it, e.g. "0->1"')
    ap.add_argument("--scenarios", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    mutant = load_mutant(args.line, args.what)
    rnd = random.Random(args.seed)
    parts = ("session events", "peak queue delays", "announced", "withdrawn")
    for i in range(args.scenarios):
        text, trigs = scenario(rnd)
        a = outcome(original, text, trigs)
        try:
            b = outcome(mutant, text, trigs)
        except Exception as ex:  # a crash tells them apart too
            b = (repr(ex),)
        if a != b:
            differ = [p for p, x, y in zip(parts, a, b, strict=False) if x != y] or ["crash"]
            print(f"scenario {i} differs in {', '.join(differ)}:\n{text}triggers: "
                  + ", ".join(f"{k} {a_}{'~' + b_ if b_ else ''}@{float(t)} {kw}"
                              for k, t, a_, b_, kw in trigs))
            return
        if (i + 1) % 50 == 0:
            print(f"mutant_diff: {i + 1}/{args.scenarios}, no difference yet",
                  file=sys.stderr, flush=True)
    print(f"no difference in {args.scenarios} scenarios (seed {args.seed})")


if __name__ == "__main__":
    main()
