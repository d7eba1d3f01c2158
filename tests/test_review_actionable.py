"""What an operator can apply: the review's what-if rows with their cost classes, the
recommendation as the cheapest row that contains every flap, the provenance of the
profiles' numbers, and a shard's boundary over the range of an assumed number
(docs/cli.md, ``review``; docs/implementations.md, "Provenance of the profiles' numbers").

Small compact zones only (two shards of 12 clients), in lockstep, so that each test runs
in seconds.
"""

from __future__ import annotations

import dataclasses
import json
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

from bgpcascade.cli import main
from bgpcascade.diagrams.review_report import (
    blocks,
    range_text,
    recommendations,
    review_json,
    to_markdown,
)
from bgpcascade.model.profiles import BUILTIN_PROFILES
from bgpcascade.model.provenance import (
    KINDS,
    builtin_provenance,
    classify,
    field_provenance,
    number_fields,
)
from bgpcascade.model.summary import zone_summary
from bgpcascade.model.timing import Timing
from bgpcascade.model.topology import Zone
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.offsets import Offsets
from bgpcascade.review.assumed import RangeJob, assumed_capacity, boundary_range
from bgpcascade.review.boundaries import find_boundary
from bgpcascade.review.data import COSTS, RANGE_FACTORS, Review, ShardReview, WhatIf
from bgpcascade.review.recommend import recommend
from bgpcascade.review.runs import Runner, flaps_of, rank, shard_reviews, trigger_shards
from bgpcascade.review.whatif_rows import RowContext, at_every_offset, judge_row
from bgpcascade.review.whatifs import UPDATE_DELAY_S, fingerprint, what_ifs
from bgpcascade.review.zonedata import dump, zone_data

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "tests" / "examples" / "safe" / "lab.yaml"
#: Shard a on the appliance (one FIFO for everything; its capacity is assumed), shard b
#: on FRR: a spine flap makes the appliance fall behind by more than its hold time.
TINY = """\
zone: tiny
timers: {hold: 9, keepalive: 3}
spines: {count: 2, profile: frr}
shards:
  - {name: a, rrs: 2, rr_profile: appliance, cluster_id: shared, clients: 12,
     routes_per_client: 1000}
  - {name: b, rrs: 2, rr_profile: frr, clients: 12, routes_per_client: 1000}
"""
#: The same shape on FRR only.
ALL_FRR = TINY.replace("appliance", "frr").replace("zone: tiny", "zone: all-frr")
SRC = "tiny.yaml"
H = Fraction(40)
AT = Fraction(10)
OLD_IDS = ["hold-90", "hold-180", "hold-240", "keepalive-frr", "keepalive-fifo", "gr-on",
           "gr-off", "update-groups-on", "update-groups-off", "split-2", "split-3",
           "split-4"]
NEW_IDS = ["cluster-id-shared", "update-delay", "rr-profile-frr", "rr-profile-bird",
           "rr-profile-gobgp", "rrs-added"]


def _rows(text: str, target: str | None = "a") -> dict[str, WhatIf]:
    return {r.id: r for r in what_ifs(zone_data(text, SRC), target)}


def _load(row: WhatIf) -> Zone:
    assert row.data is not None
    return load_zone(yaml.safe_dump(row.data), source=row.id)


# -- the rows and their cost classes -----------------------------------------------------------
def test_every_row_keeps_its_id_and_names_a_cost_class() -> None:
    for text in (TINY, LAB.read_text()):
        rows = list(what_ifs(zone_data(text, SRC), "a"))
        ids = [r.id for r in rows]
        assert ids[:12] == OLD_IDS and ids[-len(NEW_IDS):] == NEW_IDS
        assert all(r.cost in COSTS and r.cost_why for r in rows)
    tiny, frr = _rows(TINY), _rows(ALL_FRR)
    for rid, cost in [("hold-90", "configuration"), ("cluster-id-shared", "configuration"),
                      ("keepalive-frr", "software change"),
                      ("update-groups-on", "software change"),
                      ("rr-profile-bird", "software change"), ("split-2", "hardware"),
                      ("spines-removed", "hardware"), ("rrs-added", "hardware")]:
        assert tiny[rid].cost == cost and frr[rid].cost == cost, rid
    # A knob the appliance does not have is a software change there, a setting on FRR.
    for rid in ("gr-on", "update-delay"):
        assert tiny[rid].cost == "software change" and "appliance" in tiny[rid].cost_why
        assert frr[rid].cost == "configuration"


