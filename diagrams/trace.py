"""A trace drawn: topology frames (Graphviz) and timeline charts (SVG), from the trace only.

Input is a trace as ``simulate --trace`` writes it (a dict; docs/cli.md), nothing else.

Frames (:func:`frames`, :func:`frame_to_dot`): one per instant at which sessions change
(plus t = 0), not per second.

- Spines on top, each shard as a box (``cluster_<shard>``), a group of interchangeable
  clients as ONE node with its counts by state (connected / one RR lost / isolated).
- Sessions coloured by state: Established green, down red, re-establishing orange
  (down now, Established again later in the trace). The triggering session is drawn
  bold and labelled.
- Each RR labelled with its queue delay against its hold time, and filled by that ratio.

Charts (:func:`charts`): sessions up per shard, queue delay per RR against the hold
time, and clients isolated, over time. The trigger and each reset wave are marked. They
are plain SVG (:func:`.svg.line_chart`), so they are byte-identical from run to run and
can be inlined in HTML. The files written for a trace: :mod:`.render`.
"""

from __future__ import annotations

import bisect
import html
from dataclasses import dataclass
from typing import Any

import graphviz

from .svg import FONT, RED, label_number, line_chart

UP = "#2e7d32"
DOWN = RED
COMING_BACK = "#ef6c00"
MAX_FRAMES = 200

Trace = dict[str, Any]


@dataclass(frozen=True)
class Frame:
    """The zone at one instant: each session's state and each node's queue delay."""

    index: int
    t: float
    state: dict[str, str]  # session -> up / down / coming-back
    delay: dict[str, float]  # node key -> queue delay (s), at the last sample <= t
    caption: str


def frames(trace: Trace) -> list[Frame]:
    """The frames of ``trace``: t = 0 and every instant at which a session changes (at
    most :data:`MAX_FRAMES`; the last instants are dropped past that)."""
    events = trace["events"]
    state = {s["session"]: "up" for s in trace["sessions"]}
    times = sorted({float(e["t"]) for e in events})[:MAX_FRAMES - 1]
    ts = [float(t) for t in trace["series"]["t"]]
    delays = trace["series"]["queue_delay_s"]
    out = [Frame(0, 0.0, dict(state), _delays_at(ts, delays, 0.0),
                 "t = 0 s: at rest, every session Established")]
    for n, t in enumerate(times, 1):
        now = [e for e in events if float(e["t"]) == t]
        for e in now:
            state[e["session"]] = "up" if e["kind"] == "established" else "down"
        shown = dict(state)
        for s, st in shown.items():
            if st == "down" and any(e["session"] == s and e["kind"] == "established"
                                    and float(e["t"]) > t for e in events):
                shown[s] = "coming-back"
        downs = [e for e in now if e["kind"] == "down"]
        ups = [e for e in now if e["kind"] == "established"]
        parts = []
        if downs:
            why = sorted({e["reason"] for e in downs})
            parts.append(f"{sum(e['count'] for e in downs):,} session(s) down "
                         f"({', '.join(why)})")
        if ups:
            parts.append(f"{sum(e['count'] for e in ups):,} Established")
        out.append(Frame(n, t, shown, _delays_at(ts, delays, t),
                         f"t = {label_number(t)} s: " + "; ".join(parts)))
    return out


def _delays_at(ts: list[float], delays: dict[str, list[float]], t: float) -> dict[str, float]:
    i = max(0, bisect.bisect_right(ts, t) - 1)
    return {k: v[i] for k, v in delays.items()}


def _trigger_sessions(trace: Trace) -> set[str]:
    out = set()
    for trig in trace["params"]["triggers"]:
        if trig["kind"] in ("flap", "clear") and trig["b"]:
            a, b = sorted((trig["a"], trig["b"]))
            out.add(f"{a}~{b}")
    return out


def _fill(ratio: float) -> str:
    if ratio >= 1:
        return "#f4b6b6"
    if ratio >= 0.5:
        return "#fbe3a6"
    return "#e3ecf8"

