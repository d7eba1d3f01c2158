"""The property library (docs/ci.md): every property can fail (its ``sometimes`` companion
fires on its witness) and holds where nothing goes wrong; users register their own."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from bgpcascade.io import read_zone_text
from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.outcomes import Outcome
from bgpcascade.model.trace import Recorder
from bgpcascade.model.triggers import parse_flap
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.library import (
    DEFAULT_PROPERTIES,
    KINDS,
    PROPERTIES,
    Property,
    Witness,
    parse_property,
    register,
    witness_holds,
)

ROOT = Path(__file__).resolve().parent.parent
SAFE = ROOT / "tests" / "examples" / "safe" / "two-tier-shared-cluster.yaml"


def _spelled(name: str) -> str:
    """The property as the CLI takes it: shard-scoped ones need a shard (``a`` is in
    every zone these tests use)."""
    return f"{name}=a" if PROPERTIES[name].arg_kind == "shard" else name


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_every_sometimes_companion_fires_on_its_witness(name: str) -> None:
    prop = PROPERTIES[name]
    assert prop.kind in KINDS and prop.witness is not None
    assert not witness_holds(parse_property(_spelled(name)))


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_every_property_holds_on_a_safe_zone(name: str) -> None:
    """Not vacuous the other way either: on the safe golden zone and its scenario (a
    spine/leaf flap that stays contained) every property holds."""
    zone = load_zone(SAFE.read_text(), source=str(SAFE))
    sel = parse_property(_spelled(name))
    if sel.static:
        assert sel.holds_zone(zone)
        return
    sim = Sim(zone, [parse_flap(zone, "spine1~b-rr1@30")])
    rec = Recorder(sim, Fraction(300), Fraction(300))
    rec.run()
    assert sel.holds(Outcome.of(rec))


def test_a_property_of_your_own_in_a_few_lines() -> None:
    prop = register(Property(
        "test_queues_under_a_minute", "always", "no work waits 60 s or more",
        lambda o, _arg: all(d < 60 for d in o.peak_delay.values()),
        witness=Witness("builtin:fr-par-like", ("--flap", "spine1~b-rr1@30"))))
    try:
        assert not witness_holds(parse_property(prop.name))
        with pytest.raises(ValueError):
            register(prop)  # names are unique
    finally:
        del PROPERTIES[prop.name]


def test_properties_from_a_file_on_the_command_line(tmp_path: Path) -> None:
    plugin = tmp_path / "mine.py"
    plugin.write_text(
        "from bgpcascade.properties.library import Property, Witness, register\n"
        "register(Property('mine_no_resets_at_all', 'never', 'no session ever resets',\n"
        "    lambda o, _a: not o.resets,\n"
        "    witness=Witness('builtin:fr-par-like', ('--flap', 'spine1~b-rr1@30'))))\n")
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "check", str(SAFE),
                        "--properties-from", str(plugin), "--property",
                        "mine_no_resets_at_all", "--flap", "spine1~b-rr1@30", "-q",
                        "--engine", "sim"], capture_output=True, text=True, cwd=tmp_path,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=300)
    assert r.returncode == 1, r.stdout + r.stderr  # the flap itself resets a session
    assert "mine_no_resets_at_all" in r.stdout
    bad = tmp_path / "bad.py"
    bad.write_text("raise RuntimeError('oops')\n")
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "check", str(SAFE),
                        "--properties-from", str(bad), "-q"], capture_output=True,
                       text=True, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)},
                       timeout=300)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "RuntimeError: oops" in r.stderr


def test_no_cascade_in_judges_one_shard() -> None:
    """The incident's flap (in shard b) cascades in shard a only: the shard-scoped
    property fails for a and holds for b, and names only shards the zone has."""
    zone = load_zone(read_zone_text("builtin:fr-par-like"), source="builtin:fr-par-like")
    sim = Sim(zone, [parse_flap(zone, "spine1~b-rr1@30")])
    rec = Recorder(sim, Fraction(300), Fraction(300))
    rec.run()
    outcome = Outcome.of(rec)
    assert not parse_property("no_cascade_in=a").holds(outcome)
    assert parse_property("no_cascade_in=b").holds(outcome)
    assert outcome.shard_of["a-rr1~spine1"] == ("a",) and outcome.shard_of["spine1~spine2"] == ()
    flat = load_zone(read_zone_text("examples/flat-3-shards.yaml"), source="flat")
    sim = Sim(flat, [parse_flap(flat, "a-rr1~b-rr1@30")])
    rec = Recorder(sim, Fraction(60), Fraction(60))
    rec.run()
    assert Outcome.of(rec).shard_of["a-rr1~b-rr1"] == ("a", "b")  # both shards' session
    parse_property("no_cascade_in=zz")  # parsed; the zone check refuses it
    with pytest.raises(InputError, match=r"has no shard .zz.*allowed: a, b, c, d, e, f"):
        parse_property("no_cascade_in=zz").check_zone(zone)
    with pytest.raises(InputError, match="needs a shard"):
        parse_property("no_cascade_in")


def test_no_rr_session_reset_judges_only_sessions_between_route_reflectors() -> None:
    """The incident's turning point: the spines declare shard a's appliance RRs dead
    (hold expiry on spine~a-rr sessions), which is what fails the property; a client's
    session is not an RR~RR session, and the trigger's own session does not count. In a
    flat zone the RRs of two shards peer, and that session is one too."""
    zone = load_zone(read_zone_text("builtin:fr-par-like"), source="builtin:fr-par-like")
    sim = Sim(zone, [parse_flap(zone, "spine1~b-rr1@30")])
    rec = Recorder(sim, Fraction(300), Fraction(300))
    rec.run()
    outcome = Outcome.of(rec)
    assert not parse_property("no_rr_session_reset").holds(outcome)
    assert {e.session for e in outcome.cascade if e.session in outcome.rr_sessions} == {
        "a-rr1~spine1", "a-rr1~spine2", "a-rr2~spine1", "a-rr2~spine2"}
    assert "b-rr1~spine1" in outcome.rr_sessions and "spine1~spine2" in outcome.rr_sessions
    assert "[a-c1..a-c800]~a-rr1" not in outcome.rr_sessions
    flat = load_zone(read_zone_text("examples/flat-3-shards.yaml"), source="flat")
    sim = Sim(flat, [parse_flap(flat, "a-rr1~b-rr1@30")])
    rec = Recorder(sim, Fraction(60), Fraction(60))
    rec.run()
    assert "a-rr1~b-rr1" in Outcome.of(rec).rr_sessions
    assert "no_rr_session_reset" not in DEFAULT_PROPERTIES  # the defaults do not change


def test_property_arguments_are_checked() -> None:
    """Each kind of argument at its bounds: a fraction in (0, 1], seconds >= 0 (any
    fraction of a second), a whole count >= 0."""
    assert parse_property("hold_margin=10").arg == 10
    assert parse_property("max_cascade_resets").arg == 0
    for good, value in (("no_zone_outage=1", 1), ("no_zone_outage=0.01", Fraction(1, 100)),
                        ("hold_margin=0", 0), ("hold_margin=0.5", Fraction(1, 2)),
                        ("max_cascade_resets=0", 0), ("max_cascade_resets=1", 1)):
        assert parse_property(good).arg == value, good
    for bad in ("max_cascade_resets=1.5", "max_cascade_resets=-1", "no_zone_outage=0",
                "no_zone_outage=1.01", "hold_margin=-1", "hold_margin=-0.5",
                "reflection_complete=3", "nope"):
        with pytest.raises(Exception, match="--property"):
            parse_property(bad)


def test_hold_margin_holds_at_exactly_the_margin() -> None:
    """hold_margin=M: every speaker's peak queue delay is at most its hold time minus M.
    A speaker with hold 90 s whose queue peaked at 80 s has exactly 10 s of margin."""
    zone = load_zone(read_zone_text("examples/flat-3-shards.yaml"), source="flat")
    rec = Recorder(Sim(zone, []), Fraction(10), Fraction(10))
    rec.run()
    out = dataclasses.replace(Outcome.of(rec), peak_delay={"x": Fraction(80)},
                              hold_of={"x": Fraction(90)})
    assert parse_property("hold_margin=10").holds(out)
    assert not parse_property("hold_margin=10.5").holds(out)


def test_a_zone_that_nothing_disturbs_is_settled_from_the_start() -> None:
    """No trigger, and a spike too small to queue anything for 0.1 s: nothing changed and
    nothing waited, so the zone is reported converged at time 0 (not at some default)."""
    zone = load_zone(read_zone_text("examples/flat-3-shards.yaml"), source="flat")
    for trig in ([], [Trigger("spike", Fraction(5), "a-rr1", work=Fraction(10))]):
        sim = Sim(zone, trig)
        rec = Recorder(sim, Fraction(60), Fraction(60))
        rec.run()
        out = Outcome.of(rec)
        assert out.reconverged_at() == 0 and not out.resets
