"""A trace written to files: its frames, its charts, the explorer page and an index.

:func:`render_trace` is ``bgpcascade render TRACE``: under the output directory, one
``frame-NNN.dot`` per frame of :func:`.trace.frames` (and its ``.svg`` when Graphviz is
installed), the three charts of :func:`.trace.charts`, ``explorer.html``
(:mod:`.explorer`: all of it on one self-contained page) and ``index.html`` linking them.
Nothing is written over one of the user's inputs (:func:`bgpcascade.io.safe_write`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from bgpcascade.io import check_out_dir, safe_write

from .explorer import write_explorer
from .svg import dot_to_svg
from .trace import Trace, charts, frame_to_dot, frames


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
    out = check_out_dir(out_dir, inputs=inputs)
    written: list[Path] = []
    svgs: list[bytes | None] = []
    message = None
    fs = frames(trace)
    for f in fs:
        dot = frame_to_dot(trace, f)
        stem = f"frame-{f.index:03d}"
        written.append(safe_write(out / f"{stem}.dot", dot, inputs=inputs))
        svg = dot_to_svg(dot)
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
