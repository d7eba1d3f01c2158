"""``bgpcascade review``: the design review on the golden zones, its what-ifs, the commands
behind its numbers, and its contract (files, JSON keys, exit codes; docs/cli.md)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from bgpcascade.cli.review import exit_code
from bgpcascade.io import read_zone_text
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.engines.offsets import Offsets
from bgpcascade.review import (
    Runner,
    ShardBoundary,
    find_boundary,
    flaps_of,
    review,
    split_shard,
    what_ifs,
    with_hold,
    zone_data,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"
APPLIANCE = EXAMPLES / "unsafe" / "appliance-shard-cascade.yaml"
TWO_TIER = EXAMPLES / "safe" / "two-tier-shared-cluster.yaml"
LAB = EXAMPLES / "safe" / "lab.yaml"

#: The row ids of the what-if table (a contract: review.json's ``what_ifs[].id``).
ROW_IDS = ["hold-90", "hold-180", "hold-240", "keepalive-frr", "keepalive-fifo", "gr-on",
           "gr-off", "update-groups-on", "update-groups-off", "split-2", "split-3",
           "split-4"]
#: The rows after the spine row (the same contract), in table order.
NEW_ROW_IDS = ["cluster-id-shared", "update-delay", "rr-profile-frr", "rr-profile-bird",
               "rr-profile-gobgp", "rrs-added"]


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=900,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


# -- what-ifs: each changed zone is a valid zone, changed exactly as the row says ---------------
@pytest.mark.parametrize("path", [APPLIANCE, TWO_TIER, ROOT / "examples" / "flat-3-shards.yaml",
                                  LAB])
def test_every_what_if_is_a_valid_zone_changed_as_labelled(path: Path) -> None:
    text = path.read_text()
    data = zone_data(text, str(path))
    zone = load_zone(text, source=str(path))
    rows = what_ifs(data, "a")
    compact = "shards" in data
    assert [r.id for r in rows][:len(ROW_IDS) - 3] == ROW_IDS[:-3]
    assert [r.id for r in rows][9:12] == (ROW_IDS[9:] if compact else
                                          ["split-2", "split-3", "split-4"])
    for row in rows:
        if row.data is None:
            assert not compact and row.why
            continue
        changed = load_zone(yaml.safe_dump(row.data), source=row.id)
        if row.id.startswith("hold-"):
            hold = int(row.id.split("-")[1])
            assert {g.timers.hold for g in changed.groups} == {hold}
            assert {g.timers.keepalive for g in changed.groups} == {Fraction(hold, 3)}
        elif row.id.startswith("keepalive-"):
            tx = "fifo" if row.id == "keepalive-frr" else "main-loop"
            for g in changed.groups:
                orig = zone.profile_of(zone.group(g.key)) if g.key in \
                    {x.key for x in zone.groups} else None
                if g.is_rr:
                    assert changed.profile_of(g).keepalive_tx == tx
                    if orig is not None:  # the rest of the profile is kept
                        assert changed.profile_of(g).capacity == orig.capacity
        elif row.id.startswith("gr-"):
            mode = "notification" if row.id == "gr-on" else "off"
            assert {changed.profile_of(g).graceful_restart for g in changed.groups} == {mode}
        elif row.id.startswith("update-groups-"):
            on = row.id.endswith("-on")
            assert all(changed.profile_of(g).update_groups == on
                       for g in changed.groups if g.is_rr)
        elif row.id.startswith("split-"):
            parts = int(row.id.split("-")[1])
            largest = max(data["shards"], key=lambda s: s["clients"])
            assert changed.client_count == zone.client_count
            assert len(changed.shards()) == len(zone.shards()) + parts - 1
            assert largest["name"] not in changed.shards()
            assert row.target in changed.shards()
        elif row.id == "spines-removed":
            assert changed.locate("spine1") is None and zone.locate("spine1") is not None
        elif row.id == "spines-added":
            assert changed.locate("spine1") is not None and zone.locate("spine1") is None


def test_split_and_hold_keep_the_rest_of_the_zone() -> None:
    data = zone_data(APPLIANCE.read_text(), str(APPLIANCE))
    split = split_shard(data, "a", 3)
    parts = [s for s in split["shards"] if s["name"].startswith("a")]
    assert [p["clients"] for p in parts] == [100, 100, 100]
    assert all(p["rr_profile"] == "appliance" and p["cluster_id"] == "shared" for p in parts)
    odd = split_shard({**data, "shards": [{**data["shards"][0], "clients": 7}]}, "a", 3)
    assert [s["clients"] for s in odd["shards"]] == [3, 2, 2]
    held = with_hold(data, 180)
    assert held["timers"] == {"hold": 180, "keepalive": 60}
    assert data["timers"] == {"hold": 90, "keepalive": 30}  # the input is not changed


# -- boundaries --------------------------------------------------------------------------------
def test_the_bracket_finds_the_same_boundary_as_a_plain_scan() -> None:
    """The simulator's bracketing search (monotone assumption) against a value-by-value
    scan of the same flaps on a small zone: the same last safe and first failing value."""
    text = APPLIANCE.read_text()
    data = zone_data(text, str(APPLIANCE))
    flaps = flaps_of(text, str(APPLIANCE), Fraction(30))
    crit = [t for t in flaps if t.label() in ("flap a-rr1~spine1@30", "flap b-rr1~spine1@30")]
    with Runner(2) as runner:
        b = find_boundary(runner, data, text, str(APPLIANCE), "a", "clients", 1, 60, 1,
                          crit, crit, Fraction(300), 0.0, lambda _m: None)
        assert b.status == "HOLDS" and b.value is not None and b.past == b.value + 1
        from bgpcascade.review.boundaries import BoundarySearch

        bs = BoundarySearch(runner, data, str(APPLIANCE), "a", "clients", 300, 1, 60, 1,
                            crit, Fraction(300))
        scan = [bs.probe(v).safe for v in range(max(1, b.value - 3), b.value + 4)]
    first_bad = scan.index(False) + max(1, b.value - 3)
    assert all(scan[:first_bad - max(1, b.value - 3)])
    assert first_bad == b.past


def test_z3_and_the_bracket_agree_and_the_report_says_which() -> None:
    """Where Z3 answers in its budget its boundary is the review's (method z3...), and it
    is the bracket's: Z3 assumes nothing, the bracket assumes monotone stress."""
    text = APPLIANCE.read_text()
    data = zone_data(text, str(APPLIANCE))
    flaps = flaps_of(text, str(APPLIANCE), Fraction(30))
    crit = [t for t in flaps if t.label() == "flap a-rr1~spine1@30"]
    with Runner(2) as runner:
        by_z3 = find_boundary(runner, data, text, str(APPLIANCE), "a", "clients", 1, 40, 1,
                              crit, crit, Fraction(300), 120.0, lambda _m: None)
        by_sim = find_boundary(runner, data, text, str(APPLIANCE), "a", "clients", 1, 40, 1,
                               crit, crit, Fraction(300), 0.0, lambda _m: None)
    assert by_z3.method.startswith("z3") and by_sim.method == "sim-bracket"
    assert (by_z3.value, by_z3.past) == (by_sim.value, by_sim.past)
    assert by_z3.value is not None and by_z3.past == by_z3.value + 1


