"""The commands behind the review's numbers: each one a ``bgpcascade`` command line that
gives that number again (the report's appendix), and the zone files they name.

Every command names the horizon, the timing of the review's runs (``--seed``,
``--phases``, ``--cohorts``), and ``--at T`` when the review pinned the flap time (then
``check`` runs T only; without it, every offset of a KEEPALIVE cycle, as the review's
ranking and boundary checks do). A ``check`` of named ``--flap``s at their own times
(the flaps a boundary was searched against, a flap that fails) pins them with ``--at``.
A boundary's commands show it holds at its value (against every flap, or the
flaps it was searched against) and fails just past it, on zone files written under the
report's ``zones/``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from bgpcascade.model.timing import Timing
from bgpcascade.review.data import ZONE, ShardBoundary
from bgpcascade.review.zonedata import dump, set_field


def command_number(x: Fraction) -> str:
    """A number as a command line gives it: ``300``, ``0.5``."""
    return str(int(x)) if x.denominator == 1 else repr(float(x))


def run_args(horizon: Fraction, at: Fraction, pinned: bool = True) -> str:
    """What follows ``--horizon`` in every command: the horizon, then ``--at T`` when the
    review pinned the flap time (``check`` without ``--at`` tries every offset of the
    default flaps' cycle from 30 s, as a review that does not pin does)."""
    return command_number(horizon) + (f" --at {command_number(at)}" if pinned else "")


def timing_args(timing: Timing) -> str:
    """``--seed S --phases P --cohorts K``: the review's runs' timing, so that a command
    gives the same runs (docs/model.md, "Time: phases, jitter and cohorts")."""
    return f"--seed {timing.seed} --phases {timing.phases} --cohorts {timing.k}"


def flap_arg(trigger: str) -> str:
    """A flap's label (``flap a-rr1~spine1@30``) as ``--flap``'s argument."""
    return trigger.split(" ", 1)[1]


def show_command(source: str) -> tuple[str, str]:
    """The zone's figures and load at rest."""
    return "zone figures and load at rest", f"bgpcascade show {source}"


def ranking_command(source: str, h: str) -> tuple[str, str]:
    """Every single flap ranked, and the zone verdict."""
    return ("the ranking of every single flap (worst trigger, zone verdict)",
            f"bgpcascade check {source} --engine sim --horizon {h}")


def worst_flap_command(shard: str, trigger: str, source: str, h: str) -> tuple[str, str]:
    """What a shard's worst single flap does."""
    return (f"shard {shard}: what its worst flap does",
            f"bgpcascade simulate {source} --flap {flap_arg(trigger)} --horizon {h}")


def what_if_command(row: str, source: str, failing: str | None, h: str,
                    pin: str = "") -> tuple[str, str]:
    """A what-if row's verdict on its zone file ``source``: the flap that violates (at
    its own time: ``pin``), or every single flap holding."""
    if failing is not None:
        return (f"what-if {row}: {failing} violates",
                f"bgpcascade check {source} --engine sim --flap {flap_arg(failing)} "
                f"--horizon {h}{pin}")
    return (f"what-if {row}: every single flap holds",
            f"bgpcascade check {source} --engine sim --horizon {h}")


def boundary_commands(b: ShardBoundary, data: dict[str, Any], source: str, out_prefix: str,
                      h: str, files: dict[str, str], commands: list[tuple[str, str]], *,
                      search_source: str | None, z3_budget: float, tag: str = "",
                      pin: str = "") -> None:
    """The zone files at the boundary and just past it, and the commands that show the
    boundary holds there (against every flap, or the flaps it was searched against) and
    fails just past it. ``tag`` names the zone the boundary belongs to (a what-if, a
    curve point): it prefixes the file names and the descriptions. ``pin`` (``--at T``)
    holds named ``--flap``s at their own times when ``h`` does not already."""
    label = f"{b.shard}.{b.fld}"
    stem = f"{tag}-" if tag else ""
    what = f"{tag}: " if tag else ""
    prop = "--property no_cascade" if b.shard == ZONE else \
        f"--property no_cascade_in={b.shard}"
    safe = b.shard.strip("()")  # (zone) -> zone, in file names
    if b.method.startswith("z3") and search_source is not None:
        flaps = " ".join(f"--flap {flap_arg(t)}" for t in b.triggers)
        rng = f"{b.lo}..{b.hi}" + (f"/{b.step}" if b.step > 1 else "")
        commands.append((f"{label}: the boundary by Z3",
                         f"bgpcascade search {search_source} --vary {label}={rng} {prop} "
                         f"{flaps} --horizon {h}{pin} --timeout {z3_budget:g}"))
    if b.value is not None:
        name = f"{stem}{safe}-{b.fld}-{b.value}.yaml"
        files[name] = dump(set_field(data, b.shard, b.fld, b.value),
                           f"{data['zone']} from {source} at {label}={b.value}")
        if b.checked_all:
            commands.append((f"{what}{label}={b.value} is safe against every single flap",
                             f"bgpcascade check {out_prefix}/zones/{name} --engine sim "
                             f"{prop} --horizon {h}"))
        else:
            flaps = " ".join(f"--flap {flap_arg(t)}" for t in b.triggers)
            commands.append((f"{what}{label}={b.value} is safe against the flaps searched",
                             f"bgpcascade check {out_prefix}/zones/{name} --engine sim "
                             f"{prop} {flaps} --horizon {h}{pin}"))
    if b.past is not None and b.past_trigger is not None:
        name = f"{stem}{safe}-{b.fld}-{b.past}.yaml"
        files[name] = dump(set_field(data, b.shard, b.fld, b.past),
                           f"{data['zone']} from {source} at {label}={b.past}")
        commands.append((f"{what}{label}={b.past} fails", f"bgpcascade check {out_prefix}/zones/"
                         f"{name} --engine sim {prop} --flap "
                         f"{flap_arg(b.past_trigger)} --horizon {h}{pin}"))
