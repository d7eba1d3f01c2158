"""Model versus FRR: a lab scenario run on the model too, and the two compared (docs/validation.md).

``bgpcascade lab ZONE --scenario NAME --compare`` runs the scenario on real FRR daemons
(bgpcascade/frr/lab.py) and the same trigger on the model (model/dynamics.py, one node per
speaker), then compares, row by row:

- **sessions reset**: the same sessions on both sides, how often each came back, and why
  each first went down (the end that detected it and the reason, mapped to one vocabulary:
  :func:`frr_category`, :func:`model_category`);
- **prefixes**: per receiving speaker and per peer, the prefixes announced and withdrawn in
  UPDATEs from the trigger on (FRR: each daemon's MRT dump; the model: its UPDATEs) -
  exact;
- **times**: first session down after the trigger, and reconvergence, each within a
  tolerance derived from the timers (:func:`tolerances`; docs/validation.md says why);
- **starve-rr**: whether the CPU-starved RR keeps its other sessions.

How each scenario maps to a model trigger (docs/validation.md, discrepancies 2 and 3):

============  =====================================================================
scenario      model
============  =====================================================================
converge      no trigger: the zone at rest (FRR must reach the model's prefixes)
clear         ``flap RR~CLIENT`` (a hard reset: the session drops at both ends)
kill-client   ``restart CLIENT`` (kill -9 closes TCP at once; the lab restarts it)
pause-client  ``pause CLIENT:D`` (SIGSTOP for D = hold + 2 s: nothing read or sent)
pause-rr      ``pause RR:D``
starve-rr     the RR at ``--starve-percent`` of its capacity, and ``restart CLIENT``
============  =====================================================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.topology import Zone, session_name
from bgpcascade.properties.runner import run

#: When the model's trigger fires: the zone has been at rest since 0.
T0 = Fraction(10)
#: How long the model runs after the trigger (every lab scenario reconverges far sooner
#: with lab timers; a run that has not is reported, not cut short silently).
AFTER = Fraction(120)


def pause_seconds(zone: Zone, rr: str, client: str) -> int:
    """How long the lab pauses a speaker: the larger hold of the two ends, plus 2 s."""
    holds = []
    for name in (rr, client):
        loc = zone.locate(name)
        assert loc is not None
        holds.append(int(zone.group(loc[0]).timers.hold))
    return max(holds) + 2


def model_triggers(zone: Zone, scenario: str, rr: str | None, client: str | None,
                   t0: Fraction = T0) -> list[Trigger]:
    """The model's trigger(s) for a lab scenario (the table in the module docstring)."""
    if scenario == "converge":
        return []
    assert rr is not None and client is not None
    if scenario == "clear":
        return [Trigger("flap", t0, rr, client)]
    if scenario in ("kill-client", "starve-rr"):
        return [Trigger("restart", t0, client)]
    who = client if scenario == "pause-client" else rr
    return [Trigger("pause", t0, who, down_for=Fraction(pause_seconds(zone, rr, client)))]


def run_model(zone: Zone, scenario: str, rr: str | None, client: str | None, *,
              starve_percent: float = 1.0) -> dict[str, Any]:
    """The scenario on the model: the same keys as the lab's result where they compare
    (``changes``, ``updates``, ``detect_s``, ``reconverge_s``,
    ``starved_rr_kept_sessions``), times in seconds from the trigger."""
    starve: Callable[[Sim], None] | None = None
    if scenario == "starve-rr":
        assert rr is not None
        starved = rr

        def starve(sim: Sim) -> None:
            # A cgroup quota of P% of one CPU: the RR's main loop does P% of its work per
            # second (set before the zone settles at rest, which does no work).
            node = sim.nodes[sim.view.node_of(starved)]
            node.capacity = node.capacity * Fraction(str(starve_percent)) / 100

    ran = run(zone, model_triggers(zone, scenario, rr, client), T0 + AFTER,
              dt=Fraction(1), expand=True, bind=starve)
    sim, out = ran.sim, ran.outcome
    changes = [{"t": float(e.t - T0), "session": e.session, "at": e.at,
                "up": e.kind == "established", "reason": e.reason, "direct": e.direct}
               for e in sim.events]
    downs = [c for c in changes if not c["up"]]
    settled = out.reconverged_at()
    updates: dict[str, dict[str, dict[str, int]]] = {}
    for table, what in ((sim.announced, "announced"), (sim.withdrawn, "withdrawn")):
        for (receiver, sender), n in table.items():
            if n:
                d = updates.setdefault(receiver, {}).setdefault(
                    sender, {"announced": 0, "withdrawn": 0})
                d[what] += n
    kept = None
    if scenario == "starve-rr":
        ends = [e.session.split("~") for e in sim.events if e.kind == "down"]
        kept = not any(rr in pair and client not in pair for pair in ends)
    return {"scenario": scenario, "changes": changes, "updates": updates,
            "detect_s": downs[0]["t"] if downs else None,
            "reconverge_s": (0.0 if scenario == "converge" else
                             None if settled is None else float(settled - T0)),
            "starved_rr_kept_sessions": kept}


