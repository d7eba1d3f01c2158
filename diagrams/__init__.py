"""Traces and topologies drawn; input is a Trace, a Zone or the FSM table, nothing else.

- :func:`zone_to_dot` / :func:`render_zone`: the zone topology (spine tier, shards as
  boxes, client groups as one node each, sessions styled by kind) as DOT and SVG.
- :func:`fsm_to_dot`: the BGP session FSM from its table (``bgpcascade fsm --dot``).
- :func:`frames`, :func:`frame_to_dot`, :func:`charts`: a trace's topology frames (one
  per instant sessions change) and timeline charts; :func:`render_trace` writes them
  (``bgpcascade render TRACE``), and :func:`write_explorer` / :func:`explorer_html`: all
  of it as one self-contained HTML page with a time slider and each event explained
  (:func:`explain`).

The modules import one way only: ``render`` uses ``explorer``, which uses ``trace``;
all three use ``svg`` (Graphviz's ``dot`` and the line charts). Nothing here imports the
engines or the CLI. The names below load their module on first use (PEP 562), so that
importing one module (say ``bgpcascade.diagrams.fsm``) does not load the others'
dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bgpcascade._lazy import lazy_attribute, lazy_dir

if TYPE_CHECKING:
    from .explorer import explain, explorer_html, write_explorer
    from .fsm import fsm_to_dot
    from .render import TraceRender, render_trace
    from .topology import RenderResult, render_zone, zone_to_dot
    from .trace import charts, frame_to_dot, frames

_EXPORTS = {
    "explain": ".explorer",
    "explorer_html": ".explorer",
    "write_explorer": ".explorer",
    "fsm_to_dot": ".fsm",
    "TraceRender": ".render",
    "render_trace": ".render",
    "RenderResult": ".topology",
    "render_zone": ".topology",
    "zone_to_dot": ".topology",
    "charts": ".trace",
    "frame_to_dot": ".trace",
    "frames": ".trace",
}


def __getattr__(name: str) -> object:
    """Load a public name's module on first use (PEP 562)."""
    return lazy_attribute(__name__, _EXPORTS, globals(), name)


def __dir__() -> list[str]:
    return lazy_dir(_EXPORTS, globals())


__all__ = ["RenderResult", "TraceRender", "charts", "explain", "explorer_html", "frame_to_dot",
           "frames", "fsm_to_dot", "render_trace", "render_zone", "write_explorer",
           "zone_to_dot"]
