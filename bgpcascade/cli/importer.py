"""``bgpcascade import frr PATH... [--out zone.yaml]``: a zone from FRR configurations
(bgpcascade/frr_import.py; docs/import.md).

Exit 0 when every neighbor of every configuration became a session, 1 when the zone was
written but something was left out (the report says what and where), 2 for malformed
input (one line: file, line, what is wrong, what is allowed).
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

import yaml

from bgpcascade.frr.importer import import_frr, report
from bgpcascade.io import check_out_file, safe_write
from bgpcascade.model.errors import InputError
from bgpcascade.model.topology import NAME_PATTERN
from bgpcascade.model.zonefile import load_zone
from bgpcascade.properties.verdict import Exit


def add_import_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``import frr``."""
    sub = p.add_subparsers(dest="source", required=True, metavar="SOURCE")
    f = sub.add_parser("frr", help="FRR configurations (frr.conf, bgpd.conf, show "
                       "running-config), one per router")
    f.add_argument("paths", nargs="+", metavar="PATH",
                   help="configuration files, or directories searched for frr.conf, "
                   "bgpd.conf, running-config and *.conf")
    f.add_argument("--out", metavar="FILE", help="write the zone here (else to stdout, "
                   "and the report to stderr)")
    f.add_argument("--name", default="imported", help="the zone's name (default imported)")
    f.add_argument("--dynamic", action="append", default=[], metavar="PREFIX=N",
                   help="N neighbors connect to a `bgp listen range PREFIX` (configs do "
                   "not say); those whose configurations are given count towards N")
    f.add_argument("--routes", action="append", default=[], metavar="GLOB=N",
                   help="routers whose names match GLOB originate N routes (EVPN, "
                   "redistribution: what `network` lines do not count); the last match wins")
    f.add_argument("--side", metavar="FILE",
                   help="a YAML side file with `dynamic: {PREFIX: N}` and `routes: {GLOB: N}` "
                   "(the flags add to it)")
    f.add_argument("--report", metavar="FILE", help="also write the import report here")
    f.add_argument("--quiet", "-q", action="store_true", help="print only the summary line")


def _pairs(items: list[str], flag: str, form: str) -> list[tuple[str, int]]:
    out = []
    for item in items:
        key, sep, val = item.rpartition("=")
        if not sep or not key or not val.isdigit():
            raise InputError(f"{item!r}", field=flag, allowed=form)
        out.append((key, int(val)))
    return out


def _side(path: str) -> tuple[dict[str, int], list[tuple[str, int]]]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise InputError(f"cannot read it ({exc.strerror})", source=path) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError("not YAML", source=path,
                         line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict) or set(data) - {"dynamic", "routes"}:
        raise InputError("unexpected content", source=path,
                         allowed="a mapping with `dynamic:` and `routes:`")
    out: list[dict[str, int]] = []
    for key in ("dynamic", "routes"):
        section = data.get(key) or {}
        if not isinstance(section, dict) or not all(
                isinstance(v, int) and not isinstance(v, bool) and v >= 0
                for v in section.values()):
            raise InputError(f"{key}: {section!r}", source=path, field=key,
                             allowed="a mapping of names or prefixes to whole numbers >= 0")
        out.append({str(k): int(v) for k, v in section.items()})
    return out[0], list(out[1].items())


def cmd_import(args: argparse.Namespace) -> int:
    """``bgpcascade import frr``."""
    if not NAME_PATTERN.match(args.name):
        raise InputError(f"{args.name!r}", field="--name",
                         allowed="letters, digits, '_', '.' and '-'")
    dynamic: dict[str, int] = {}
    routes: list[tuple[str, int]] = []
    if args.side:
        dynamic, routes = _side(args.side)
    for prefix, n in _pairs(args.dynamic, "--dynamic", "PREFIX=N, e.g. 10.1.0.0/16=200"):
        dynamic[prefix] = n
    routes += _pairs(args.routes, "--routes", "GLOB=N, e.g. hv*=50")
    norm: dict[str, int] = {}
    for prefix, n in dynamic.items():
        try:
            norm[str(ipaddress.ip_network(prefix, strict=False))] = n
        except ValueError:
            raise InputError(f"{prefix!r}", field="--dynamic",
                             allowed="a prefix, e.g. 10.1.0.0/16") from None
    inputs = tuple(args.paths) + ((args.side,) if args.side else ())
    if args.out and args.report and Path(args.out).resolve() == Path(args.report).resolve():
        raise InputError("is also --out", source=args.report, field="--report",
                         allowed="a file other than the zone")
    for out, flag in ((args.out, "--out"), (args.report, "--report")):
        if out:
            check_out_file(out, flag, inputs=inputs)
            for p in args.paths:
                if Path(p).is_dir() and Path(out).resolve().is_relative_to(
                        Path(p).resolve()):
                    raise InputError("is inside an input directory", source=out, field=flag,
                                     allowed="a path outside the configurations read")
    result = import_frr(args.paths, name=args.name, dynamic=norm, routes=routes)
    lines = list(report(result))
    if not result.sessions:
        for line in lines:
            print(line)
        raise InputError("no iBGP session between the routers of the inputs (the report "
                         "above says why)", field="import",
                         allowed="the configurations of routers that peer with each other")
    text = result.yaml()
    load_zone(text, source="<the imported zone>")  # what we write must load as it is
    if args.report:
        safe_write(args.report, "\n".join(lines) + "\n", inputs=inputs)
    if args.out:
        safe_write(args.out, text, inputs=inputs)
        stream = sys.stdout
    else:
        sys.stdout.write(text)
        stream = sys.stderr
    for line in lines[:1] if args.quiet else lines:
        print(line, file=stream)
    if args.out:
        print(f"zone written: {args.out}", file=stream)
    return Exit.VIOLATED if any(p.left_out for p in result.problems) else Exit.OK
