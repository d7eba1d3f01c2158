"""The BGP session FSM drawn from its table (``bgpcascade fsm --dot``).

One edge per (state, next state) pair, labelled with the event numbers that take it;
self-loops that do nothing (ignored events) are left out so the drawing stays readable.
Edges that differ from RFC 4271 (documented deviations) are drawn dashed.
"""

from __future__ import annotations

import graphviz

from bgpcascade.model.fsm import TABLE, Transition
from bgpcascade.model.fsm_vocab import State


def fsm_to_dot(table: tuple[Transition, ...] = TABLE) -> str:
    """DOT source of the FSM: states as nodes, transitions grouped by (from, to)."""
    g = graphviz.Digraph("bgp_fsm", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "label": "BGP FSM (RFC 4271 §8.2.2, "
        "RFC 9687): edges list event numbers; dashed = implementation deviation",
        "labelloc": "t", "fontsize": "12"}, node_attr={"fontname": "Helvetica",
                                                       "shape": "ellipse"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    for s in State:
        g.node(s.value, s.value, style="filled",
               fillcolor="palegreen" if s is State.Established else "white")
    edges: dict[tuple[State, State], list[int]] = {}
    deviated: set[tuple[State, State]] = set()
    for t in table:
        if t.next_state is t.state and not t.actions:
            continue
        key = (t.state, t.next_state)
        if int(t.event) not in edges.setdefault(key, []):
            edges[key].append(int(t.event))
        if t.deviation is not None:
            deviated.add(key)
    order = list(State)
    for (a, b), events in sorted(edges.items(), key=lambda kv: (order.index(kv[0][0]),
                                                                order.index(kv[0][1]))):
        g.edge(a.value, b.value, label=_ranges(sorted(events)),
               style="dashed" if (a, b) in deviated else "solid",
               color="red" if b is State.Idle and a is not State.Idle else "black")
    return str(g.source)


def _ranges(numbers: list[int]) -> str:
    """``[1, 2, 3, 5]`` -> ``"1-3,5"``."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}-{prev}")
        if n is not None:
            start = prev = n
    return ",".join(out)