# -- one vocabulary for why a session went down ------------------------------------------
CATEGORIES = ("trigger", "hold", "send-hold", "notification", "closed", "other")


def frr_category(reason: str, direct: bool) -> str:
    """FRR's ``%ADJCHANGE`` reason (with its NOTIFICATION, bgpcascade.frr.lab.read_changes) in
    the comparison's words. ``direct``: the session is one the scenario acts on, whose
    reset is the trigger's own effect (the clear's Cease, the killed client's closed TCP).
    """
    if direct and (reason == "User reset" or reason.startswith("BGP Notification received 6/")
                   or reason == "Peer closed the session"):
        return "trigger"
    if "Send Hold Timer Expired" in reason or reason.startswith("BGP Notification send 8/"):
        return "send-hold"  # RFC 9687: error code 8
    if "Hold Timer Expired" in reason and reason.startswith("BGP Notification send"):
        return "hold"
    if reason.startswith("BGP Notification received"):
        return "notification"
    if reason in ("Peer closed the session", "Waiting for peer OPEN",
                  "Waiting for NHT") or "TCP" in reason:
        return "closed"
    return "other"


def model_category(reason: str) -> str:
    """The model's reset reason (model/dynamics.py ``REASONS``) in the comparison's words."""
    return {"trigger": "trigger", "hold_timer_expired": "hold",
            "send_hold_timer_expired": "send-hold",
            "notification_received": "notification",
            "tcp_connection_failed": "closed"}.get(reason, "other")


# -- the comparison -------------------------------------------------------------------------
@dataclass(frozen=True)
class ComparisonRow:
    """One line of the table: what, the model's value, FRR's, and whether they agree."""

    section: str
    what: str
    model: str
    frr: str
    ok: bool
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        """The ``rows`` entry of ``--compare --json`` (keys are a contract)."""
        return {"section": self.section, "what": self.what, "model": self.model,
                "frr": self.frr, "ok": self.ok, "note": self.note}


def tolerances(zone: Zone) -> dict[str, float]:
    """How far the model's times may be from FRR's, in seconds, and why.

    - detect: ``keepalive + 0.25``. A hold timer runs from the last KEEPALIVE received,
      and where in its KEEPALIVE cycle a speaker is when it stops is chance in the lab
      (any time in one interval) but fixed in the model; 0.25 s covers the logs' and the
      poll's resolution.
    - reconverge: ``keepalive + connect_retry + 1 + 0.5``: the same phase, FRR's
      ConnectRetry timer (which side connects first and when is chance), FRR's start timer
      after a reset (1 s), and the lab's 0.2 s poll plus a restarted bgpd's start-up.
    """
    keepalive = max(float(g.timers.keepalive) for g in zone.groups)
    connect = max(float(g.timers.connect_retry) for g in zone.groups)
    return {"detect_s": keepalive + 0.25, "reconverge_s": keepalive + connect + 1.5}


def _direct_sessions(scenario: str, rr: str | None, client: str | None,
                     sessions: list[str]) -> set[str]:
    if scenario == "clear" and rr and client:
        return {session_name(rr, client)}
    if scenario in ("kill-client", "starve-rr") and client:
        return {s for s in sessions if client in s.split("~")}
    return set()


