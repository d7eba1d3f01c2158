"""The design review as a report: Markdown and HTML with the same content, and its charts.

Input is a :class:`~bgpcascade.review.data.Review` (the numbers, the ranked
recommendations and the commands that reproduce them), nothing else: this module draws
and words, it decides nothing. The report is built once as a list of blocks
(headings, paragraphs, tables, lists, charts) and written twice, so the Markdown and the
HTML cannot say different things. No clock, no random ids: the same review gives
byte-identical files.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bgpcascade.review.data import (
    CAPACITY_PERCENT,
    ZONE,
    BoundaryRange,
    FlapRun,
    OverSeeds,
    Recommendation,
    Review,
    ShardBoundary,
    ShardReview,
    WhatIfResult,
)

FONT = "Helvetica"
RED = "#c62828"
GREEN = "#2e7d32"
BLUE = "#1f4e99"
CLIP = 300.0  # headroom bars are drawn up to +-300 %


# -- the content --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One piece of the report: ``kind`` heading / para / table / list / chart / code."""

    kind: str
    text: str = ""
    level: int = 2
    header: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    items: tuple[str, ...] = ()
    svg: str = ""
    name: str = ""


def _n(x: float | int | Fraction | None) -> str:
    if x is None:
        return "-"
    if isinstance(x, Fraction):
        x = int(x) if x.denominator == 1 else float(x)
    if isinstance(x, float) and not x.is_integer():
        return f"{x:,.1f}"
    return f"{int(x):,}"


def _pct(p: float | None) -> str:
    return "-" if p is None else f"{p:+.1f}%"


def _what(run: FlapRun | None, shard: str | None = None) -> str:
    """What a run did, in one phrase."""
    if run is None:
        return "-"
    flap = run.trigger
    if shard is not None:
        mine = run.shard_cascade.get(shard, 0)
        ratio = run.shard_ratio.get(shard, 0.0)
        if mine:
            return (f"{flap}: {mine:,} of its sessions reset by the cascade "
                    f"(zone: {run.verdict})")
        return f"{flap}: contained here; queue delay peaks at {ratio:.0%} of the hold time"
    if not run.cascade:
        return f"{flap}: contained"
    why = ", ".join(f"{k} {v:,}" for k, v in run.reasons.items())
    return (f"{flap}: {run.verdict}, {run.cascade:,} sessions reset by the cascade "
            f"({why}), {run.isolated_peak:,} of {run.clients:,} clients isolated at peak")


def over_seeds_text(o: OverSeeds | None) -> str:
    """"cascades in 7 of 20 seeds: p 0.35 (95% 0.18..0.57)" and the like."""
    if o is None:
        return "-"
    lo, hi = o.shard_ci95
    return (f"cascades in {o.shard_cascades} of {o.runs} seeds: p {o.p_shard_cascade:.2f} "
            f"(95% {lo:.2f}..{hi:.2f})")


def _where(shard: str) -> str:
    return "the zone's RRs" if shard == ZONE else f"shard {shard}'s RRs"


def _capacity(b: ShardBoundary) -> str:
    if b.fld == CAPACITY_PERCENT:
        return f"{_n(b.value)}% of their capacity"
    return f"{_n(b.value)} units/s"


def describe_boundary(b: ShardBoundary | None) -> str:
    """"safe up to 28 (sim-bracket)" and the like."""
    if b is None:
        return "-"
    unit = {"clients": "clients", CAPACITY_PERCENT: "% of the RRs' capacity"}.get(
        b.fld, "units/s")
    if b.status != "HOLDS":
        return f"UNKNOWN ({b.reason})"
    word = "up to" if b.worse == "up" else "down to"
    if b.value is None:
        end = b.lo if b.worse == "up" else b.hi
        return f"none safe in {_n(b.lo)}..{_n(b.hi)} {unit} (not even {_n(end)})"
    if b.open_ended:
        return f"safe over the whole range: {word} {_n(b.value)} {unit} or beyond ({b.method})"
    return f"safe {word} {_n(b.value)} {unit}, fails at {_n(b.past)} ({b.method})"


def range_text(r: BoundaryRange | None) -> str:
    """"2-31 over appliance capacity x0.25-x4, assumed": the clients boundaries found
    over the range of an assumed number (``-`` when there is none)."""
    if r is None:
        return "-"
    found = r.found()
    f0, f1 = float(r.factors[0]), float(r.factors[-1])
    over = f"over {r.profile} {r.param} x{f0:g}-x{f1:g}, {r.provenance}"
    if not found:
        return f"none found {over}"
    top = max(r.boundaries, key=lambda b: -1 if b is None or b.value is None else b.value)
    more = "+" if top is not None and top.open_ended else ""
    n = len(found)
    part = "" if n == len(r.factors) else f"; {n} of {len(r.factors)} answered"
    return f"{_n(min(found))}-{_n(max(found))}{more} {over}{part}"


