"""``bgpcascade render ZONE|TRACE --out DIR``: a zone's topology, or a trace's frames,
charts and explorer (Graphviz DOT + SVG; docs/cli.md, ``render``)."""

from __future__ import annotations

import argparse
import sys

from bgpcascade.io import check_out_dir, load_zone_file
from bgpcascade.progress import Progress
from bgpcascade.properties.verdict import Exit

from .common import add_common, read_trace


def add_render_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``render``."""
    p.add_argument("input", help="zone file (YAML), builtin:fr-par-like, or a trace "
                   "(*.json, from simulate --trace or a counterexample)")
    p.add_argument("--out", required=True, help="output directory")
    add_common(p)


def cmd_render(args: argparse.Namespace) -> int:
    """``bgpcascade render ZONE|TRACE --out DIR``: a zone's topology.dot (+ .svg), or a
    trace's frames, charts and index.html."""
    from bgpcascade.diagrams import render_trace, render_zone

    if args.input.endswith(".json"):
        trace = read_trace(args.input)
        out = check_out_dir(args.out, inputs=(args.input,))
        Progress(args.quiet)(f"rendering trace of {trace['zone']} into {out}")
        res = render_trace(trace, out, inputs=(args.input,))
        print(f"wrote {len(res.frames)} frames, {len(res.charts)} charts and {res.index}")
        if res.message:
            print(res.message, file=sys.stderr)
        return Exit.OK
    zone = load_zone_file(args.input)
    out = check_out_dir(args.out, inputs=(args.input,))
    Progress(args.quiet)(f"rendering {zone.name} into {out}")
    result = render_zone(zone, out)
    print(f"wrote {result.dot_path}")
    if result.svg_path is not None:
        print(f"wrote {result.svg_path}")
    if result.message:
        print(result.message, file=sys.stderr)
    return Exit.OK