def _client_label(n: dict[str, Any], states: list[str]) -> tuple[str, str]:
    """A client group's label and fill colour from the states of its RR sessions."""
    if not states:
        status = "no RR"
    elif all(st != "up" for st in states):
        status = f"{n['count']:,} isolated"
    elif any(st != "up" for st in states):
        status = f"{n['count']:,} lost {sum(st != 'up' for st in states)} RR(s)"
    else:
        status = f"{n['count']:,} connected"
    label = f"{n['key']}\n{n['count']:,} client(s)\n{status}" if n["count"] > 1 else \
        f"{n['key']}\n{status}"
    fill = "#f4b6b6" if "isolated" in status else "#fbe3a6" if "lost" in status else \
        "#edf5e6"
    return label, fill


def _add_node(sub: graphviz.Digraph, n: dict[str, Any], frame: Frame,
              rr_of: dict[str, list[dict[str, Any]]]) -> None:
    """Node ``n`` of the trace as ``frame`` shows it: an RR with its queue delay against
    its hold time, a client group with its counts by state."""
    key = n["key"]
    if n["role"] == "rr":
        d = frame.delay.get(key, 0.0)
        ratio = d / n["hold_s"] if n["hold_s"] else 0.0
        sub.node(key, f"{key}\n{n['profile']}\nqueue {label_number(round(d, 1))} s / hold "
                 f"{label_number(n['hold_s'])} s", shape="box", style="filled,rounded",
                 fillcolor=_fill(ratio))
        return
    states = [frame.state.get(s["session"], "up") for s in rr_of.get(key, [])]
    label, fill = _client_label(n, states)
    sub.node(key, label, shape="folder" if n["count"] > 1 else "ellipse",
             style="filled", fillcolor=fill)


def _add_nodes(g: graphviz.Digraph, trace: Trace, frame: Frame) -> None:
    """Every node: the spines (or, without shards, the RRs) on top, each shard a box."""
    by_shard: dict[str | None, list[dict[str, Any]]] = {}
    for n in trace["nodes"]:
        by_shard.setdefault(n["shard"], []).append(n)
    rr_of: dict[str, list[dict[str, Any]]] = {}
    for s in trace["sessions"]:
        if s["kind"] == "rr-client":
            client = s["b"] if s["rr"] == s["a"] else s["a"]
            rr_of.setdefault(client, []).append(s)
    sharded = any(k is not None for k in by_shard)
    for shard, members in sorted(by_shard.items(), key=lambda kv: (kv[0] is not None,
                                                                   kv[0] or "")):
        if shard is None:
            rrs = [n for n in members if n["role"] == "rr"]
            # With shards, the RRs outside them are the spine tier (one box); without
            # (an explicit zone), the RRs share the top rank and the rest sit below.
            name = "cluster_spines" if sharded else "top"
            with g.subgraph(name=name) as sub:
                sub.attr(rank="same")
                if sharded:
                    sub.attr(label="spines", style="dashed", color="#8c8c8c")
                for n in rrs:
                    _add_node(sub, n, frame, rr_of)
            for n in members:
                if n["role"] != "rr":
                    _add_node(g, n, frame, rr_of)
            continue
        with g.subgraph(name=f"cluster_{shard}") as sub:
            sub.attr(label=f"shard {shard}", style="filled", fillcolor="#f6f6f6",
                     color="#8c8c8c")
            for n in members:
                _add_node(sub, n, frame, rr_of)