def boundary_with_range(s: ShardReview) -> str:
    """The shard's clients boundary, with its range over an assumed number when it has
    one: "safe up to 6 clients, fails at 7 (sim-bracket) (2-31 over appliance capacity
    x0.25-x4, assumed)"."""
    text = describe_boundary(s.clients)
    return text if s.boundary_range is None else f"{text} ({range_text(s.boundary_range)})"


def headroom_text(b: ShardBoundary | None) -> str:
    """The headroom in percent; a capacity overrun also as the factor it needs."""
    if b is None or b.headroom_percent is None:
        return "-"
    h = _pct(b.headroom_percent)
    if b.open_ended:
        return f">= {h}"
    if b.fld != "clients" and b.value is not None and b.headroom_percent < 0:
        return f"{h} (needs {b.value / b.current:.1f}x)"
    return h


@dataclass(frozen=True)
class Worded:
    """A recommendation as the report gives it: the row that shows it, and the text."""

    row: str
    text: str
    cost: str | None = None  # the what-if row's cost class (None: a shard over its boundary)


def _word_row(r: Recommendation, w: WhatIfResult) -> str:
    """A what-if row's recommendation: what it buys, against its shard as written."""
    parts = []
    if r.fixes:
        parts.append("every single flap contained" + (" at every offset" if w.every_offset
                                                      else ""))
    elif w.status == "VIOLATED":
        parts.append(f"still fails ({w.worst})")
    b, b0, shard = w.boundary, r.written, r.shard
    if b is not None and b0 is not None and b.value is not None and b0.value is not None:
        if b.fld == "clients":
            more = " or more" if b.open_ended else ""
            parts.append(f"a cluster like shard {shard} safe up to {_n(b.value)}{more} "
                         f"clients instead of {_n(b0.value)}"
                         f"{' or more' if b0.open_ended else ''} (shard {w.row.target} "
                         f"headroom {headroom_text(b)})")
        else:
            parts.append(f"{_where(shard)} safe down to {_capacity(b)} instead of "
                         f"{_capacity(b0)} (headroom {headroom_text(b)})")
    cost = f", {w.row.cost}" if w.row.cost else ""
    return f"{w.row.label} (what-if #{r.n}, `{w.row.id}`{cost}): " + "; ".join(parts)


def _word_shard(s: ShardReview) -> str:
    """A shard past its clients boundary: the most clients per cluster of its shape."""
    b, cap = s.clients, s.capacity
    assert b is not None
    extra = ""
    if cap is not None and cap.value is not None and cap.headroom_percent is not None \
            and cap.headroom_percent < 0:
        extra = f", or RRs of at least {_n(cap.value)} units/s"
    return (f"Shard {s.shard} is over its boundary: {_n(b.current)} clients where "
            f"{_n(b.value)} are safe ({_pct(b.headroom_percent)}): at most {_n(b.value)} "
            f"clients per cluster of this shape{extra} (shards table)")


def recommendations(review: Review) -> list[Worded]:
    """The review's recommendations (ranked by the review, best first), worded."""
    out: list[Worded] = []
    for r in review.recommendations:
        if r.what_if is not None:
            out.append(Worded(r.row, _word_row(r, r.what_if), r.what_if.row.cost or None))
        elif r.over is not None:
            out.append(Worded(r.row, _word_shard(r.over)))
    return out


