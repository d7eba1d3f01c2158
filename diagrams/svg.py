"""SVG for the diagrams: Graphviz's ``dot`` run on DOT text, and line charts written here.

Two helpers that the trace drawings (:mod:`.trace`), the page that shows them
(:mod:`.explorer`) and the files written for them (:mod:`.render`) share, and that know
nothing about traces: :func:`dot_to_svg` (``dot -Tsvg``, or None when Graphviz is not
installed) and :func:`line_chart` (a line chart as standalone SVG text, deterministic so
that the same data gives the same bytes, and ready to inline in HTML).
"""

from __future__ import annotations

import html
import shutil
import subprocess
from collections.abc import Sequence

FONT = "Helvetica"
#: The colour of what went wrong: sessions down, limits (a chart's ``hlines``).
RED = "#c62828"
#: The series colours of a chart, in order.
PALETTE = ("#1f4e99", "#c2571a", "#2e7d32", "#8e24aa", "#00838f", "#6d4c41", "#c62828",
           "#546e7a", "#9e9d24", "#d81b60")


def label_number(x: float) -> str:
    """A number for a label: ``%g`` below a million, else with thousands separated."""
    return f"{x:g}" if abs(x) < 1e6 else f"{x:,.0f}"


def dot_to_svg(dot_source: str) -> bytes | None:
    """The SVG Graphviz draws from ``dot_source``, or None when ``dot`` is not on PATH.
    A failure of ``dot`` raises :class:`RuntimeError` with the first line of its error."""
    dot = shutil.which("dot")
    if dot is None:
        return None
    proc = subprocess.run([dot, "-Tsvg"], input=dot_source.encode("utf-8"),
                          capture_output=True, check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"dot -Tsvg failed: {err[0] if err else proc.returncode}")
    return proc.stdout


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
                   f'{label_number(round(yv, 1))}</text>')
        xv = x0 + (x1 - x0) * i / 4
        out.append(f'<text x="{px(xv):.1f}" y="{top + ph + 16}" text-anchor="middle">'
                   f'{label_number(round(xv, 1))}</text>')
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
                   f'stroke="{RED}" stroke-width="1.5" class="hline"/>')
        out.append(f'<text x="{left + pw - 4}" y="{py(h) - 4:.1f}" text-anchor="end" '
                   f'fill="{RED}">{html.escape(label)}</text>')
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