def _add_edges(g: graphviz.Digraph, trace: Trace, frame: Frame) -> None:
    """Every session, styled by its state in ``frame``; the trigger's bold and labelled."""
    by_key = {n["key"]: n for n in trace["nodes"]}
    triggered = _trigger_sessions(trace)
    for s in trace["sessions"]:
        st = frame.state.get(s["session"], "up")
        colour = {"up": UP, "down": DOWN, "coming-back": COMING_BACK}[st]
        style = {"up": "solid", "down": "bold", "coming-back": "dashed"}[st]
        attrs = {"color": colour, "style": style}
        if s["kind"] == "ibgp":
            attrs["dir"] = "none"
            if all(by_key[k]["shard"] is None for k in (s["a"], s["b"])):
                attrs["constraint"] = "false"  # keep the spines side by side
        tail, head = (s["rr"], s["b"] if s["rr"] == s["a"] else s["a"]) if s["rr"] \
            else (s["a"], s["b"])
        labels = []
        if s["count"] > 1:
            labels.append(f"x{s['count']:,}")
        if s["session"] in triggered:
            attrs["penwidth"] = "3"
            labels.append("trigger")
        if labels:
            attrs["label"] = " ".join(labels)
        g.edge(tail, head, **attrs)


def frame_to_dot(trace: Trace, frame: Frame) -> str:
    """One frame as DOT (byte-identical for the same trace and frame)."""
    g = graphviz.Digraph("frame", graph_attr={
        "rankdir": "TB", "fontname": FONT, "labelloc": "t", "fontsize": "14",
        "label": html.escape(f"{trace['zone']}: {frame.caption}"), "nodesep": "0.3",
        "ranksep": "0.6"}, node_attr={"fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9"})
    _add_nodes(g, trace, frame)
    _add_edges(g, trace, frame)
    return str(g.source)


# -- charts -------------------------------------------------------------------------------
def _markers(trace: Trace) -> list[tuple[float, str, str]]:
    """(time, label, colour): the triggers, then each reset wave (non-direct downs, one
    wave per second in which any happens)."""
    out = [(float(t["t"]), t["label"], "#333333") for t in trace["params"]["triggers"]]
    waves: dict[int, int] = {}
    for e in trace["events"]:
        if e["kind"] == "down" and not e["direct"]:
            waves[int(float(e["t"]))] = waves.get(int(float(e["t"])), 0) + e["count"]
    out += [(float(t), f"{n:,} reset", DOWN) for t, n in sorted(waves.items())]
    return out


def charts(trace: Trace) -> dict[str, str]:
    """The three timeline charts as SVG text, by file name."""
    s = trace["series"]
    xs = [float(t) for t in s["t"]]
    nodes = {n["key"]: n for n in trace["nodes"]}
    shard_of: dict[str, str] = {}
    for sess in trace["sessions"]:
        shards = [nodes[k]["shard"] for k in (sess["a"], sess["b"]) if nodes[k]["shard"]]
        shard_of[sess["session"]] = f"shard {shards[0]}" if shards else "spines"
    per_shard: dict[str, list[float]] = {}
    for sess, ys in sorted(s["sessions_up"].items()):
        acc = per_shard.setdefault(shard_of.get(sess, "other"), [0.0] * len(xs))
        for i, y in enumerate(ys):
            acc[i] += y
    marks = _markers(trace)
    rrs = [k for k, n in nodes.items() if n["role"] == "rr"]
    holds = sorted({float(nodes[k]["hold_s"]) for k in rrs})
    busy = {k: s["queue_delay_s"][k] for k in rrs if max(s["queue_delay_s"][k]) > 0.5}
    return {
        "sessions-up.svg": line_chart("Sessions Established, per shard", xs,
                                      dict(sorted(per_shard.items())), ylabel="sessions",
                                      markers=marks),
        "queue-delay.svg": line_chart(
            "Queue delay per route reflector, against the hold time", xs,
            busy or {k: s["queue_delay_s"][k] for k in rrs[:1]}, ylabel="seconds",
            hlines=[(h, f"hold {label_number(h)} s") for h in holds], markers=marks),
        "clients-isolated.svg": line_chart("Clients isolated (no Established RR session)",
                                           xs, {"clients isolated": s["clients_isolated"]},
                                           ylabel="clients", markers=marks),
    }