def _intro(review: Review, recs: Sequence[Worded]) -> list[Block]:
    """The title, what was run, the scope of a quick review, and the verdict in a list."""
    out: list[Block] = [Block("heading", f"Design review: {review.zone}", 1)]
    worst = review.ranking[0] if review.ranking else None
    h = _n(review.horizon)
    out.append(Block("para", f"Zone file: `{review.source}`. Each run simulates {h} s; "
                     f"the trigger is one flap at t = {_n(review.at)} s of one session "
                     f"group ({len(review.flaps)} representative flaps: one per group of "
                     "interchangeable sessions). Shards are judged by `no_cascade_in=SHARD` "
                     "(none of the shard's sessions resets unless the flap itself resets "
                     "it); the zone by `no_cascade` and `no_zone_outage` (as `check`)."))
    if review.quick:
        out.append(Block("para", "**Quick review** (the demo's scope): boundaries for the "
                         f"shard the flaps hurt most ({review.tightest}) only, no boundary "
                         "curve, no Z3. Its clients boundary is checked against every flap; "
                         "its capacity boundary and the what-if headrooms are searched "
                         "against its critical flaps (at most 4), without that final run "
                         "of every flap. Every what-if verdict is over every flap (each at "
                         "its worst offset as written; the recommended row is not run "
                         "again at every offset, as the full review does). The full "
                         f"review: `bgpcascade review {review.source} --out DIR`."))
    over = "every single flap" if review.complete else \
        f"{len(review.ranking)} of the {len(review.flaps)} single flaps (the budget ran out)"
    lines = [f"**Verdict: {review.verdict}** over {over}"
             + (f"; the worst: {_what(worst)}" if worst and worst.cascade else "")]
    if review.tightest:
        tight = next(s for s in review.shards if s.shard == review.tightest)
        lines.append(f"Tightest shard: **{tight.shard}**: clients headroom "
                     f"{headroom_text(tight.clients)} ({describe_boundary(tight.clients)}); RR "
                     f"capacity headroom {headroom_text(tight.capacity)}")
    if recs:
        lines.append("Best change: " + recs[0].text)
    if review.unknown:
        lines.append("Not answered (UNKNOWN, never counted as safe): " +
                     ", ".join(review.unknown))
    out.append(Block("list", items=tuple(lines)))
    return out


def _shards(review: Review) -> list[Block]:
    """The shards table, how its boundaries were found, and the headroom chart."""
    out = [Block("heading", "Shards")]
    rows = []
    for s in review.shards:
        f = s.figures
        rows.append((s.shard, _n(f["clients"]), _n(f["routes_per_client"]),
                     f"{f['rr_profile']} x{f['rrs']}",
                     f"{f['hold']} / {f['keepalive']} s",
                     f"{f['rest_utilisation_percent']:.3f}% busy, full resync "
                     f"{_n(f['full_resync_s'])} s",
                     _what(s.worst, s.shard), boundary_with_range(s),
                     headroom_text(s.clients), describe_boundary(s.capacity),
                     headroom_text(s.capacity), over_seeds_text(s.over_seeds)))
    out.append(Block("table", header=(
        "shard", "clients", "routes/client", "RRs", "hold / keepalive",
        "RR load at rest", "worst single flap for the shard", "clients boundary",
        "headroom", "RR capacity boundary", "headroom", "worst flap over seeds"),
        rows=tuple(rows)))
    seeded = next((s.over_seeds for s in review.shards if s.over_seeds is not None), None)
    if seeded is not None:
        out.append(Block("para", f"Over seeds: each shard's worst single flap was run again "
                         f"under {seeded.runs} seeds ({seeded.first_seed}.."
                         f"{seeded.first_seed + seeded.runs - 1}, phases {seeded.phases}, "
                         f"cohorts {seeded.cohorts}), which place each session's KEEPALIVE "
                         "timer in its cycle and draw its jitter (RFC 4271 §10). The column "
                         "says in how many runs the shard's sessions reset through the "
                         "cascade, with the 95% Wilson interval of that probability; "
                         "review.json has the zone's p_cascade and p_zone_outage too "
                         "(`shards[].over_seeds`)."))
    ranged = [s for s in review.shards if s.boundary_range is not None]
    factors = next((s.boundary_range.factors for s in ranged if s.boundary_range), [])
    if ranged:
        out.append(Block("para", "Assumed numbers: where a shard's RRs' capacity is assumed "
                         "(no measurement, benchmark or source: docs/implementations.md, "
                         "\"Provenance of the profiles' numbers\"), its clients boundary "
                         "is given at x0.25, x0.5, x1, x2 and x4 that capacity, in brackets "
                         "after the boundary. x1 is the boundary itself; the other factors "
                         "are searched against the flap times of x1's search (each flap at "
                         "its worst offset as written), not run again at every offset."))
        out.append(Block("table", header=("shard", "RR profile", "field", "provenance",
                                          *(f"x{float(f):g}" for f in factors)),
                         rows=tuple(_range_row(s) for s in ranged)))
    out.append(Block("para", "Boundary methods: `z3` is the Z3 search of `bgpcascade "
                     "search` (exact over the range for the flaps searched, no "
                     "assumption); `sim-bracket` is the "
                     "simulator bracketing the value, assuming that more clients (or less "
                     "capacity) never makes a shard safer. Either way the boundary value "
                     "was run against every representative flap and the next value fails "
                     "(appendix). Headroom: (boundary - current) / current; negative is an "
                     "overrun. \">=\" means the whole range searched was safe."))
    if any(s.headroom is not None for s in review.shards):
        out.append(Block("chart", "Headroom per shard", svg=headroom_chart(review),
                         name="headroom.svg"))
    if review.curve:
        sh = review.curve_shard
        out.append(Block("heading", f"Boundary curve: shard {sh}, clients against RR "
                         "capacity"))
        out.append(Block("chart", "boundary curve", svg=curve_chart(review),
                         name="boundary-curve.svg"))
        out.append(Block("table", header=("RR capacity (units/s)", "clients boundary",
                                          "method"),
                         rows=tuple((_n(c), describe_boundary(b), b.method)
                                    for c, b in review.curve)))
    return out


