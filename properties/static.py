"""Static route-reflection checks over a zone: ``bgpcascade lint``.

Each check is a question whose answer is a violations table; it passes when the table is
empty (pybatfish style: the violating rows are the answer). Reports are tables that
inform but do not fail.

Checks
    reflection_completeness   every non-RR speaker learns every other one's routes
                              (RFC 4456 §6/§8 applied with all sessions up).
    single_points_of_failure  one RR or one session down: which speakers lose routes to
                              which (covers redundant RRs sharing a CLUSTER_ID, §8).
    session_limits            sessions per RR against known implementation limits
                              (FRR: 100 dynamic neighbors by default).
Reports
    fan_out                   one route change at one client: route copies each RR sends.
    reset_cost                one session reset: route copies withdrawn, replaced and
                              announced at teardown, and re-sent on re-establishment.

Everything runs per symmetry group (docs/model.md, "Symmetry"): a 20,000-client compact
zone is a few dozen nodes, never 20,000 path sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from bgpcascade.model.reflection import (
    View,
    origin_view,
    origins,
    propagate,
    reachability,
    sent_copies,
)
from bgpcascade.model.topology import SessionGroup, Zone, session_name

Cell = str | int | float | None


@dataclass(frozen=True)
class Table:
    """One check's violations (or one report's rows)."""

    name: str
    kind: Literal["check", "report"]
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""

    @property
    def passed(self) -> bool:
        """A check passes when it has no rows; a report always passes."""
        return self.kind == "report" or not self.rows

    def as_json(self) -> dict[str, Any]:
        """JSON form: rows as objects keyed by column."""
        return {
            "name": self.name,
            "kind": self.kind,
            "title": self.title,
            "passed": self.passed,
            "note": self.note,
            "columns": list(self.columns),
            "rows": [dict(zip(self.columns, r, strict=True)) for r in self.rows],
        }


@dataclass(frozen=True)
class LintResult:
    """All tables of ``bgpcascade lint`` for one zone."""

    zone: str
    tables: tuple[Table, ...]

    @property
    def ok(self) -> bool:
        """Every check's table is empty."""
        return all(t.passed for t in self.tables)

    def table(self, name: str) -> Table:
        """The table called ``name``."""
        return next(t for t in self.tables if t.name == name)

    def as_json(self) -> dict[str, Any]:
        """JSON form written by ``lint --json``."""
        return {
            "zone": self.zone,
            "ok": self.ok,
            "checks_failed": [t.name for t in self.tables if not t.passed],
            "tables": [t.as_json() for t in self.tables],
        }


def lint(zone: Zone, progress: Callable[[str], None] | None = None) -> LintResult:
    """Run every static check and report on ``zone``."""
    say = progress or (lambda _msg: None)
    base = View.from_zone(zone)
    say("reflection completeness")
    completeness = check_completeness(zone, base)
    say("single points of failure")
    spof = check_single_points_of_failure(zone, base)
    say("session limits")
    limits = check_session_limits(zone)
    say("fan-out")
    fan = report_fan_out(zone, base)
    say("reset cost")
    reset = report_reset_cost(zone)
    return LintResult(zone=zone.name, tables=(completeness, spof, limits, fan, reset))


def check_completeness(zone: Zone, base: View | None = None) -> Table:
    """Every non-RR speaker learns every other non-RR speaker's routes (all sessions up)."""
    reach = reachability(base or View.from_zone(zone))
    rows = tuple(
        (o, r, n) for (o, r), n in sorted(reach.missing.items(), key=_group_order(zone)) if n
    )
    return Table(
        name="reflection_completeness", kind="check",
        title="Speakers that do not learn another speaker's routes (all sessions up)",
        columns=("origin_group", "receiver_group", "pairs_missing"), rows=rows,
        note="RFC 4456 §6 reflection, §8 ORIGINATOR_ID/CLUSTER_LIST checks",
    )


def _group_order(zone: Zone) -> Callable[[tuple[tuple[str, str], int]], tuple[int, int]]:
    idx = zone.group_index
    return lambda item: (idx[item[0][0]], idx[item[0][1]])


def _representative(zone: Zone, s: SessionGroup) -> tuple[str, str]:
    return zone.group(s.a).names[0], zone.group(s.b).names[0]


def check_single_points_of_failure(zone: Zone, base: View | None = None) -> Table:
    """One RR or one session down: speaker pairs that lose routes they had.

    One representative per session group stands for all its sessions (they are
    interchangeable); the ``like_it`` column says how many sessions each row stands for.
    """
    base = base or View.from_zone(zone)
    before = reachability(base).missing
    rows: list[tuple[Cell, ...]] = []

    def compare(failure: str, kind: str, like_it: int, view: View) -> None:
        after = reachability(view).missing
        for (o, r), n in sorted(after.items(), key=_group_order(zone)):
            lost = n - before.get((o, r), 0)
            if lost > 0:
                rows.append((failure, kind, like_it, o, r, lost))

    for g in zone.groups:
        if g.is_rr:
            v = base.copy()
            v.remove_speaker(g.names[0])
            compare(g.key, "speaker", 1, v)
    for s in zone.sessions:
        a, b = _representative(zone, s)
        v = base.copy()
        v.remove_session(a, b)
        compare(session_name(a, b), "session", zone.session_count(s), v)
    return Table(
        name="single_points_of_failure", kind="check",
        title="Route loss when one RR or one session is down",
        columns=("failure", "kind", "like_it", "origin_group", "receiver_group", "pairs_lost"),
        rows=tuple(rows),
        note="pairs_lost counts (origin, receiver) speaker pairs for the failure shown; "
        "like_it = how many failures of the same shape exist",
    )