# -- the review on the golden zones ------------------------------------------------------------
@pytest.fixture(scope="module")
def unsafe_review(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("review-unsafe")
    r = _cli("review", str(APPLIANCE), "--out", "rv", "--quick", "--jobs", "2", "-q", cwd=out)
    assert r.returncode == 1, r.stdout + r.stderr
    return out, json.loads((out / "rv" / "review.json").read_text())


def test_unsafe_zone_negative_headroom_and_a_what_if_that_fixes_it(
        unsafe_review: tuple[Path, dict]) -> None:
    _, data = unsafe_review
    assert data["verdict"] == "VIOLATED"
    a = next(s for s in data["shards"] if s["shard"] == "a")
    assert a["headroom_percent"] < 0
    cb = a["clients_boundary"]
    assert cb["boundary"] < cb["current"] == 300 and cb["first_failing"] == cb["boundary"] + 1
    assert cb["checked_all_flaps"] is True
    fixes = [w for w in data["what_ifs"] if w["status"] == "HOLDS"]
    assert fixes, data["what_ifs"]
    assert all(w["headroom_percent"] is None or w["headroom_percent"] >= 0 for w in fixes)
    assert data["recommendations"] and data["recommendations"][0]["row"] in \
        {w["id"] for w in fixes}
    assert [w["id"] for w in data["what_ifs"]] == [*ROW_IDS, "spines-removed", *NEW_ROW_IDS]
    assert all(w["cost"] in ("configuration", "software change", "hardware")
               for w in data["what_ifs"])
    assert data["bounds"]["trigger_offsets"]["recommendation"] == \
        "worst offset as written (quick)"
    # Shard a runs on the appliance, whose capacity is assumed: its boundary over a range.
    a = next(s for s in data["shards"] if s["shard"] == "a")
    rng = a["boundary_range"]
    assert (rng["field"], rng["profile"], rng["provenance"]) == \
        ("capacity", "appliance", "assumed")
    assert rng["boundaries"][2] == a["clients_boundary"]["boundary"]


def test_every_boundary_command_in_the_appendix_reproduces_its_number(
        unsafe_review: tuple[Path, dict]) -> None:
    """The safe side of a boundary passes `check` over every flap; the value past it fails
    with the named flap: the report's numbers trace back to commands that give them."""
    cwd, data = unsafe_review
    cmds = {c["shows"]: c["command"] for c in data["commands"]}
    cb = next(s for s in data["shards"] if s["shard"] == "a")["clients_boundary"]
    safe = cmds[f"a.clients={cb['boundary']} is safe against every single flap"]
    bad = cmds[f"a.clients={cb['first_failing']} fails"]
    for cmd, code in ((safe, 0), (bad, 1)):
        argv = cmd.split()
        assert argv[0] == "bgpcascade"
        r = _cli(*argv[1:], "-q", cwd=cwd)
        assert r.returncode == code, (cmd, r.stdout, r.stderr)


def test_safe_zone_reports_headroom_and_every_flap_holds(tmp_path: Path) -> None:
    r = _cli("review", str(TWO_TIER), "--out", "rv", "--jobs", "2", "--z3-budget", "0",
             "--json", "copy.json", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads((tmp_path / "rv" / "review.json").read_text())
    assert data == json.loads((tmp_path / "copy.json").read_text())
    assert data["verdict"] == "HOLDS" and not data["unknown"]
    for s in data["shards"]:
        assert s["headroom_percent"] >= 0
        for b in (s["clients_boundary"], s["capacity_boundary"]):
            assert b["status"] == "HOLDS" and b["headroom_percent"] >= 0
    assert data["curve"]["points"], "the boundary curve is computed"
    for name in ("review.html", "review.md", "review.json", "headroom.svg",
                 "boundary-curve.svg"):
        assert (tmp_path / "rv" / name).stat().st_size > 0
    html = (tmp_path / "rv" / "review.html").read_text()
    md = (tmp_path / "rv" / "review.md").read_text()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    for s in data["shards"]:  # the same content in both
        assert f"| {s['shard']} |" in md and f"<td>{s['shard']}</td>" in html
    for c in data["commands"]:
        assert c["command"] in md
    assert "report:" in r.stdout and "shard a" in r.stdout


def test_explicit_zone_review_holds_with_capacity_headroom_and_what_ifs(
        tmp_path: Path) -> None:
    """The safe explicit golden zone: no shard numbers to vary, so the boundary is its
    RRs' capacity in percent (judged by no_cascade); headroom >= 0; the rows that need
    the compact form say so."""
    r = _cli("review", str(LAB), "--out", "rv", "--jobs", "2", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    data = json.loads((tmp_path / "rv" / "review.json").read_text())
    assert data["verdict"] == "HOLDS" and not data["unknown"]
    (zone,) = data["shards"]
    assert zone["shard"] == "(zone)" and zone["headroom_percent"] >= 0
    cap = zone["capacity_boundary"]
    assert cap["vary"] == "(zone).rr_capacity_percent" and cap["current"] == 100
    assert cap["status"] == "HOLDS" and cap["boundary"] <= 100
    rows = {w["id"]: w for w in data["what_ifs"]}
    assert rows["split-2"]["status"] == "n/a" and rows["split-2"]["reason"]
    assert rows["spines"]["status"] == "n/a"
    assert all(w["headroom_percent"] is not None for w in data["what_ifs"]
               if w["status"] == "HOLDS")
    cmds = [c["command"] for c in data["commands"]]
    assert any("--property no_cascade " in c and "zones/zone-rr_capacity_percent-" in c
               for c in cmds)


def test_an_unsafe_explicit_zone_needs_more_capacity(tmp_path: Path) -> None:
    """An explicit zone whose RRs are too slow for a flap: negative capacity headroom,
    and the zone at the boundary holds while the one past it fails (the commands)."""
    zone = tmp_path / "slow.yaml"
    clients = "".join(f"  - {{name: hv{i}, routes: 400}}\n" for i in range(1, 9))
    sessions = "".join(f"  - {{rr: rr{r}, client: hv{i}}}\n" for r in (1, 2)
                       for i in range(1, 9))
    zone.write_text("zone: slow\ntimers: {hold: 9, keepalive: 3, connect_retry: 1}\n"
                    "speakers:\n  - {name: rr1, profile: appliance, capacity: 300}\n"
                    "  - {name: rr2, profile: appliance, capacity: 300}\n" + clients +
                    "sessions:\n  - {peers: [rr1, rr2]}\n" + sessions)
    r = _cli("review", str(zone), "--out", "rv", "--jobs", "2", "--quick", "-q",
             cwd=tmp_path)
    data = json.loads((tmp_path / "rv" / "review.json").read_text())
    cap = data["shards"][0]["capacity_boundary"]
    assert r.returncode == 1 and data["verdict"] == "VIOLATED", r.stdout + r.stderr
    assert cap["boundary"] > 100 and cap["headroom_percent"] < 0
    assert cap["first_failing"] == cap["boundary"] - 1
    cmds = {c["shows"]: c["command"] for c in data["commands"]}
    for what, code in ((f"(zone).rr_capacity_percent={cap['boundary']} is safe against "
                        "every single flap", 0),
                       (f"(zone).rr_capacity_percent={cap['first_failing']} fails", 1)):
        argv = cmds[what].split()
        assert _cli(*argv[1:], "-q", cwd=tmp_path).returncode == code, cmds[what]


def test_the_review_does_not_depend_on_jobs_and_renders_byte_identically(
        unsafe_review: tuple[Path, dict], tmp_path: Path) -> None:
    """On the unsafe zone, where runs stop at the first failing flap, so that a batch of
    --jobs runs may go past the stop: every file the review writes (the report, its run
    counts, the JSON, the zone files of its commands) is byte for byte the same."""
    r = _cli("review", str(APPLIANCE), "--out", "rv", "--quick", "--jobs", "1", "-q",
             cwd=tmp_path)
    assert r.returncode == 1, r.stdout + r.stderr
    two, one = unsafe_review[0] / "rv", tmp_path / "rv"
    files = sorted(p.relative_to(two) for p in two.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(one) for p in one.rglob("*") if p.is_file())
    assert {"review.json", "review.md", "review.html"} <= {f.name for f in files}, files
    for f in files:
        assert (one / f).read_bytes() == (two / f).read_bytes(), f
    assert json.loads((one / "review.json").read_text())["runs"] > 0


@pytest.mark.parametrize("args, field", [
    (["review", "nope.yaml", "--out", "o"], "nope.yaml"),
    (["review", "builtin:fr-par-like", "--out", "o", "--horizon", "-1"], "--horizon"),
    (["review", "builtin:fr-par-like", "--out", "o", "--at", "400"], "--at"),
    (["review", "builtin:fr-par-like", "--out", "o", "--jobs", "0"], "--jobs"),
    (["review", "builtin:fr-par-like", "--out", "o", "--budget", "0"], "--budget"),
    (["review", "builtin:fr-par-like", "--out", "afile"], "--out"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], field: str) -> None:
    (tmp_path / "afile").write_text("mine")
    r = _cli(*args, cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and field in r.stderr
    assert (tmp_path / "afile").read_text() == "mine"


def test_profile_what_ifs_keep_the_files_own_profiles(tmp_path: Path) -> None:
    """A zone that overrides a built-in and derives a profile of its own: the what-if
    profiles derive from the file's profiles, not from the built-ins of the same name."""
    text = ("zone: own\nprofiles:\n  frr: {capacity: 40000}\n"
            "  slow: {base: appliance, capacity: 5000}\n"
            "spines: {count: 2}\nshards:\n"
            "  - {name: a, rr_profile: slow, clients: 20, routes_per_client: 10}\n"
            "  - {name: b, clients: 20, routes_per_client: 10}\n")
    rows = {r.id: r for r in what_ifs(zone_data(text, "own"), "a")}
    for rid in ("keepalive-frr", "gr-on", "update-groups-on"):
        data = rows[rid].data
        assert data is not None
        z = load_zone(yaml.safe_dump(data), source=rid)
        assert z.profile_of(z.group("a-rr1")).capacity == 5000
        assert z.profile_of(z.group("b-rr1")).capacity == 40000
        assert z.profile_of(z.group("spine1")).capacity == 40000


def test_empty_timers_and_a_spent_budget_give_unknown_not_a_traceback(tmp_path: Path) -> None:
    zone = tmp_path / "z.yaml"
    zone.write_text("zone: z\ntimers:\nspines: {count: 2, timers: }\nshards:\n"
                    "  - {name: a, clients: 4, routes_per_client: 5}\n")
    held = with_hold(zone_data(zone.read_text(), "z"), 180)
    assert held["timers"] == {"hold": 180, "keepalive": 60}
    r = _cli("review", str(zone), "--out", "rv", "--budget", "0.01", "--jobs", "1",
             cwd=tmp_path)
    assert r.returncode == 3, r.stdout + r.stderr
    assert "Traceback" not in r.stderr and "z: UNKNOWN over" in r.stdout
    assert "(review budget spent)" in r.stdout.splitlines()[0]
    data = json.loads((tmp_path / "rv" / "review.json").read_text())
    # The first ranking is held to the budget too (checked before each run): what ran is
    # reported, nothing is called safe, nothing else is run.
    # A flap is ranked once any of its offsets ran (at its worst offset run).
    n, ran = len(data["ranking"]), data["bounds"]["trigger_offsets"]["flap_times_run"]
    assert data["verdict"] == "UNKNOWN" and data["runs"] == ran
    # (0 when the budget ends before the first run: the budget is checked before each.)
    assert 0 <= n <= ran and n < len(data["flaps"])
    assert f"every single flap ({ran} of " in " ".join(data["unknown"])
    assert "flap times run: review budget spent" in " ".join(data["unknown"])
    assert data["what_ifs"] == [] and data["tightest_shard"] is None
    md = (tmp_path / "rv" / "review.md").read_text()
    assert f"over {n} of the {len(data['flaps'])} single flaps (the budget ran out)" in md
    assert "No what-if was run" in md


def test_a_budget_spent_during_the_first_ranking_is_unknown_unless_a_run_violated() -> None:
    """What ran before the budget ended counts: a violating flap found is VIOLATED (exit
    1), otherwise the review is UNKNOWN (exit 3), never HOLDS."""
    text = "zone: z\nspines: {count: 2}\nshards:\n  - {name: a, clients: 4, routes_per_client: 5}\n"
    full = review(text, "z.yaml", out_prefix="OUT", z3_budget=0.0, curve=False, quick=True,
                  budget=600, horizon=Fraction(120))
    assert full.complete and full.verdict == "HOLDS"
    part = dataclasses.replace(full, complete=False, shards=[], what_ifs=[],
                               ranking=full.ranking[:1], unknown=["every single flap"])
    assert part.verdict == "UNKNOWN" and exit_code(part) == 3
    bad = dataclasses.replace(full.ranking[0], violated=["no_cascade"])
    assert dataclasses.replace(part, ranking=[bad]).verdict == "VIOLATED"
    assert exit_code(dataclasses.replace(part, ranking=[bad])) == 1


def test_grids_and_renamed_flaps() -> None:
    from bgpcascade.review.boundaries import search_range
    from bgpcascade.review.whatifs import rename_flap

    lo, hi, step = search_range("rr_capacity", 12345)
    assert step == 123 and (12345 - lo) % step == 0 and (hi - 12345) % step == 0
    assert lo <= 123 + step and hi >= 199 * 12345
    assert search_range("clients", 400_000) == (1, 1_000_000, 1)
    assert rename_flap("flap a-rr1~spine1@30", "a", "a1") == "flap a1-rr1~spine1@30"
    assert rename_flap("flap a-c1~a-rr2@30", "a", "a-s2") == "flap a-s2-c1~a-s2-rr2@30"
    assert rename_flap("flap b-rr1~spine1@30", "a", "a1") == "flap b-rr1~spine1@30"


def test_read_zone_text_builtin_is_reviewable() -> None:
    """The built-in zone's what-if zones load (the demo reviews it)."""
    text = read_zone_text("builtin:fr-par-like")
    for row in what_ifs(zone_data(text, "builtin:fr-par-like"), "a"):
        assert row.data is not None
        load_zone(yaml.safe_dump(row.data), source=row.id)


# -- the report's figures and scope ------------------------------------------------------------
def test_quick_review_bounds_only_the_hurt_shard_and_says_so(
        unsafe_review: tuple[Path, dict]) -> None:
    """``--quick`` (the demo's scope): boundaries for the shard the flaps hurt most only;
    the others are listed as not answered, never left out silently."""
    _, data = unsafe_review
    bounded = {s["shard"] for s in data["shards"]
               if s["clients_boundary"] or s["capacity_boundary"]}
    assert bounded == {"a"} == {data["tightest_shard"]}
    assert "boundaries of shards other than a (quick review)" in data["unknown"]
    assert data["curve"]["points"] == []  # no curve in a quick review


def test_shard_figures_are_the_worst_of_the_shards_rrs(
        unsafe_review: tuple[Path, dict]) -> None:
    """Each shard's load figures in review.json are the highest of its RRs' (the numbers
    ``bgpcascade show`` gives per RR), so an uneven shard shows its busiest RR."""
    from bgpcascade.model.summary import zone_summary

    _, data = unsafe_review
    zone = load_zone(APPLIANCE.read_text(), source=str(APPLIANCE))
    loads = {r["rr"]: r for r in zone_summary(zone)["rr_load"]}
    for s in data["shards"]:
        rrs = [loads[g.key] for g in zone.groups if g.shard == s["shard"] and g.is_rr]
        assert len(rrs) == 2
        for key in ("rest_utilisation_percent", "full_resync_s", "capacity"):
            assert s[key] == max(r[key] for r in rrs) > 0, (s["shard"], key)
    by = {s["shard"]: s for s in data["shards"]}
    assert by["a"]["capacity"] < by["b"]["capacity"]  # the appliance is the slower RR


def test_commands_name_the_flap_time_and_the_timing_the_review_ran(
        unsafe_review: tuple[Path, dict], tmp_path: Path) -> None:
    """Every command behind a number runs what the review ran: the horizon and the timing
    always; a review at every offset names ``--at`` only to pin named ``--flap``s at
    their own times (``check`` tries every offset otherwise, as the review's ranking
    did); a pinned review (``--at 20``) names ``--at 20`` everywhere."""
    _, data = unsafe_review
    cmds = [c["command"] for c in data["commands"]]
    runs = [c for c in cmds if " --horizon " in c]
    assert runs and all("--seed 1 --phases spread --cohorts 4" in c for c in runs)
    for c in cmds:
        pins = c.split()[1] == "check" and "--flap" in c.split()
        assert ("--at 30" in c) == pins and c.count("--at") == pins, c
    text = LAB.read_text()
    rv = review(text, str(LAB), out_prefix="rv", at=Fraction(20), quick=True, budget=900,
                offsets=Offsets(pinned=True))
    assert rv.verdict == "HOLDS" and all(r.trigger.endswith("@20") for r in rv.ranking)
    assert rv.bounds["trigger_offsets"]["method"] == "pinned"
    sims = [c for _, c in rv.commands if c.split()[1] in ("check", "simulate")]
    assert len(sims) >= 4
    for c in sims:
        argv = c.split()
        if argv[1] == "simulate":  # its flaps carry their times (simulate has no --at)
            assert "--seed 1 --phases spread --cohorts 4" in c and "--horizon 300" in c, c
        else:
            assert "--horizon 300 --at 20 --seed 1 --phases spread --cohorts 4" in c, c
            assert c.count("--at") == 1, c
        assert all(argv[i + 1].endswith("@20") for i, a in enumerate(argv) if a == "--flap")
    ranking = next(c for w, c in rv.commands if w.startswith("the ranking"))
    r = _cli(*ranking.split()[1:], "--json", "check.json", "-q", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    ranked = json.loads((tmp_path / "check.json").read_text())["triggers_ranked"]
    assert ranked and all("@20" in str(t) for t in ranked), ranked


def test_headroom_is_given_only_for_a_found_boundary() -> None:
    """Headroom: (boundary - current) / current for clients, (current - boundary) /
    current for capacity, negative when overrun; none when UNKNOWN, nothing is safe, or
    there is no current value to compare with."""
    def b(fld: str, current: int, value: int | None, status: str = "HOLDS") -> ShardBoundary:
        return ShardBoundary("a", fld, current, 1, 1000, 1, value, None, None, status, "sim")

    assert b("clients", 300, 330).headroom_percent == 10.0
    assert b("clients", 300, 270).headroom_percent == -10.0
    assert b("rr_capacity", 300, 270).headroom_percent == 10.0
    assert b("rr_capacity", 300, 330).headroom_percent == -10.0
    assert b("clients", 300, 330, "UNKNOWN").headroom_percent is None
    assert b("clients", 300, None).headroom_percent is None
    assert b("clients", 0, 330).headroom_percent is None
    assert b("clients", 300, 330).open_ended and not b("clients", 300, 330, "UNKNOWN").open_ended
    assert b("clients", 3, 2).headroom_percent == -33.3  # one decimal


@pytest.mark.parametrize("zone_timers, shard_timers, want", [
    (None, None, [1.0, 2.0, 240 / 90]),               # RFC 4271 §10's 90 s everywhere
    ({"hold": 30}, {"keepalive": 5}, [3.0, 6.0, 8.0]),  # the shard inherits hold 30
    ({"hold": 90}, {"hold": 9}, [1.0, 1.0, 1.0]),      # holds differ: no scale
])
def test_hold_what_ifs_start_their_search_from_the_hold_as_the_loader_resolves_it(
        zone_timers: dict | None, shard_timers: dict | None, want: list[float]) -> None:
    """The hold rows start their boundary search at the boundary as written times new
    hold / old hold; the old hold is what every speaker proposes after inheritance (a
    shard block with only a keepalive keeps the zone's hold)."""
    data = yaml.safe_load((ROOT / "examples" / "flat-3-shards.yaml").read_text())
    data.pop("timers", None)
    if zone_timers is not None:
        data["timers"] = zone_timers
    if shard_timers is not None:
        data["shards"][0]["timers"] = shard_timers
    rows = {r.id: r for r in what_ifs(data, None)}
    assert [rows[f"hold-{h}"].hint_scale for h in (90, 180, 240)] == pytest.approx(want)


def test_a_what_if_that_is_the_zone_as_written_reuses_its_answers(
        unsafe_review: tuple[Path, dict]) -> None:
    """The zone already has hold 90 s and no graceful restart: the ``hold-90`` and
    ``gr-off`` rows are the zone as written, so they run nothing and show the review's
    own verdict and their target shard's boundary."""
    _, data = unsafe_review
    a = next(s for s in data["shards"] if s["shard"] == "a")
    same = {w["id"]: w for w in data["what_ifs"] if w["same_as_written"]}
    assert sorted(same) == ["gr-off", "hold-90"]
    for row in same.values():
        assert row["runs"] == 0 and row["target_shard"] == "a"
        assert row["status"] == "VIOLATED" == data["verdict"]
        assert row["boundary"] == a["clients_boundary"]
        assert row["headroom_percent"] == a["clients_boundary"]["headroom_percent"]