def _range_row(s: ShardReview) -> tuple[str, ...]:
    """One row of the assumed-numbers table: each factor's capacity and boundary."""
    r = s.boundary_range
    assert r is not None
    cells = []
    for v, b in zip(r.values, r.boundaries, strict=True):
        if b is None or b.status != "HOLDS":
            cells.append(f"{_n(v)}: -")
        elif b.value is None:
            cells.append(f"{_n(v)}: none safe")
        else:
            cells.append(f"{_n(v)}: {_n(b.value)}{'+' if b.open_ended else ''}")
    return (s.shard, r.profile, r.param, r.provenance, *cells)


def _what_ifs(review: Review, recs: Sequence[Worded]) -> list[Block]:
    """The what-if table, then the recommendations."""
    out = [Block("heading", "What-ifs")]
    out.append(Block("para", "Each row changes the zone one way and is simulated against "
                     "every representative flap of the changed zone (the first failing flap "
                     "ends the row). Headroom: the clients headroom of the row's shard "
                     f"(the tightest, {review.tightest or '-'}, or the first part of a "
                     "split); in an explicit zone, the headroom of its RRs' capacity. "
                     "Cost: `configuration` (a setting of the implementation in use), "
                     "`software change` (another implementation, or a behaviour it has no "
                     "setting for), `hardware` (more RRs, another shape); the "
                     "recommendations put the cheapest fix first."))
    wrows: list[tuple[str, ...]] = []
    for n, w in enumerate(review.what_ifs, 1):
        change = w.row.change + (" (simulates as the zone as written)" if w.as_written
                                 else "")
        wrows.append((str(n), f"`{w.row.id}`", change, w.row.cost or "-", _status(w),
                     w.row.target or "-", headroom_text(w.boundary),
                     describe_boundary(w.boundary) if w.boundary else (w.reason or
                                                                        w.row.why or "-")))
    out.append(Block("table", header=("#", "what-if", "change", "cost", "verdict", "shard",
                                      "headroom", "boundary"), rows=tuple(wrows)))
    out.append(Block("heading", "Recommendations"))
    if recs:
        out.append(Block("list", items=tuple(r.text for r in recs)))
    else:
        out.append(Block("para", "None of the what-ifs improves on the zone as written."
                         if review.complete else "No what-if was run (the budget ran out)."))
    return out


def blocks(review: Review) -> list[Block]:
    """The report's content, in order."""
    recs = recommendations(review)
    return [*_intro(review, recs), *_shards(review), *_what_ifs(review, recs),
            Block("heading", "Appendix: the runs behind every number"),
            Block("para", f"{review.runs:,} simulator runs. The zone files named here "
                  "are written next to this report (zones/). Commands:"),
            Block("code", "\n".join(f"# {what}\n{cmd}" for what, cmd in review.commands))]


def _status(w: WhatIfResult) -> str:
    if w.status == "VIOLATED":
        again = ", found at every offset" if w.every_offset is False else ""
        return f"VIOLATED ({w.worst} -> {w.verdict}{again})"
    if w.status == "HOLDS":
        return f"HOLDS ({w.flaps} flaps{', every offset' if w.every_offset else ''})"
    return w.status


