"""``bgpcascade show ZONE`` (tiers, shards, sessions, routes, per-RR load at rest) and
``bgpcascade schema`` (the JSON Schema of zone files). docs/cli.md, ``show``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table as RichTable

from bgpcascade.io import dumps_json, load_zone_file, safe_write
from bgpcascade.model.summary import zone_summary
from bgpcascade.model.zonefile import zone_json_schema
from bgpcascade.progress import Progress
from bgpcascade.properties.verdict import Exit

from .common import add_common, cell, stdout_console


def add_show_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``show``."""
    p.add_argument("zone", help="zone file (YAML), builtin:fr-par-like, or 'schema'")
    p.add_argument("--json", metavar="FILE", help="write the summary as JSON")
    add_common(p)


def add_schema_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``schema``."""
    add_common(p)


def print_summary(console: Console, s: dict[str, Any]) -> None:
    """A zone summary (``zone_summary``) as text and tables."""
    console.print(f"zone [bold]{escape(s['zone'])}[/] ({s['form']} form): "
                  f"{s['speakers']:,} speakers, "
                  f"{s['route_reflectors']} route reflectors in {len(s['rr_tiers'])} "
                  f"tier(s), {s['clients']:,} clients, {s['sessions']:,} sessions, "
                  f"{s['routes']:,} routes")
    t = s["timers"]
    console.print(f"timers (zone default): hold {t['hold']} s, keepalive {t['keepalive']} s, "
                  f"connect-retry {t['connect_retry']} s")
    if s["shards"]:
        rt = RichTable(box=None, header_style="bold", pad_edge=False)
        for col in ("shard", "rrs", "rr_profile", "cluster_id", "clients",
                    "routes_per_client", "hold", "keepalive"):
            rt.add_column(col)
        for sh in s["shards"]:
            rt.add_row(*(cell(sh[c]) for c in ("shard", "rrs", "rr_profile", "cluster_id",
                                                "clients", "routes_per_client", "hold",
                                                "keepalive")))
        console.print(rt)
    rt = RichTable(box=None, header_style="bold", pad_edge=False,
                   title="route reflectors at rest", title_justify="left")
    cols = ("rr", "profile", "sessions", "adj_rib_in_paths", "adj_rib_out_copies",
            "keepalives_per_s", "rest_utilisation_percent", "full_resync_s")
    headers = {"adj_rib_in_paths": "rib_in_paths", "adj_rib_out_copies": "rib_out_copies",
               "keepalives_per_s": "keepalive/s", "rest_utilisation_percent": "rest_util_%"}
    for col in cols:
        rt.add_column(headers.get(col, col), justify="left" if col in ("rr", "profile")
                      else "right")
    for r in s["rr_load"]:
        rt.add_row(*(cell(r[c]) for c in cols))
    console.print(rt)
    console.print("full_resync_s: seconds at the profile's capacity to take in every "
                  "Adj-RIB-In path and send the whole Adj-RIB-Out once.")


def cmd_show(args: argparse.Namespace) -> int:
    """``bgpcascade show ZONE``: the summary table (``show schema``: the JSON Schema)."""
    if args.zone == "schema" and not Path("schema").exists():
        return cmd_schema(args)
    zone = load_zone_file(args.zone)
    Progress(args.quiet)(f"summarising {zone.name}")
    summary = zone_summary(zone)
    print_summary(stdout_console(), summary)
    if args.json:
        from bgpcascade.model.provenance import profile_provenance  # additive key
        prov = {g.profile: profile_provenance(zone.profile_of(g)) for g in zone.groups}
        safe_write(args.json, dumps_json({**summary, "profile_provenance": dict(sorted(
            prov.items()))}), inputs=(args.zone,))
    return Exit.OK


def cmd_schema(args: argparse.Namespace) -> int:
    """``bgpcascade schema``: the JSON Schema of zone files on stdout."""
    sys.stdout.write(json.dumps(zone_json_schema(), indent=2, sort_keys=True) + "\n")
    return Exit.OK