def test_each_new_row_changes_the_zone_as_claimed() -> None:
    zone = load_zone(TINY, source=SRC)
    rows = _rows(TINY)
    rrs = [g for g in zone.groups if g.is_rr]
    clients = {(g.key, g.profile, g.count) for g in zone.groups if not g.is_rr}
    # One CLUSTER_ID per shard, one for the spines (per-rr before: shard b and spines).
    assert {g.cluster_id for g in rrs if g.shard == "b"} == {None}
    shared = _load(rows["cluster-id-shared"])
    for g in shared.groups:
        if g.is_rr:
            assert g.cluster_id == (g.shard or "(spines)")
    # Every RR (spines too) on the built-in profile, its capacity the profile's.
    for impl in ("frr", "bird", "gobgp"):
        z = _load(rows[f"rr-profile-{impl}"])
        assert {g.profile for g in z.groups if g.is_rr} == {impl}
        assert {z.profile_of(g).capacity for g in z.groups if g.is_rr} == \
            {BUILTIN_PROFILES[impl].capacity}
        assert {(g.key, g.profile, g.count) for g in z.groups if not g.is_rr} == clients
    # The RRs wait before a new peer's table; the clients do not change.
    z = _load(rows["update-delay"])
    for g in z.groups:
        p = z.profile_of(g)
        if g.is_rr:
            assert (p.coalesce_time, p.coalesce_per_peer, p.coalesce_max) == \
                (UPDATE_DELAY_S, 0, UPDATE_DELAY_S)
            assert p.capacity == zone.profile_of(zone.group(g.key)).capacity
        else:
            assert p == zone.profile_of(zone.group(g.key))
    # One more RR per shard, the same clients.
    z = _load(rows["rrs-added"])
    for shard in ("a", "b"):
        assert sum(g.count for g in z.groups if g.is_rr and g.shard == shard) == 3
    assert z.client_count == zone.client_count
    # An explicit zone: no RR count to change; its RRs' profile can be.
    lab = _rows(LAB.read_text())
    assert lab["rrs-added"].data is None and lab["rrs-added"].why
    assert {g.profile for g in _load(lab["rr-profile-bird"]).groups if g.is_rr} == {"bird"}


def test_a_profile_row_on_rrs_already_of_that_profile_simulates_as_written() -> None:
    rows = _rows(ALL_FRR)
    same = fingerprint(dump(rows["rr-profile-frr"].data or {}, ""), "x")
    assert same == fingerprint(ALL_FRR, SRC)
    assert fingerprint(dump(rows["rr-profile-bird"].data or {}, ""), "x") != same


# -- the recommendation: the cheapest row that contains every flap ---------------------------
def _context(text: str) -> tuple[RowContext, Zone, list[Any], list[ShardReview]]:
    zone = load_zone(text, source=SRC)
    flaps = flaps_of(text, SRC, AT)
    with Runner(1, timing=Timing.lockstep()) as runner:
        base = runner.run(text, SRC, flaps, H)
    ranking = rank(base)
    shards = shard_reviews(zone, zone_summary(zone), base, trigger_shards(text, SRC, flaps))
    ctx = RowContext(zone.name, SRC, "out", H, AT, "40", [r.trigger for r in ranking],
                     shards, True, time.monotonic() + 600, fingerprint(text, SRC), ranking,
                     Timing.lockstep())
    return ctx, zone, ranking, shards


def test_the_cheapest_row_that_contains_every_flap_is_recommended() -> None:
    """Both the hardware row (shard a split in 4) and the configuration row (hold 240 s)
    contain every flap of the tiny zone, whose appliance shard cascades as written; the
    hardware row comes first in the table, the configuration row is recommended."""
    ctx, zone, ranking, shards = _context(TINY)
    assert any(r.violated for r in ranking)
    rows = _rows(TINY, None)
    picked = [dataclasses.replace(rows[i], target=None) for i in ("split-4", "hold-240")]
    results = [judge_row((ctx, row)).result for row in picked]
    assert [r.status for r in results] == ["HOLDS", "HOLDS"]
    rv = Review(zone.name, SRC, H, AT, [], ranking, shards, results, [], None, "a", {}, [],
                0, [])
    rv.recommendations = recommend(rv)
    assert [r.row for r in rv.recommendations if r.fixes] == ["hold-240", "split-4"]
    text = recommendations(rv)[0].text
    assert "`hold-240`, configuration" in text and "every single flap contained" in text
    js = review_json(rv)
    assert [(w["id"], w["cost"]) for w in js["what_ifs"]] == \
        [("split-4", "hardware"), ("hold-240", "configuration")]
    assert js["recommendations"][0]["row"] == "hold-240"
    assert js["recommendations"][0]["cost"] == "configuration"
    md = to_markdown(blocks(rv))
    assert "| # | what-if | change | cost | verdict |" in md
    assert "| configuration | HOLDS" in md and "| hardware | HOLDS" in md