# -- writing ----------------------------------------------------------------------------------
def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(bs: Sequence[Block], chart_dir: str = "") -> str:
    """The blocks as Markdown (charts as image links to ``<chart_dir><name>``)."""
    out: list[str] = []
    for b in bs:
        if b.kind == "heading":
            out.append("#" * b.level + " " + b.text)
        elif b.kind == "para":
            out.append(b.text)
        elif b.kind == "list":
            out.append("\n".join(f"- {i}" for i in b.items))
        elif b.kind == "table":
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |\n|" +
                       "---|" * len(b.header) + "\n" +
                       "\n".join("| " + " | ".join(_md_cell(c) for c in r) + " |"
                                 for r in b.rows))
        elif b.kind == "chart":
            out.append(f"![{b.text}]({chart_dir}{b.name})")
        elif b.kind == "code":
            out.append("```sh\n" + b.text + "\n```")
    return "\n\n".join(out) + "\n"


def _inline(text: str) -> str:
    """Markdown's `code` and **bold** spans in escaped HTML."""
    parts = html.escape(text).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    s = "".join(parts)
    bold = s.split("**")
    for i in range(1, len(bold), 2):
        bold[i] = f"<strong>{bold[i]}</strong>"
    return "".join(bold)


CSS = """body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1300px;
color:#222;line-height:1.4}table{border-collapse:collapse;margin:1em 0;font-size:13px}
th,td{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f0f0f0}pre{background:#f6f6f6;padding:1em;overflow-x:auto;font-size:12px}
code{background:#f3f3f3;padding:0 2px}.chart{margin:1em 0}"""