def check_session_limits(zone: Zone) -> Table:
    """Sessions per RR against known limits (FRR ``bgp listen limit``, default 100)."""
    rows: list[tuple[Cell, ...]] = []
    for g in zone.groups:
        if not g.is_rr or not g.dynamic_neighbors:
            continue
        limit = zone.profiles[g.profile].dynamic_neighbor_limit
        clients = sum(zone.group(n).count for n, rel in zone.adjacency[g.key]
                      if rel == "client")
        if limit is not None and clients > limit:
            rows.append((g.key, zone.profiles[g.profile].implementation, clients, limit,
                         "dynamic neighbors over the default listen limit"))
    return Table(
        name="session_limits", kind="check",
        title="Route reflectors over a known implementation session limit",
        columns=("rr", "implementation", "sessions", "limit", "problem"), rows=tuple(rows),
        note="FRR bgpd/bgpd.h: dynamic-neighbor limit 100 (bgp listen limit)",
    )


def report_fan_out(zone: Zone, base: View | None = None) -> Table:
    """One route changed at one speaker of each group: copies each speaker receives/sends.

    This is the "one byte in, kilobytes out" figure: the total of ``copies_sent`` over a
    change is what one route update at one hypervisor costs the zone.
    """
    base = base or View.from_zone(zone)
    rows: list[tuple[Cell, ...]] = []
    for key, _mult in origins(base):
        node = base.nodes[key]
        if node.is_rr or node.routes == 0:
            continue
        v, o = origin_view(base, key)
        prop = propagate(v, o)
        sent = sent_copies(v, prop)
        received: dict[str, int] = {}
        for (_s, r), _p in prop.adv.items():
            received[v.nodes[r].group] = received.get(v.nodes[r].group, 0) + 1
        total = sum(sent.values())
        for k in sorted(sent, key=lambda k: v.nodes[k].order):
            if v.nodes[k].is_rr:
                rows.append((node.group, k, received.get(v.nodes[k].group, 0), sent[k], total))
    return Table(
        name="fan_out", kind="report",
        title="One route change at one client: route copies per RR",
        columns=("change_at", "rr", "copies_received", "copies_sent", "zone_total_sent"),
        rows=tuple(rows),
        note="copies_sent counts every UPDATE entry an RR sends, including the copy FRR "
        "sends back to the originating client (dropped there by ORIGINATOR_ID)",
    )


def session_label(zone: Zone, s: SessionGroup) -> str:
    """A readable kind of session: ``spine~leaf-rr``, ``rr~client``, ``rr~rr (ibgp)``..."""
    a, b = zone.group(s.a), zone.group(s.b)

    def tier_name(g: Any) -> str:
        if g.is_rr:
            if zone.form == "compact":
                return "spine" if g.shard is None else "leaf-rr"
            return f"rr(tier {g.tier})"
        return "client" if g.role == "client" else "peer"

    label = f"{tier_name(a)}~{tier_name(b)}"
    return label if s.kind == "rr-client" else f"{label} (ibgp)"


def report_reset_cost(zone: Zone) -> Table:
    """One session reset (one per session group): what it costs the zone, in route copies.

    Teardown: every other speaker whose best path changes sends withdrawals (no path any
    more), replacements (a different path) or new announcements, to every eligible peer.
    Re-establishment: both ends send their whole Adj-RIB-Out over the session (RFC 4271
    §9.1.3; End-of-RIB, RFC 4724), and the teardown changes are undone (``restored``).
    """
    base = View.from_zone(zone)
    rows: list[tuple[Cell, ...]] = []
    for s in zone.sessions:
        a, b = _representative(zone, s)
        up = base.copy()
        ka, kb = up.split(a), up.split(b)
        down = up.copy()
        down.remove_session(a, b)
        withdrawn = replaced = announced = resent = 0
        for key, mult in origins(up):
            routes = up.nodes[key].routes
            if routes == 0:
                continue
            vu, o = origin_view(up, key)
            vd, _ = origin_view(down, key)
            pu, pd = propagate(vu, o), propagate(vd, o)
            weight = routes * mult
            for edge in sorted(set(pu.adv) | set(pd.adv)):
                if edge in ((ka, kb), (kb, ka)):
                    resent += weight * vu.nodes[edge[1]].count
                    continue
                before, after = pu.adv.get(edge), pd.adv.get(edge)
                copies = weight * vu.nodes[edge[1]].count
                if before is not None and after is None:
                    withdrawn += copies
                elif before is None and after is not None:
                    announced += copies
                elif before is not None and after is not None and \
                        before.attributes() != after.attributes():
                    replaced += copies
        restored = withdrawn + replaced + announced
        rows.append((session_name(a, b), session_label(zone, s), zone.session_count(s),
                     withdrawn, replaced, announced, resent, restored))
    return Table(
        name="reset_cost", kind="report",
        title="One session reset: route copies sent at teardown and at re-establishment",
        columns=("session", "kind", "like_it", "withdrawn", "replaced", "announced",
                 "resent", "restored"),
        rows=tuple(rows),
        note="teardown: withdrawn/replaced/announced; re-establishment: resent (both "
        "Adj-RIB-Outs over the session) + restored (teardown changes undone)",
    )
