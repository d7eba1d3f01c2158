"""What ``bgpcascade show`` reports: tiers, shards, sessions, routes, per-RR load at rest."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bgpcascade.model.load import keepalive_rate, tx_work
from bgpcascade.model.reflection import View, rib_figures
from bgpcascade.model.rules import session_keepalive
from bgpcascade.model.topology import Zone, seconds_json


@dataclass(frozen=True)
class RRLoad:
    """One route reflector at rest and at a full resync."""

    name: str
    profile: str
    capacity: float
    sessions: int
    clients: int
    routes_in: int
    routes_best: int
    copies_out: int
    keepalives_per_s: float
    rest_utilisation: float
    resync_s: float

    def as_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rr": self.name, "profile": self.profile, "capacity": self.capacity,
            "sessions": self.sessions, "clients": self.clients,
            "adj_rib_in_paths": self.routes_in, "loc_rib_routes": self.routes_best,
            "adj_rib_out_copies": self.copies_out,
            "keepalives_per_s": round(self.keepalives_per_s, 3),
            "rest_utilisation_percent": round(100 * self.rest_utilisation, 4),
            "full_resync_s": round(self.resync_s, 1),
        }


def rr_loads(zone: Zone) -> list[RRLoad]:
    """Per RR: sessions, RIB sizes, KEEPALIVE load at rest and the time of a full resync.

    ``rest_utilisation``: KEEPALIVEs received and sent per second x ``cost_msg`` over
    capacity. ``resync_s``: time at capacity to receive every Adj-RIB-In path and send
    the whole Adj-RIB-Out once (all sessions re-established at once).
    """
    view = View.from_zone(zone)
    figs = rib_figures(view)
    out: list[RRLoad] = []
    for g in zone.groups:
        if not g.is_rr:
            continue
        profile = zone.profile_of(g)
        kal = 0.0
        peers_by_rel: dict[str, int] = {}
        for nbr, rel in zone.adjacency[g.key]:
            ng = zone.group(nbr)
            _, ka_local = session_keepalive(g.timers.hold, g.timers.keepalive, ng.timers.hold)
            _, ka_remote = session_keepalive(ng.timers.hold, ng.timers.keepalive, g.timers.hold)
            kal += keepalive_rate(ng.count, float(ka_local)) + \
                keepalive_rate(ng.count, float(ka_remote))
            peers_by_rel[rel] = peers_by_rel.get(rel, 0) + ng.count
        tx = float(sum(tx_work(profile, [(Fraction(copies, n), n)])
                       for rel, copies in figs.copies_out_by_relation[g.key].items()
                       if (n := peers_by_rel.get(rel, 0))))
        rx = profile.cost_rx_route * figs.paths_in[g.key]
        out.append(RRLoad(
            name=g.key, profile=g.profile, capacity=profile.capacity,
            sessions=zone.sessions_of(g.key),
            clients=sum(c for rel, c in peers_by_rel.items() if rel == "client"),
            routes_in=figs.paths_in[g.key], routes_best=figs.routes_best[g.key],
            copies_out=figs.copies_out[g.key], keepalives_per_s=kal,
            rest_utilisation=kal * profile.cost_msg / profile.capacity,
            resync_s=(rx + tx) / profile.capacity,
        ))
    return out


def zone_summary(zone: Zone) -> dict[str, Any]:
    """The data of ``bgpcascade show`` (also its ``--json``)."""
    shards = []
    for sh in zone.shards():
        members = [g for g in zone.groups if g.shard == sh]
        rrs = [g for g in members if g.is_rr]
        clients = [g for g in members if not g.is_rr]
        first = rrs[0] if rrs else members[0]
        shards.append({
            "shard": sh,
            "rrs": sum(g.count for g in rrs),
            "rr_profile": ",".join(sorted({g.profile for g in rrs})),
            "cluster_id": "shared" if len(rrs) > 1 and len({g.cluster_id for g in rrs}) == 1
            and rrs[0].cluster_id is not None else "per-rr",
            "clients": sum(g.count for g in clients),
            "routes_per_client": clients[0].routes if clients else 0,
            "hold": seconds_json(first.timers.hold),
            "keepalive": seconds_json(first.timers.keepalive),
        })
    tiers: dict[int, int] = {}
    for g in zone.groups:
        if g.is_rr:
            tiers[g.tier] = tiers.get(g.tier, 0) + g.count
    return {
        "zone": zone.name,
        "form": zone.form,
        "speakers": zone.speaker_count,
        "route_reflectors": sum(g.count for g in zone.groups if g.is_rr),
        "clients": zone.client_count,
        "sessions": zone.total_sessions,
        "routes": zone.total_routes,
        "rr_tiers": {str(k): v for k, v in sorted(tiers.items())},
        "timers": zone.timers.as_dict(),
        "shards": shards,
        "rr_load": [r.as_json() for r in rr_loads(zone)],
    }
