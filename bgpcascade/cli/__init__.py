"""The ``bgpcascade`` command line: one module per command (bgpcascade/cli/*.py), and
here :func:`build_parser` and :func:`main` (the console script ``bgpcascade.cli:main``).

Exit codes (for CI, :class:`~bgpcascade.properties.verdict.Exit`; docs/cli.md): 0 holds /
ok, 1 violated (a check failed; its table is printed and, with --json, written), 2 bad
input or usage (ONE line on stderr, never a traceback), 3 unknown (a budget ran out or the
solver gave up).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bgpcascade import __version__
from bgpcascade.checking import OneLineParser
from bgpcascade.cli.calibrate import add_calibrate_args, cmd_calibrate
from bgpcascade.cli.check import add_check_args, cmd_check
from bgpcascade.cli.demo import add_demo_args, cmd_demo
from bgpcascade.cli.explore import add_explore_args, cmd_explore
from bgpcascade.cli.fit import add_fit_args, cmd_fit
from bgpcascade.cli.fsm import add_fsm_args, cmd_fsm
from bgpcascade.cli.importer import add_import_args, cmd_import
from bgpcascade.cli.lab import add_lab_args, cmd_lab
from bgpcascade.cli.lint import add_lint_args, cmd_lint
from bgpcascade.cli.properties import add_properties_args, cmd_properties
from bgpcascade.cli.render import add_render_args, cmd_render
from bgpcascade.cli.review import add_review_args, cmd_review
from bgpcascade.cli.search import add_search_args, cmd_search
from bgpcascade.cli.show import add_schema_args, add_show_args, cmd_schema, cmd_show
from bgpcascade.cli.simulate import add_simulate_args, cmd_simulate
from bgpcascade.model.errors import InputError
from bgpcascade.properties.verdict import Exit

Args = Callable[[argparse.ArgumentParser], None]
Handler = Callable[[argparse.Namespace], int]

#: Every command, in ``--help`` order: its name, its help line, its flags, its handler.
COMMANDS: tuple[tuple[str, str, Args, Handler], ...] = (
    ("demo", "the main job on the built-in fr-par-like zone", add_demo_args, cmd_demo),
    ("lint", "schema and static route-reflection checks", add_lint_args, cmd_lint),
    ("show", "summary of a zone, or the JSON Schema ('show schema')", add_show_args,
     cmd_show),
    ("schema", "print the JSON Schema of zone files", add_schema_args, cmd_schema),
    ("simulate", "what a flap, spike, restart or pause does to the zone (always exit 0: a "
     "what-if; `check` is what fails)", add_simulate_args, cmd_simulate),
    ("fsm", "the BGP session FSM: its table, a drawing, Z3 proofs", add_fsm_args, cmd_fsm),
    ("check", "judge zones by properties with the sim, z3 and hypothesis engines, for CI "
     "(exit 0 holds, 1 violated, 3 unknown)", add_check_args, cmd_check),
    ("search", "the boundary of one parameter between safe and cascading, and the headroom "
     "of its current value", add_search_args, cmd_search),
    ("fit", "the values of --vary parameters consistent with what was observed in an "
     "incident (exit 0 some, 1 none)", add_fit_args, cmd_fit),
    ("review", "the design review of an RR sharding: per-shard boundaries and headroom, "
     "what-ifs, recommendations (HTML + Markdown)", add_review_args, cmd_review),
    ("lab", "the zone on real FRR daemons (one bgpd per speaker on 127.0.1.x): a scenario, "
     "its counters and session changes", add_lab_args, cmd_lab),
    ("import", "a zone from what operators have: FRR configurations (`import frr "
     "PATH...`), with a report of what was left out", add_import_args, cmd_import),
    ("calibrate", "measure what a route costs FRR on this machine (bursts on the lab, a "
     "fit) and write the profile", add_calibrate_args, cmd_calibrate),
    ("explore", "generated zones: the smallest one a single flap breaks (Hypothesis, "
     "shrunk)", add_explore_args, cmd_explore),
    ("properties", "the properties --property accepts", add_properties_args, cmd_properties),
    ("render", "draw a zone's topology, or a trace's frames and timeline charts (Graphviz "
     "DOT + SVG)", add_render_args, cmd_render),
)
_HANDLERS: dict[str, Handler] = {name: handler for name, _, _, handler in COMMANDS}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = OneLineParser(prog="bgpcascade", description="Find the single BGP session "
                           "flap that cascades into a zone-wide outage, or show within "
                           "bounds that none does.")
    parser.add_argument("--version", action="version", version=f"bgpcascade {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True
    for name, help_text, add_args, _ in COMMANDS:
        add_args(sub.add_parser(name, help=help_text))
    return parser


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output file a command was given (``--json``, ``--trace``, ``--junit``,
    ``--report``), checked before any work: not an input, not a directory, not under a
    system directory, its directory writable. So a long run never ends in a refusal."""
    from bgpcascade.io import check_out_file

    inputs: list[str] = []
    for name in ("zone", "paths", "replay", "side"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            inputs.append(value)
        elif isinstance(value, list):
            inputs += [str(v) for v in value]
    for name in ("json", "trace", "junit", "report"):
        value = getattr(args, name, None)
        if isinstance(value, str):
            check_out_file(value, f"--{name}", inputs=tuple(inputs))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler = _HANDLERS[args.command]
        _check_outputs(args)
        return int(handler(args))
    except InputError as exc:
        print(f"bgpcascade: error: {exc.one_line()}", file=sys.stderr)
        return int(Exit.BAD_INPUT)
    except KeyboardInterrupt:
        print("bgpcascade: interrupted", file=sys.stderr)
        return int(Exit.INTERRUPTED)
    except BrokenPipeError:  # e.g. `bgpcascade fsm --table | head`: not an error
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(Exit.OK)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
