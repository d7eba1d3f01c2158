"""Making a simulator run symbolic: which of its numbers a zone parameter moves, and how.

The Z3 cascade engine (:mod:`.cascade_z3`) runs the plain simulator on
:class:`~.symbolic.Sym` numbers. :func:`linearise` finds, by probing the zone at a point
and at two neighbours per parameter, every number of a freshly built
:class:`~bgpcascade.model.dynamics.Sim` (a node's client count, routes and capacity, a
trigger's work, a session end's timers) that moves with a parameter, and checks that it
moves linearly and that the zone's shape (its nodes and sessions) stays the same;
:func:`binder` then swaps those numbers for terms in the parameters before the run
starts (docs/model.md, "The Z3 engine").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from fractions import Fraction
from typing import Any

from bgpcascade.model.dynamics import Sim, Trigger
from bgpcascade.model.errors import InputError
from bgpcascade.model.params import Param, Space
from bgpcascade.model.timing import Timing

from .symbolic import Sym, recip


class NotSymbolic(Exception):
    """A parameter cannot be made symbolic at this point (the zone's shape changes next
    to it, or a field does not move linearly): the point is run concretely instead."""


# -- making a run symbolic -------------------------------------------------------------------
Fields = dict[tuple[Any, ...], Fraction]


def _numeric_fields(sim: Sim) -> Fields:
    """The numbers of a freshly built Sim that a zone parameter can change."""
    out: Fields = {}
    for n in sim.nodes.values():  # keyed by order: node keys can name the member range
        out[("node", n.order, "count")] = Fraction(n.count)
        out[("node", n.order, "routes")] = Fraction(n.routes)
        out[("node", n.order, "capacity")] = n.capacity
    for i, t in enumerate(sim.triggers):
        out[("trig", i, "work")] = t.work
    for e in sim.edges:
        for end, cfg in e.cfg.items():
            for f in fields(cfg):
                v = getattr(cfg, f.name)
                if isinstance(v, Fraction):
                    out[("cfg", e.index, sim.nodes[end].order, f.name)] = v
    return out


class _Captured(Exception):
    def __init__(self, found: Fields) -> None:
        self.found = found


def _capture(zone: Any, triggers: Sequence[Trigger], timing: Timing | None) -> Fields:
    def grab(sim: Sim) -> None:
        raise _Captured(_numeric_fields(sim))

    try:
        Sim(zone, triggers, bind=grab, timing=timing)
    except _Captured as c:
        return c.found
    raise AssertionError("bind was not called")


@dataclass
class Linear:
    """How the Sim's fields depend on the parameters: ``field = base + sum(coef * dx)``."""

    point: dict[str, int]
    base: Fields
    coef: dict[tuple[Any, ...], dict[str, Fraction]]


def linearise(space: Space, point: Mapping[str, int], symbolic: Sequence[Param],
              triggers: Sequence[Trigger],  # as given, not at a point
              timing: Timing | None = None) -> Linear:
    """Probe the zone at ``point`` and at two neighbours per symbolic parameter.

    The probes build the simulator with the run's ``timing``: its cohorts decide the
    nodes a count is spread over (a group of n split into K cohorts has sizes that move
    by whole members, not linearly, so a count split into cohorts is not made symbolic;
    the point is run concretely).

    A field that moves with a parameter must move linearly (a count, a capacity, a
    timer): the third probe checks it, and the Sim's shape (nodes, sessions) must not
    change, else the parameter cannot be made symbolic at this point.
    """
    def at(values: Mapping[str, int]) -> Fields:
        return _capture(space.zone_at(values), [space.trigger_at(t, values) for t in triggers],
                        timing)

    base = at(point)
    coef: dict[tuple[Any, ...], dict[str, Fraction]] = {}
    for p in symbolic:
        x = point[p.name]
        probes: list[Fields] = []
        steps = (1, 2)
        for steps in ((1, 2), (-1, -2)):
            try:
                probes = [at({**point, p.name: x + s}) for s in steps]
                break
            except InputError:  # the zone is invalid there: probe the other way
                continue
        if not probes:
            raise ValueError(f"{p.name} cannot be probed around {x}")
        for probe in probes:
            if set(probe) != set(base):
                raise ValueError(f"varying {p.name} near {x} changes the zone's shape")
        for k, v0 in base.items():
            v1, v2 = probes[0][k], probes[1][k]
            slope = (v1 - v0) / steps[0]
            if v2 - v0 != slope * steps[1]:
                raise ValueError(f"{k} does not vary linearly with {p.name}")
            if slope:
                coef.setdefault(k, {})[p.name] = slope
    return Linear(dict(point), base, coef)


def binder(lin: Linear) -> Callable[[Sim], None]:
    def sym(k: tuple[Any, ...]) -> Sym:
        v = lin.base[k]
        coefs = lin.coef[k]
        const = v - sum((c * lin.point[n] for n, c in coefs.items()), Fraction(0))
        poly: dict[tuple[str, ...], Fraction] = {(n,): c for n, c in coefs.items()}
        if const:
            poly[()] = const
        s = Sym(v, poly)
        if k[0] == "node" and k[2] == "capacity" and const == 0 and len(coefs) == 1:
            (name, c), = coefs.items()
            if c == 1:  # the capacity IS the parameter: keep work / capacity polynomial
                s.inv = Sym(1 / v, {(recip(name),): Fraction(1)})
        return s

    def bind(sim: Sim) -> None:
        by_order = {n.order: n for n in sim.nodes.values()}
        for k in lin.coef:
            if k[0] == "node":
                by_order[k[1]].bind(k[2], sym(k))
        trig = list(sim.triggers)
        for k in lin.coef:
            if k[0] == "trig":
                trig[k[1]] = replace(trig[k[1]], **{k[2]: sym(k)})
        sim.triggers = tuple(trig)
        cfgs: dict[tuple[int, tuple[int, int]], dict[str, Any]] = {}
        for k in lin.coef:
            if k[0] == "cfg":
                cfgs.setdefault((k[1], k[2]), {})[k[3]] = sym(k)
        for (i, order), changes in cfgs.items():
            e = sim.edges[i]
            end = by_order[order].key
            e.cfg[end] = replace(e.cfg[end], **changes)

    return bind