def test_the_recommended_row_is_run_at_every_other_offset() -> None:
    """A row judged at each flap's worst offset is run again at each other whole second
    of its KEEPALIVE cycle (3 s here: 2 more times per flap)."""
    ctx, _zone, _ranking, _shards = _context(TINY)
    row = dataclasses.replace(_rows(TINY, None)["cluster-id-shared"], target=None)
    res = judge_row((ctx, row)).result
    with Runner(1, timing=Timing.lockstep()) as runner:
        bad, runs = at_every_offset(ctx, res, runner, Offsets())
    flaps = len(flaps_of(dump(row.data or {}, ""), "x", AT))
    assert res.status == "HOLDS"  # one CLUSTER_ID per shard contains the tiny zone's flaps
    assert bad is None and runs == 2 * flaps


# -- provenance -------------------------------------------------------------------------------
def test_provenance_kinds_of_the_builtin_profiles() -> None:
    prov = builtin_provenance()
    assert set(prov) == set(BUILTIN_PROFILES)
    for fields in prov.values():
        assert list(fields) == list(number_fields()) and set(fields.values()) <= set(KINDS)
    assert prov["frr"]["capacity"] == "benchmark"  # bgperf2
    assert prov["bird"]["capacity"] == "benchmark"
    assert prov["appliance"]["capacity"] == "assumed"  # chosen to tell the incident's story
    assert prov["gobgp"]["capacity"] == "assumed"  # "(estimate)"
    assert prov["frr"]["cost_tx_route"] == "assumed"  # "estimate ... calibrate --frr"
    assert prov["frr"]["routes_per_update"] == "measured"  # the FRR lab
    assert prov["frr"]["keepalive_rx"] == "source"
    assert prov["frr"]["coalesce_time"] == "source"  # the explicit table: the source's macros
    assert prov["appliance"]["send_hold_factor"] == "assumed"  # explicit: not "RFC 9687"
    assert prov["frr"]["stale_time"] == "assumed"  # no source string
    assert classify(None) == classify("") == "assumed"
    assert classify("bgperf2; measured in the lab") == "benchmark"  # the weaker claim


def test_a_zone_override_is_zone_file_and_show_json_lists_the_kinds(tmp_path: Path) -> None:
    text = TINY.replace("spines:", "profiles:\n  mine: {base: frr, capacity: 5000}\nspines:")
    text = text.replace("rr_profile: frr", "rr_profile: mine")
    zone = load_zone(text, source=SRC)
    mine = zone.profiles["mine"]
    assert field_provenance(mine, "capacity") == "zone file"
    assert field_provenance(mine, "keepalive_rx") == "source"  # kept from its base
    assert assumed_capacity(zone, "b") is None and assumed_capacity(zone, "a") == \
        ("appliance", "assumed", BUILTIN_PROFILES["appliance"].capacity)
    path = tmp_path / "z.yaml"
    path.write_text(text)
    out = tmp_path / "s.json"
    assert main(["show", str(path), "--json", str(out), "-q"]) == 0
    got = json.loads(out.read_text())["profile_provenance"]
    assert got["mine"]["capacity"] == "zone file"
    assert got["appliance"]["capacity"] == "assumed" and got["frr"]["capacity"] == "benchmark"