def to_html(bs: Sequence[Block], title: str) -> str:
    """The blocks as one self-contained HTML page (charts inline)."""
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>"]
    for b in bs:
        if b.kind == "heading":
            out.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif b.kind == "para":
            out.append(f"<p>{_inline(b.text)}</p>")
        elif b.kind == "list":
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "table":
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(h)}</th>"
                                                      for h in b.header) +
                       "</tr></thead><tbody>" + "".join(
                           "<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in r) + "</tr>"
                           for r in b.rows) + "</tbody></table>")
        elif b.kind == "chart":
            out.append(f'<div class="chart">{b.svg}</div>')
        elif b.kind == "code":
            out.append(f"<pre>{html.escape(b.text)}</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# -- charts -------------------------------------------------------------------------------------
def headroom_chart(review: Review) -> str:
    """Horizontal bars: each shard's clients and capacity headroom (clipped at +-300 %)."""
    shards = review.shards
    row_h, left, width = 34, 90, 760
    pw = width - left - 40
    height = 60 + row_h * len(shards)
    zero = left + pw / 2

    def x(p: float) -> float:
        return zero + max(-CLIP, min(CLIP, p)) / CLIP * (pw / 2)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           '<text x="10" y="18" font-size="14" font-weight="bold">Headroom per shard '
           '(clients: dark, RR capacity: light; clipped at +-300%)</text>']
    for tick in (-300, -200, -100, 0, 100, 200, 300):
        out.append(f'<line x1="{x(tick):.1f}" y1="30" x2="{x(tick):.1f}" '
                   f'y2="{height - 20}" stroke="{"#333" if tick == 0 else "#ddd"}"/>')
        out.append(f'<text x="{x(tick):.1f}" y="{height - 6}" text-anchor="middle">'
                   f"{tick:+d}%</text>")
    for i, s in enumerate(shards):
        y0 = 36 + i * row_h
        out.append(f'<text x="{left - 8}" y="{y0 + 15}" text-anchor="end">'
                   f"{html.escape(s.shard)}</text>")
        for j, (b, shade) in enumerate(((s.clients, 1.0), (s.capacity, 0.45))):
            p = b.headroom_percent if b is not None else None
            if p is None:
                continue
            colour = GREEN if p >= 0 else RED
            xa, xb = sorted((zero, x(p)))
            y = y0 + j * 12
            out.append(f'<rect x="{xa:.1f}" y="{y}" width="{max(xb - xa, 1):.1f}" '
                       f'height="10" fill="{colour}" fill-opacity="{shade}">'
                       f"<title>{html.escape(s.shard)}: {headroom_text(b)}</title></rect>")
            label = html.escape(headroom_text(b))
            if abs(p) > CLIP:  # clipped: the figure goes inside the bar, at its far end
                ax, anchor = (xb - 4, "end") if p >= 0 else (xa + 4, "start")
                out.append(f'<text x="{ax:.1f}" y="{y + 9}" text-anchor="{anchor}" '
                           f'fill="#111" font-weight="bold">{label}</text>')
            else:
                out.append(f'<text x="{(xb + 4 if p >= 0 else xa - 4):.1f}" y="{y + 9}" '
                           f'text-anchor="{"start" if p >= 0 else "end"}">{label}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def curve_chart(review: Review) -> str:
    """The tightest shard's clients boundary (y) against its RRs' capacity (x), with the
    shard as written marked."""
    pts = [(c, b.value) for c, b in review.curve if b.value is not None]
    width, height, left, right, top, bottom = 620, 320, 70, 30, 36, 44
    pw, ph = width - left - right, height - top - bottom
    tight = next(s for s in review.shards if s.shard == review.curve_shard)
    cur = (tight.capacity.current if tight.capacity else 0,
           tight.clients.current if tight.clients else 0)
    xs = [c for c, _ in review.curve] + [cur[0]]
    ys = [v for _, v in pts] + [cur[1], 1]
    xmax, ymax = max(xs) * 1.1, max(ys) * 1.15

    def px(v: float) -> float:
        return left + v / xmax * pw

    def py(v: float) -> float:
        return top + ph - v / ymax * ph

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="20" font-size="14" font-weight="bold">Shard '
           f'{html.escape(str(review.curve_shard))}: most clients that stay safe, by RR '
           "capacity</text>",
           f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" '
           'stroke="#333"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#333"/>',
           f'<text x="{left + pw / 2}" y="{height - 8}" text-anchor="middle">RR capacity '
           "(work units/s)</text>",
           f'<text x="14" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 14 '
           f'{top + ph / 2})">clients</text>']
    for i in range(5):
        xv, yv = xmax * i / 4, ymax * i / 4
        out.append(f'<text x="{px(xv):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f"{_n(round(xv))}</text>")
        out.append(f'<text x="{left - 6}" y="{py(yv) + 4:.1f}" text-anchor="end">'
                   f"{_n(round(yv))}</text>")
    if pts:
        poly = " ".join(f"{px(c):.1f},{py(v):.1f}" for c, v in pts)
        out.append(f'<polyline fill="none" stroke="{BLUE}" stroke-width="2" '
                   f'points="{poly}"/>')
        for c, v in pts:
            out.append(f'<circle cx="{px(c):.1f}" cy="{py(v):.1f}" r="3.5" fill="{BLUE}">'
                       f"<title>{_n(c)} units/s: safe up to {_n(v)} clients</title></circle>")
    colour = RED if any(c == cur[0] and v < cur[1] for c, v in pts) else GREEN
    out.append(f'<circle cx="{px(cur[0]):.1f}" cy="{py(cur[1]):.1f}" r="5" fill="none" '
               f'stroke="{colour}" stroke-width="2"/>')
    out.append(f'<text x="{px(cur[0]) + 8:.1f}" y="{py(cur[1]) - 6:.1f}" fill="{colour}">'
               f"as written: {_n(cur[1])} clients</text>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


def review_json(review: Review) -> dict[str, Any]:
    """review.json (a contract: docs/cli.md)."""
    return {
        "zone": review.zone, "source": review.source, "verdict": review.verdict,
        "horizon_s": float(review.horizon) if review.horizon.denominator != 1
        else int(review.horizon), "flap_at_s": float(review.at), "flaps": review.flaps,
        "tightest_shard": review.tightest,
        "ranking": [{"trigger": r.trigger, "verdict": r.verdict,
                     "cascade_sessions": r.cascade, "clients_isolated_peak": r.isolated_peak,
                     "violated": list(r.violated)} for r in review.ranking],
        "shards": [{"shard": s.shard, **{k: v for k, v in s.figures.items() if k != "shard"},
                    "worst_trigger": s.worst.trigger if s.worst else None,
                    "worst_trigger_does": _what(s.worst, s.shard),
                    "critical_triggers": s.critical,
                    "headroom_percent": s.headroom,
                    "clients_boundary": s.clients.as_json() if s.clients else None,
                    "capacity_boundary": s.capacity.as_json() if s.capacity else None,
                    "over_seeds": s.over_seeds.as_json() if s.over_seeds else None,
                    "boundary_range": s.boundary_range.as_json() if s.boundary_range
                    else None}
                   for s in review.shards],
        "what_ifs": [w.as_json() for w in review.what_ifs],
        "recommendations": [{"row": r.row, "text": r.text, "cost": r.cost}
                            for r in recommendations(review)],
        "curve": {"shard": review.curve_shard,
                  "points": [{"rr_capacity": c, "clients_boundary": b.value,
                              "method": b.method} for c, b in review.curve]},
        "commands": [{"shows": w, "command": c} for w, c in review.commands],
        "runs": review.runs, "unknown": review.unknown, "seeds": review.seeds,
        "bounds": review.bounds,
    }