def compare(zone: Zone, frr: dict[str, Any], model: dict[str, Any]) -> list[ComparisonRow]:
    """The rows of the table (see the module docstring)."""
    scenario, rr, client = frr["scenario"], frr.get("rr"), frr.get("client")
    rows: list[ComparisonRow] = []
    all_sessions = sorted({c["session"] for c in frr["changes"]} |
                          {c["session"] for c in model["changes"]})
    direct = _direct_sessions(scenario, rr, client, all_sessions)

    # Sessions: which reset, how often they came back, who saw it first and why.
    def story(changes: list[dict[str, Any]], frr_side: bool) -> dict[str, tuple[str, int]]:
        out: dict[str, tuple[str, int]] = {}
        ups: dict[str, int] = defaultdict(int)
        ups_by_end: dict[tuple[str, str], int] = defaultdict(int)
        for c in changes:
            s = c["session"]
            if c["up"]:
                ups_by_end[(s, c["at"])] += 1
                continue
            if s in out:
                continue
            cat = (frr_category(c["reason"], s in direct) if frr_side
                   else model_category(c["reason"]))
            out[s] = (f"{cat} at {c['at']}", 0)
        for (s, _), n in ups_by_end.items():
            ups[s] = max(ups[s], n)  # FRR logs Up at both ends; the model once per session
        return {s: (why, ups[s]) for s, (why, _) in out.items()}

    fs, ms = story(frr["changes"], True), story(model["changes"], False)
    for s in sorted(set(fs) | set(ms)):
        f, m = fs.get(s), ms.get(s)
        if f is None or m is None:
            rows.append(ComparisonRow("sessions", f"{s} reset", "yes" if m else "no",
                                      "yes" if f else "no", False))
            continue
        rows.append(ComparisonRow("sessions", f"{s} first down", m[0], f[0],
                                  m[0].split(" at ")[0] == f[0].split(" at ")[0],
                                  "" if m[0] == f[0] else "same reason, other end first"
                                  if m[0].split(" at ")[0] == f[0].split(" at ")[0] else ""))
        rows.append(ComparisonRow("sessions", f"{s} re-established", str(m[1]), str(f[1]),
                                  m[1] == f[1]))
    if not fs and not ms:
        rows.append(ComparisonRow("sessions", "sessions reset", "none", "none", True))

    # Prefixes, exact, per receiver and peer.
    fu, mu = frr["updates"], model["updates"]
    for recv in sorted(set(fu) | set(mu)):
        for peer in sorted(set(fu.get(recv, {})) | set(mu.get(recv, {}))):
            zero = {"announced": 0, "withdrawn": 0}
            f = fu.get(recv, {}).get(peer, zero)
            m = mu.get(recv, {}).get(peer, zero)
            rows.append(ComparisonRow("prefixes", f"{recv} <- {peer}",
                                      f"{m['announced']:,} / {m['withdrawn']:,}",
                                      f"{f['announced']:,} / {f['withdrawn']:,}",
                                      (m["announced"], m["withdrawn"]) ==
                                      (f["announced"], f["withdrawn"]), "announced / withdrawn"))

    # Times.
    tol = tolerances(zone)
    if scenario != "converge":
        for key, what in (("detect_s", "first session down"),
                          ("reconverge_s", "reconverged")):
            f, m = frr.get(key), model.get(key)
            if f is None and m is None:
                rows.append(ComparisonRow("times", what, "-", "-", True))
                continue
            ok = f is not None and m is not None and abs(f - m) <= tol[key]
            rows.append(ComparisonRow("times", what, "-" if m is None else f"{m:.3f} s",
                                      "-" if f is None else f"{f:.3f} s", ok,
                                      f"within ±{tol[key]:g} s"))
    if scenario == "starve-rr":
        f, m = frr.get("starved_rr_kept_sessions"), model.get("starved_rr_kept_sessions")
        rows.append(ComparisonRow("starve", f"{rr} kept its other sessions", str(m).lower(),
                                  str(f).lower(), f == m))
    return rows


def print_table(rows: list[ComparisonRow]) -> None:
    """The table, one row a line, mismatches marked."""
    w = max((len(r.what) for r in rows), default=10)
    wm = max((len(r.model) for r in rows), default=5)
    wf = max((len(r.frr) for r in rows), default=3)
    print(f"  {'':2} {'':8} {'':{w}}  {'model':{wm}}  {'FRR':{wf}}")
    for r in rows:
        mark = "ok" if r.ok else "!!"
        note = f"  ({r.note})" if r.note else ""
        print(f"  {mark} {r.section:8} {r.what:{w}}  {r.model:{wm}}  {r.frr:{wf}}{note}")
    bad = sum(not r.ok for r in rows)
    print(f"  {len(rows) - bad} of {len(rows)} rows agree" +
          (f"; {bad} beyond tolerance" if bad else ""))
