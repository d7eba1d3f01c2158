"""Zones from what operators already have: FRR configurations (``bgpcascade import frr``).

Reads one configuration per router (``frr.conf``, ``bgpd.conf`` or the output of ``show
running-config``) and builds an explicit zone (docs/zone-format.md): one speaker per
router, one session per pair of routers that declare each other, RR-client or plain iBGP
by RFC 4456's ``route-reflector-client``, timers as FRR would negotiate them, CLUSTER_IDs,
the routes each router originates, graceful restart. What is read, what is ignored and
how to check an import: docs/import.md.

Nothing is guessed. A session only one side declares, one whose two sides disagree (both
claim to be the other's RR), an eBGP or unnumbered neighbor, a router the inputs do not
contain: each is reported, with file:line, and left out of the zone. Every line that is
not understood or not used is reported too, so the operator sees what the model leaves
out. Dynamic neighbors (``bgp listen range``) come from the configurations of the routers
in the range when they are given, and otherwise from a count the operator states
(``--dynamic PREFIX=N``), since a configuration does not say how many will connect.

The work is in three modules: :mod:`~bgpcascade.frr.config_parse` reads the
configurations, :mod:`~bgpcascade.frr.zone_build` builds the zone,
:mod:`~bgpcascade.frr.import_report` holds the result and words the report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from bgpcascade.frr.config_parse import (
    DEFAULTS,
    LISTEN_LIMIT,
    Line,
    Neighbor,
    NoRouterBgp,
    Router,
    find_configs,
    parse_config,
)
from bgpcascade.frr.import_report import Imported, Problem, report
from bgpcascade.frr.zone_build import build_zone
from bgpcascade.model.errors import InputError

__all__ = ["DEFAULTS", "LISTEN_LIMIT", "Imported", "Line", "Neighbor", "NoRouterBgp",
           "Problem", "Router", "build_zone", "find_configs", "import_frr", "parse_config",
           "report"]


def import_frr(paths: Sequence[str], *, name: str = "imported",
               dynamic: dict[str, int] | None = None,
               routes: Sequence[tuple[str, int]] = ()) -> Imported:
    """Read every configuration under ``paths`` and build the zone."""
    routers: list[Router] = []
    unused: list[Line] = []
    files = find_configs(paths)
    named = {Path(p).resolve() for p in paths if Path(p).is_file()}
    skipped: list[Problem] = []
    for p in files:
        try:
            r, lines = parse_config(p)
        except NoRouterBgp:
            if p.resolve() in named:
                raise
            skipped.append(Problem(str(p), "no `router bgp` in it (not a router's BGP "
                                   "configuration, e.g. vtysh.conf); skipped"))
            continue
        routers.append(r)
        unused += [ln for ln in lines if not ln.used]
    if not routers:
        raise InputError("no router's BGP configuration among the inputs", field="import",
                         allowed="files with `router bgp`")
    out = build_zone(routers, name=name, dynamic=dynamic, routes=routes)
    out.problems[:0] = skipped
    out.unused = sorted(unused, key=lambda ln: (ln.file, ln.no))
    out.files = len(files) - len(skipped)
    return out

