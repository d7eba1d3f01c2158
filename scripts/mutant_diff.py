"""Differential search for a surviving mutant of the simulator (a module of model/sim/).

What it found: docs/validation.md, "Mutation testing".

    python scripts/mutant_diff.py 105 "0->1" [--module model/sim/sessions.py]
        [--scenarios 300] [--seed 1]

A mutant that survives the tests is either equivalent (no run can tell it from the
original) or a gap in the tests. This script looks for a run that tells them apart: it
applies the mutant ``LINE: WHAT`` (as ``scripts/mutate.py`` names it) to one module of
model/sim/ in memory (a second copy of the simulator package with that module mutated),
draws random small zones (compact form, one shard of 1-2 RRs and 1-3 clients,
every built-in profile and three variants: tx fifo, graceful restart, a reader thread
that sends from its main loop) with 1-4 triggers (flaps, spikes, pauses, restarts), runs
each with the original engine and the mutant (explicit, 80 s), and compares the session
events, the peak queue delays and the per-peer UPDATE counters. The first difference is
printed with its zone and triggers: that is the test to write (or the golden trace to
add). None in N scenarios is evidence, not proof, that the mutant is equivalent.
"""

from __future__ import annotations

import argparse
import importlib.util
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

import bgpcascade.model.sim as original  # noqa: E402
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


def load_mutant(module: Path, line: int, what: str) -> types.ModuleType:
    """A second copy of the simulator package, ``bgpcascade.model._sim_mutant``, with the
    mutant applied to ``module`` (a file of model/sim/) and every other module as it is."""
    source = module.read_text()
    k = 0
    while (m := mutate(source, k)) is not None:
        text, mut = m
        if mut.line == line and mut.what == what:
            return _mutant_package(module, text)
        k += 1
    raise SystemExit(f"mutant_diff: no mutant {line}: {what} in {module}")


def _mutant_package(module: Path, text: str) -> types.ModuleType:
    sim_dir = Path(original.__file__).parent
    package = "bgpcascade.model._sim_mutant"
    spec = importlib.util.spec_from_file_location(
        package, sim_dir / "__init__.py", submodule_search_locations=[str(sim_dir)])
    assert spec is not None and spec.loader is not None
    pkg = importlib.util.module_from_spec(spec)
    sys.modules[package] = pkg
    name = f"{package}.{module.stem}"
    mod = types.ModuleType(name)
    mod.__file__, mod.__package__ = str(module), package
    sys.modules[name] = mod  # found first when the package's modules import it
    exec(compile(text, str(module), "exec"), mod.__dict__)
    spec.loader.exec_module(pkg)
    return pkg


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
    ap.add_argument("line", type=int, help="the mutant's line in --module")
    ap.add_argument("what", help='the mutant as mutate.py names it, e.g. "0->1"')
    ap.add_argument("--module", type=Path, default=ROOT / "model" / "sim" / "sessions.py",
                    help="the simulator module to mutate (default model/sim/sessions.py)")
    ap.add_argument("--scenarios", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    mutant = load_mutant(args.module.resolve(), args.line, args.what)
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