# -- the boundary over an assumed capacity ----------------------------------------------------
def test_a_boundary_over_an_assumed_capacity_grows_with_it() -> None:
    """Shard a's clients boundary at x0.25 .. x4 the appliance's (assumed) capacity: it
    never shrinks as the capacity grows, and x4 is safe for more clients than x0.25."""
    zone = load_zone(TINY, source=SRC)
    data = zone_data(TINY, SRC)
    flaps = flaps_of(TINY, SRC, AT)
    by_label = {t.label(): t for t in flaps}
    # The spine flap that makes the appliance shard cascade (the shard's worst).
    crit = [by_label["flap a-rr1~spine1@10"]]
    sr, other = shard_reviews(zone, zone_summary(zone), [], {})
    with Runner(1, timing=Timing.lockstep()) as runner:
        sr.clients = find_boundary(runner, data, TINY, SRC, "a", "clients", 1, 64, 1, crit,
                                   crit, H, 0.0, lambda _m: None, verify=False)
        job = RangeJob(data, TINY, SRC, "out", "40", "", H, by_label, flaps, lambda _m: None)
        rng = boundary_range(job, runner, zone, sr, [])
        other.clients = sr.clients
        assert boundary_range(job, runner, zone, other, []) is None  # FRR's: a benchmark
    assert rng is not None
    assert (rng.param, rng.profile, rng.provenance) == ("capacity", "appliance", "assumed")
    assert rng.factors == list(RANGE_FACTORS)
    assert rng.values == [5000, 10000, 20000, 40000, 80000]
    assert rng.boundaries[2] is sr.clients
    found = [b.value for b in rng.boundaries if b is not None]
    assert len(found) == 5 and all(v is not None for v in found)
    assert found == sorted(found, key=lambda v: v or 0) and found[0] < found[-1]
    js = rng.as_json()
    assert js["field"] == "capacity" and js["boundaries"] == found
    assert js["factors"] == [0.25, 0.5, 1.0, 2.0, 4.0]
    text = range_text(rng)
    assert text.endswith("over appliance capacity x0.25-x4, assumed")
    assert text.startswith(f"{found[0]}-{found[-1]}")
    assert job.files and job.commands  # each boundary's zone file and command
    # The report: after the shard's boundary, and a table of its own; review.json's key.
    sr.boundary_range = rng  # as the review keeps it
    rv = Review(zone.name, SRC, H, AT, [], [], [sr, other], [], [], None, "a", {}, [], 0,
                [])
    md = to_markdown(blocks(rv))
    assert f"({text})" in md and "| x0.25 | x0.5 | x1 | x2 | x4 |" in md
    shards = review_json(rv)["shards"]
    assert shards[0]["boundary_range"] == js and shards[1]["boundary_range"] is None


def test_fixes_rank_by_cost_class_then_gain_and_a_row_failing_at_another_offset_is_none(
        ) -> None:
    """Hand-built answers (no run): among the rows that contain every flap, every
    configuration row comes before every software change, which comes before every
    hardware row, whatever their gains; within a class the larger gain first. A row that
    failed when run again at every offset is VIOLATED: no longer a fix."""
    from bgpcascade.review.data import FlapRun, ShardBoundary, WhatIfResult

    def b(value: int) -> ShardBoundary:
        return ShardBoundary("a", "clients", 300, 1, 1200, 1, value, value + 1, "x",
                             "HOLDS", "sim-bracket")

    def row(rid: str, cost: str, value: int, status: str = "HOLDS") -> WhatIfResult:
        return WhatIfResult(WhatIf(rid, rid, rid, {}, target="a", cost=cost), status,
                            None, "contained", 8, 8, boundary=b(value))

    run = FlapRun("flap a-rr1~spine1@30", 4, 0, 300, False, ("no_cascade",), {"a": 4},
                  {"a": 1.2}, {"hold-expired": 4})
    figures = {"shard": "a", "clients": 300}
    rows = [row("hw-big", "hardware", 900), row("sw", "software change", 500),
            row("conf-small", "configuration", 310), row("conf-big", "configuration", 400),
            row("failed-later", "configuration", 800, "VIOLATED")]
    rows[-1].every_offset = False
    rv = Review("z", "z.yaml", H, AT, [run.trigger], [run],
                [ShardReview("a", figures, None, b(200))], rows, [], None, "a", {}, [], 8,
                [])
    ranked = recommend(rv)
    assert [r.row for r in ranked if r.fixes] == ["conf-big", "conf-small", "sw", "hw-big"]
    assert "failed-later" not in [r.row for r in ranked if r.fixes]


def test_the_provenance_table_of_the_docs_is_the_codes() -> None:
    """docs/implementations.md, "Provenance of the profiles' numbers", lists every field
    of every built-in profile with the kind model/provenance.py gives it."""
    text = (ROOT / "docs" / "implementations.md").read_text()
    section = text.split("## Provenance of the profiles' numbers", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    names = list(BUILTIN_PROFILES)
    header = next(line for line in section.splitlines() if line.startswith("| field |"))
    assert header == "| field | " + " | ".join(f"`{n}`" for n in names) + " |"
    prov = builtin_provenance()
    want = [f"| `{f}` | " + " | ".join(prov[n][f] for n in names) + " |"
            for f in number_fields()]
    assert rows == want
