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
are plain SVG written here, so they are byte-identical from run to run and can be
inlined in HTML.
"""

from __future__ import annotations

import bisect
import html
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import graphviz

from bgpcascade.io import check_out_dir, safe_write

FONT = "Helvetica"
UP = "#2e7d32"
DOWN = "#c62828"
COMING_BACK = "#ef6c00"
PALETTE = ("#1f4e99", "#c2571a", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41", "#c62828",
           "#546e7a", "#9e9d24", "#d81b60")
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


def _num(x: float) -> str:
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"


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
                         f"t = {_num(t)} s: " + "; ".join(parts)))
    return out


def _delays_at(ts: list[float], delays: dict[str, list[float]], t: float) -> dict[str, float]:
    i = max(0, bisect.bisect_right(ts, t) - 1)
    return {k: v[i] for k, v in delays.items()}


def _trigger_sessions(trace: Trace) -> set[str]:
    out = set()
    for trig in trace["params"]["triggers"]:
        if trig["kind"] == "flap" and trig["b"]:
            a, b = sorted((trig["a"], trig["b"]))
            out.add(f"{a}~{b}")
    return out


def _fill(ratio: float) -> str:
    if ratio >= 1:
        return "#f4b6b6"
    if ratio >= 0.5:
        return "#fbe3a6"
    return "#e3ecf8"


def frame_to_dot(trace: Trace, frame: Frame) -> str:
    """One frame as DOT (byte-identical for the same trace and frame)."""
    g = graphviz.Digraph("frame", graph_attr={
        "rankdir": "TB", "fontname": FONT, "labelloc": "t", "fontsize": "14",
        "label": html.escape(f"{trace['zone']}: {frame.caption}"), "nodesep": "0.3",
        "ranksep": "0.6"}, node_attr={"fontname": FONT, "fontsize": "10"},
        edge_attr={"fontname": FONT, "fontsize": "9"})
    sessions = trace["sessions"]
    by_key = {n["key"]: n for n in trace["nodes"]}
    by_shard: dict[str | None, list[dict[str, Any]]] = {}
    for n in trace["nodes"]:
        by_shard.setdefault(n["shard"], []).append(n)
    rr_of: dict[str, list[dict[str, Any]]] = {}
    for s in sessions:
        if s["kind"] == "rr-client":
            client = s["b"] if s["rr"] == s["a"] else s["a"]
            rr_of.setdefault(client, []).append(s)

    def add_node(sub: graphviz.Digraph, n: dict[str, Any]) -> None:
        key = n["key"]
        if n["role"] == "rr":
            d = frame.delay.get(key, 0.0)
            ratio = d / n["hold_s"] if n["hold_s"] else 0.0
            sub.node(key, f"{key}\n{n['profile']}\nqueue {_num(round(d, 1))} s / hold "
                     f"{_num(n['hold_s'])} s", shape="box", style="filled,rounded",
                     fillcolor=_fill(ratio))
            return
        mine = rr_of.get(key, [])
        states = [frame.state.get(s["session"], "up") for s in mine]
        if not mine:
            status = "no RR"
        elif all(st != "up" for st in states):
            status = f"{n['count']:,} isolated"
        elif any(st != "up" for st in states):
            status = f"{n['count']:,} lost {sum(st != 'up' for st in states)} RR(s)"
        else:
            status = f"{n['count']:,} connected"
        label = f"{key}\n{n['count']:,} client(s)\n{status}" if n["count"] > 1 else \
            f"{key}\n{status}"
        sub.node(key, label, shape="folder" if n["count"] > 1 else "ellipse",
                 style="filled", fillcolor="#f4b6b6" if "isolated" in status else
                 "#fbe3a6" if "lost" in status else "#edf5e6")

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
                    add_node(sub, n)
            for n in members:
                if n["role"] != "rr":
                    add_node(g, n)
            continue
        with g.subgraph(name=f"cluster_{shard}") as sub:
            sub.attr(label=f"shard {shard}", style="filled", fillcolor="#f6f6f6",
                     color="#8c8c8c")
            for n in members:
                add_node(sub, n)
    triggered = _trigger_sessions(trace)
    for s in sessions:
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
    return str(g.source)


def _svg(dot_source: str) -> bytes | None:
    dot = shutil.which("dot")
    if dot is None:
        return None
    proc = subprocess.run([dot, "-Tsvg"], input=dot_source.encode("utf-8"),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"dot -Tsvg failed: {err[0] if err else proc.returncode}")
    return proc.stdout


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


def line_chart(title: str, xs: Sequence[float], series: dict[str, Sequence[float]], *,
               ylabel: str, hlines: Sequence[tuple[float, str]] = (),
               markers: Sequence[tuple[float, str, str]] = (), width: int = 760,
               height: int = 300) -> str:
    """A line chart as standalone SVG text (deterministic: fixed decimals, no ids).

    The root carries ``data-x0``/``data-x1`` (the time range) and ``data-left``,
    ``data-pw``, ``data-top``, ``data-ph`` (the plot area, in SVG units); the last element,
    ``<line class="now">``, is an invisible marker a page can move to the current time.
    """
    left, right, top, bottom = 64, 170, 34, 40
    pw, ph = width - left - right, height - top - bottom
    x0, x1 = (min(xs), max(xs)) if xs else (0.0, 1.0)
    x1 = x1 if x1 > x0 else x0 + 1
    ymax = max([max(v) for v in series.values() if v] + [h for h, _ in hlines] + [1.0])
    ymax *= 1.08

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + ph - y / ymax * ph

    # The data-* attributes give the plot area and the time range, so that a page that
    # inlines the chart (explorer.html) can place the ``line.now`` marker at any time.
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" '
           f'data-x0="{float(x0)!r}" data-x1="{float(x1)!r}" data-left="{left}" '
           f'data-pw="{pw}" data-top="{top}" data-ph="{ph}">',
           f'<rect x="0" y="0" width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="20" font-size="14" font-weight="bold">'
           f'{html.escape(title)}</text>',
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" '
           'stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>']
    for i in range(5):
        yv = ymax * i / 4
        out.append(f'<text x="{left - 6}" y="{py(yv) + 4:.1f}" text-anchor="end">'
                   f'{_num(round(yv, 1))}</text>')
        xv = x0 + (x1 - x0) * i / 4
        out.append(f'<text x="{px(xv):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f'{_num(round(xv, 1))}</text>')
    out.append(f'<text x="{left + pw / 2:.1f}" y="{height - 6}" text-anchor="middle">'
               'time (s)</text>')
    out.append(f'<text x="14" y="{top + ph / 2:.1f}" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + ph / 2:.1f})">{html.escape(ylabel)}</text>')
    for t, label, colour in markers:
        if x0 <= t <= x1:
            out.append(f'<line x1="{px(t):.1f}" y1="{top}" x2="{px(t):.1f}" '
                       f'y2="{top + ph}" stroke="{colour}" stroke-dasharray="3,3" '
                       f'class="marker"><title>{html.escape(label)}</title></line>')
    for h, label in hlines:
        out.append(f'<line x1="{left}" y1="{py(h):.1f}" x2="{left + pw}" y2="{py(h):.1f}" '
                   f'stroke="{DOWN}" stroke-width="1.5" class="hline"/>')
        out.append(f'<text x="{left + pw - 4}" y="{py(h) - 4:.1f}" text-anchor="end" '
                   f'fill="{DOWN}">{html.escape(label)}</text>')
    for i, (name, ys) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys, strict=False))
        out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" '
                   f'points="{pts}"><title>{html.escape(name)}</title></polyline>')
        ly = top + 12 + 14 * i
        out.append(f'<rect x="{left + pw + 12}" y="{ly - 8}" width="10" height="3" '
                   f'fill="{colour}"/>')
        out.append(f'<text x="{left + pw + 26}" y="{ly - 4}">{html.escape(name)}</text>')
    out.append('<line class="now" x1="0" y1="0" x2="0" y2="0" stroke="#000" '
               'stroke-width="0"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


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
            hlines=[(h, f"hold {_num(h)} s") for h in holds], markers=marks),
        "clients-isolated.svg": line_chart("Clients isolated (no Established RR session)",
                                           xs, {"clients isolated": s["clients_isolated"]},
                                           ylabel="clients", markers=marks),
    }


# -- writing it all -------------------------------------------------------------------------
@dataclass(frozen=True)
class TraceRender:
    """What :func:`render_trace` wrote."""

    frames: list[Path]
    charts: list[Path]
    index: Path
    explorer: Path
    message: str | None


def render_trace(trace: Trace, out_dir: Path, inputs: tuple[str, ...] = ()) -> TraceRender:
    """Write ``frame-NNN.dot`` (+ ``.svg`` with Graphviz) per frame, the charts,
    ``explorer.html`` (all of it in one self-contained page: :mod:`.explorer`) and
    ``index.html`` linking them, under ``out_dir``."""
    from .explorer import write_explorer  # it builds on this module

    out = check_out_dir(out_dir, inputs=inputs)
    written: list[Path] = []
    svgs: list[bytes | None] = []
    message = None
    fs = frames(trace)
    for f in fs:
        dot = frame_to_dot(trace, f)
        stem = f"frame-{f.index:03d}"
        written.append(safe_write(out / f"{stem}.dot", dot, inputs=inputs))
        svg = _svg(dot)
        svgs.append(svg)
        if svg is None:
            message = "Graphviz 'dot' not found: frames written as DOT only " \
                "(apt-get install -y graphviz)"
        else:
            safe_write(out / f"{stem}.svg", svg, inputs=inputs)
    chart_paths = [safe_write(out / name, text, inputs=inputs)
                   for name, text in charts(trace).items()]
    explorer = write_explorer(trace, out / "explorer.html", inputs=inputs, frame_svgs=svgs)
    rows = "\n".join(
        f'<li><a href="frame-{f.index:03d}.{"svg" if message is None else "dot"}">'
        f"{html.escape(f.caption)}</a></li>" for f in fs)
    imgs = "\n".join(f'<p><img src="{p.name}" alt="{p.stem}"></p>' for p in chart_paths)
    page = (f"<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(trace['zone'])}: trace</title></head><body>\n"
            f"<h1>{html.escape(trace['zone'])}: {html.escape(trace['summary']['verdict'])}"
            f"</h1>\n<p><a href=\"{explorer.name}\">Explore the trace</a>: frames with a "
            "time slider, the events and why each happened, the charts (one page, works "
            "offline).</p>\n"
            f"<h2>Frames</h2>\n<ol start=\"0\">\n{rows}\n</ol>\n<h2>Timeline</h2>\n"
            f"{imgs}\n</body></html>\n")
    index = safe_write(out / "index.html", page, inputs=inputs)
    return TraceRender(frames=written, charts=chart_paths, index=index, explorer=explorer,
                       message=message)
