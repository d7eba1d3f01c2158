"""``bgpcascade demo``: the main job on the built-in fr-par-like zone, under a minute on 2
CPUs (docs/cli.md, ``demo``)."""

from __future__ import annotations

import argparse
import os
import sys
from fractions import Fraction

from rich.markup import escape

from bgpcascade.io import check_out_dir, dumps_json, load_zone_file, safe_write
from bgpcascade.model.summary import zone_summary
from bgpcascade.progress import Progress
from bgpcascade.properties.verdict import Exit

from .common import add_common, stdout_console
from .lint import lint_zone, print_table
from .show import print_summary
from .simulate import print_sim_summary, timeline


def add_demo_args(p: argparse.ArgumentParser) -> None:
    """The flags of ``demo``."""
    p.add_argument("--out", default="bgpcascade-demo", help="output directory "
                   "(default ./bgpcascade-demo)")
    add_common(p)


def cmd_demo(args: argparse.Namespace) -> int:
    """``bgpcascade demo``: the main job on the built-in fr-par-like zone.

    The zone summary, the static RFC 4456 checks, then the incident's story: one flap of a
    spine/leaf RR session, simulated for 600 s (the timeline and the verdict); the trace's
    frames, charts and explorer; then the design review (quick scope: docs/cli.md). Writes
    everything under ``--out`` and prints what to open.
    """
    from bgpcascade.cli.review import print_summary as print_review
    from bgpcascade.cli.review import run_review
    from bgpcascade.diagrams import render_trace, render_zone
    from bgpcascade.io import read_zone_text
    from bgpcascade.model.timing import Timing
    from bgpcascade.model.triggers import parse_flap
    from bgpcascade.properties.runner import run

    progress = Progress(args.quiet)
    source = "builtin:fr-par-like"
    progress(f"loading {source}")
    text = read_zone_text(source)
    zone = load_zone_file(source)
    console = stdout_console()
    print_summary(console, zone_summary(zone))
    console.print()
    result = lint_zone(zone, progress)
    for table in result.tables:
        print_table(console, table, 8)
    out = check_out_dir(args.out)
    safe_write(out / "lint.json", dumps_json(result.as_json()))
    console.print()
    flap = parse_flap(zone, "spine1~b-rr1@30")
    console.print(f"[bold]The incident's question:[/] what does one {escape(flap.label())} "
                  "do to this zone?")

    def tick(t: Fraction) -> None:
        if t % 100 == 0:
            progress(f"simulated {float(t):.0f} of 600 s")

    # Timing(): spread phases from the default seed, as `simulate` runs it (the trace
    # records the seed, so the replay command below gives the same run).
    trace = run(zone, [flap], Fraction(600), dt=Fraction(1), progress=tick,
                timing=Timing()).trace(text, source)
    timeline(console, trace)
    print_sim_summary(console, trace["summary"])
    safe_write(out / "trace.json", dumps_json(trace))
    progress(f"rendering topology into {out}")
    rendered = render_zone(zone, out)
    progress(f"rendering the trace's frames, charts and explorer into {out / 'trace'}")
    drawn = render_trace(trace, out / "trace")
    console.print()
    console.print("[bold]The design review:[/] which shard is over its limit, and what "
                  "fixes it?")
    # The demo's review pins its flaps at 30 s (one time per flap) to finish in about a
    # minute; `bgpcascade review` tries every second of the KEEPALIVE cycle (its bounds
    # say which), at about ten times the runs.
    rv, written = run_review(source, str(out / "review"), jobs=min(4, os.cpu_count() or 1),
                             quick=True, progress=progress, at=30.0, timing=Timing())
    print_review(rv, written)
    console.print()
    console.print(f"wrote {out / 'lint.json'}, {out / 'trace.json'}, "
                  f"{len(drawn.frames)} frames, {len(drawn.charts)} charts, the review")
    console.print(f"open: {drawn.explorer} (the flap, frame by frame)")
    console.print(f"      {written['html']} (the design review)")
    console.print(f"      {rendered.svg_path or rendered.dot_path} (the topology)")
    console.print(f"replay: bgpcascade simulate --replay {out / 'trace.json'}")
    console.print("the review above pinned each flap at t = 30 s; every second of the "
                  "KEEPALIVE cycle (quick scope, tens of minutes on 2 cores): "
                  f"bgpcascade review {source} --quick --out DIR")
    for message in {rendered.message, drawn.message} - {None}:
        print(message, file=sys.stderr)
    return Exit.OK
