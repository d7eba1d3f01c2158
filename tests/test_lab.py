"""The FRR lab (docs/validation.md): real bgpd daemons for a small zone, the scenarios by name,
their counters, and a harness that always cleans up after itself.

Needs Debian's FRR (`.ci/run` installs it). Without /usr/lib/frr/bgpd these tests fail
with a message saying so, unless BGPCASCADE_NO_FRR=1 is set explicitly.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bgpcascade.frr.lab import (
    BGPD,
    SCENARIOS,
    Lab,
    bgpd_conf,
    read_mrt,
    running,
    speakers_and_sessions,
)
from bgpcascade.io import load_zone_file

ROOT = Path(__file__).resolve().parent.parent
ZONE = ROOT / "tests" / "lab" / "frr-5x200.yaml"
#: Real daemons on fixed loopback addresses, counted with pgrep: never beside another lab,
#: nor beside CPU-heavy tests that would move their timing (see scripts/setup.sh).
pytestmark = pytest.mark.frr_lab

if not Path(BGPD).exists():
    if os.environ.get("BGPCASCADE_NO_FRR") == "1":
        pytest.skip("BGPCASCADE_NO_FRR=1: no FRR lab here", allow_module_level=True)
    pytest.fail(f"{BGPD} is missing: apt-get install -y frr (or set BGPCASCADE_NO_FRR=1)",
                pytrace=False)


def _bgpds() -> int:
    out = subprocess.run(["pgrep", "-c", "-x", "bgpd"], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)


def _lab(tmp_path: Path, scenario: str, *, rc: int | None = 0,
         zone: Path = ZONE) -> dict[str, Any]:
    """Run the scenario with ``--compare``; the exit code must be ``rc`` (``None``: 0
    or 1, the rows are then checked by :func:`_only_frr_variance`)."""
    r = subprocess.run([sys.executable, "-m", "bgpcascade", "lab", str(zone), "--scenario",
                        scenario, "--compare", "--json", "r.json", "-q"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == rc if rc is not None else r.returncode in (0, 1), \
        r.stdout + r.stderr
    assert "model vs FRR" in r.stdout
    data: dict[str, Any] = json.loads((tmp_path / "r.json").read_text())
    assert data["compare"]["agree"] is (r.returncode == 0)
    return data


def _mismatches(r: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for row in r["compare"]["rows"] if not row["ok"]]


def _counts(text: str) -> tuple[int, int]:
    a, w = (int(x.replace(",", "")) for x in text.split(" / "))
    return a, w


ROUTES = 200  # per client in the zone


def _only_frr_variance(r: dict[str, Any]) -> None:
    """Every row agrees, except in the two ways FRR varies from run to run on this zone
    (docs/validation.md, "Run-to-run variance"), whichever way the race went:

    - transient replacements: a receiver got one or two clients' routes announced once
      more or once less than the model says (200 or 400 here; two were seen once, in
      pause-rr, where five sessions come back at about the same time), withdrawals equal;
    - a connection collision: FRR reset a session once more just after it came up, with
      "No AFI/SAFI activated for peer", and so re-announced that client's routes (one
      class more announced, and at most one more or less withdrawn).
    Sessions reset, their reasons and both times must agree in every run.
    """
    collided = {c["session"] for c in r["changes"]
                if not c["up"] and c["reason"] == "No AFI/SAFI activated for peer"}
    for row in _mismatches(r):
        if row["section"] == "prefixes":
            (ma, mw), (fa, fw) = _counts(row["model"]), _counts(row["frr"])
            assert abs(ma - fa) in (ROUTES, 2 * ROUTES), row
            assert mw == fw or (collided and abs(mw - fw) == ROUTES), row
        elif row["section"] == "sessions" and row["what"].endswith("re-established"):
            assert row["what"].split()[0] in collided, row
        else:
            raise AssertionError(f"beyond FRR's known variance: {row}")


def test_configs_follow_the_zone() -> None:
    zone = load_zone_file(str(ZONE))
    speakers, sessions = speakers_and_sessions(zone)
    assert [s.name for s in speakers] == ["rr1", "rr2", "hv1", "hv2", "hv3", "hv4", "hv5"]
    assert len(sessions) == 11 and sum(s.rr is not None for s in sessions) == 10
    by = {s.name: s for s in speakers}
    rr1 = bgpd_conf(by["rr1"], by, sessions, Path("/x"))
    assert " bgp cluster-id 10.0.0.1" in rr1 and " timers bgp 1 3" in rr1
    assert rr1.count("route-reflector-client") == 5 and "  network " not in rr1
    hv1 = bgpd_conf(by["hv1"], by, sessions, Path("/x"))
    assert hv1.count("  network 10.3.") == 200 and "route-reflector-client" not in hv1
    assert "set ip next-hop 10.255.0.3" in hv1  # no martian 127/8 next hop
    assert hv1.index("route-map NH permit") < hv1.index("router bgp")
    assert all(f"neighbor {by[p].addr} timers connect 1" in hv1 for p in ("rr1", "rr2"))


def test_converge_every_session_and_every_prefix(tmp_path: Path) -> None:
    before = _bgpds()
    r = _lab(tmp_path, "converge")
    assert r["sessions"] == 11 and r["converge_s"] < 30
    after = r["stats"]["after"]
    assert after["hv1"]["rr1"]["pfxRcd"] == 800  # the other 4 clients' routes
    assert after["rr1"]["rr2"]["pfxRcd"] == 1000
    assert _bgpds() == before, "the lab left daemons running"


def test_clear_resets_one_session_and_counts_the_prefixes(tmp_path: Path) -> None:
    r = _lab(tmp_path, "clear", rc=None)
    _only_frr_variance(r)
    downs = [c for c in r["changes"] if not c["up"]]
    assert {c["session"] for c in downs} == {"hv1~rr1"}
    reasons = {c["at"]: c["reason"] for c in downs}
    assert reasons == {"rr1": "User reset", "hv1": "BGP Notification received 6/4 "
                       "(Cease/Administrative Reset)"}
    assert r["updates"]["hv1"]["rr1"]["announced"] == 1000  # its own 200 come back too
    assert r["updates"]["rr1"]["hv1"] == {"announced": 200, "withdrawn": 0}
    assert r["detect_s"] is not None and r["detect_s"] < 1 and r["reconverge_s"] < 30


def test_a_paused_rr_loses_its_clients_by_hold_expiry_and_gets_them_back(
        tmp_path: Path) -> None:
    r = _lab(tmp_path, "pause-rr", rc=None)
    _only_frr_variance(r)
    downs = [c for c in r["changes"] if not c["up"] and c["at"] != "rr1"]
    assert {c["session"] for c in downs} == {f"hv{i}~rr1" for i in range(1, 6)} | \
        {"rr1~rr2"}
    assert 1.5 <= r["detect_s"] <= 4.0  # hold 3 s after the last KEEPALIVE
    ups = {c["session"] for c in r["changes"] if c["up"]}
    assert {f"hv{i}~rr1" for i in range(1, 6)} <= ups


def test_a_killed_client_and_a_paused_client_agree_with_the_model(tmp_path: Path) -> None:
    """kill -9 closes TCP at once (the model's restart); SIGSTOP stops KEEPALIVEs too, so
    both RRs expire their hold timers (the model's pause). Every row agrees but for FRR's
    known run-to-run variance (in 2 of 5 kill-client runs one RR skipped the transient
    replacement)."""
    for scenario in ("kill-client", "pause-client"):
        r = _lab(tmp_path, scenario, rc=None)
        _only_frr_variance(r)
        assert {c["session"] for c in r["changes"]} == {"hv1~rr1", "hv1~rr2"}


def test_a_starved_frr_rr_keeps_its_sessions(tmp_path: Path) -> None:
    """At 1% CPU the restarted client's session comes back and the RR's other sessions
    stay up (FRR's keepalive thread, hold re-armed on backlog); the model
    agrees. In some runs the starved RR learns of hv1's loss only after rr2's withdrawal
    is in, and skips the transient replacement the model makes (docs/validation.md)."""
    r = _lab(tmp_path, "starve-rr", rc=None)
    assert r["starved_rr_kept_sessions"] is True
    _only_frr_variance(r)
    assert {row["what"] for row in _mismatches(r)} <= {f"hv{i} <- rr1" for i in range(2, 6)}


def test_a_starved_frr_rr_owing_updates_keeps_its_sessions(tmp_path: Path) -> None:
    """Discrepancy 10 (docs/validation.md): with 5,000 routes per client the starved rr1
    owes its other clients withdrawals and re-announcements for longer than the 3-s hold
    time, and FRR still keeps every session: its keepalive thread does not wait for
    UPDATEs the main loop has yet to build. The model agrees on every session (it reset
    all five until this was fixed). Prefix counts vary by FRR's transient-replacement
    races, and the model's starved RR is slower than a bgpd with no FIB to program (its
    reconvergence time is not compared here)."""
    r = _lab(tmp_path, "starve-rr", rc=None, zone=ZONE.parent / "frr-5x5000.yaml")
    assert r["starved_rr_kept_sessions"] is True
    assert r["reconverge_s"] > 3  # the withdrawals did wait longer than the hold time
    rows = [row for row in r["compare"]["rows"] if row["section"] in ("sessions", "starve")]
    assert any(row["what"] == "rr1 kept its other sessions" and row["ok"] for row in rows)
    # The restarted hv1 reconnects to the starved rr1 once in the model; FRR at 1% CPU
    # sometimes needs a second attempt (measured: 2 or 3 in some runs). Every other
    # session row must agree.
    again = "hv1~rr1 re-established"
    assert all(row["ok"] or (row["what"] == again and int(row["frr"]) >= 1)
               for row in rows), [row for row in rows if not row["ok"]]
    assert {c["session"] for c in r["changes"]} == {"hv1~rr1", "hv1~rr2"}


def test_the_lab_stops_everything_on_interrupt() -> None:
    before = _bgpds()
    zone = load_zone_file(str(ZONE))
    root = None
    with pytest.raises(KeyboardInterrupt), running(zone) as lab:
        root = lab.root
        assert _bgpds() == before + 7
        lab.pause("hv2")  # even a stopped daemon goes
        raise KeyboardInterrupt
    assert _bgpds() == before and root is not None and not root.exists()


def test_scenario_names_and_bad_input(tmp_path: Path) -> None:
    assert SCENARIOS == ("converge", "clear", "kill-client", "pause-client", "pause-rr",
                         "starve-rr")
    big = tmp_path / "big.yaml"
    big.write_text("zone: big\nshards: [{name: a, clients: 100, routes_per_client: 1}]\n")
    for args, field in ((["lab", str(big), "--scenario", "clear"], "at most 60"),
                        (["lab", str(ZONE), "--scenario", "clear", "--rr", "hv1"],
                         "--rr/--client")):
        r = subprocess.run([sys.executable, "-m", "bgpcascade", *args], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120,
                           env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert field in r.stderr


def test_mrt_reader_counts_prefixes(tmp_path: Path) -> None:
    """A hand-built BGP4MP_MESSAGE_AS4 record with one UPDATE: 2 withdrawn, 3 announced."""
    import struct

    withdrawn = bytes([32, 10, 0, 0, 1, 24, 10, 0, 1])
    nlri = bytes([32, 10, 1, 0, 1, 32, 10, 1, 0, 2, 16, 10, 2])
    attrs = b""
    body = withdrawn
    upd = struct.pack("!H", len(withdrawn)) + body + struct.pack("!H", len(attrs)) + attrs \
        + nlri
    msg = b"\xff" * 16 + struct.pack("!HB", 19 + len(upd), 2) + upd
    peer = bytes([127, 0, 1, 2])
    mrt_body = struct.pack("!IIHH", 65000, 65000, 0, 1) + peer + bytes([127, 0, 1, 1]) + msg
    rec = struct.pack("!IHHI", 1000, 16, 4, len(mrt_body)) + mrt_body
    f = tmp_path / "u.mrt"
    f.write_bytes(rec + rec)
    ups = read_mrt(f)
    assert [(u.t, u.peer, u.announced, u.withdrawn) for u in ups] == \
        [(1000, "127.0.1.2", 3, 2)] * 2


def test_lab_refuses_a_missing_bgpd_and_leaves_nothing_behind(tmp_path: Path,
                                                              monkeypatch: Any) -> None:
    from bgpcascade.model.errors import InputError

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    with pytest.raises(InputError, match="not found"):
        Lab(load_zone_file(str(ZONE)), bgpd="/nonexistent/bgpd")
    big = load_zone_file("builtin:fr-par-like")
    with pytest.raises(InputError, match="at most 60"):
        Lab(big)
    assert list(tmp_path.iterdir()) == []
