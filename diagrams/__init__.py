"""Traces and topologies drawn; input is a Trace, a Zone or the FSM table, nothing else.

- :func:`zone_to_dot` / :func:`render_zone`: the zone topology (spine tier, shards as
  boxes, client groups as one node each, sessions styled by kind) as DOT and SVG.
- :func:`fsm_to_dot`: the BGP session FSM from its table (``bgpcascade fsm --dot``).
- :func:`render_trace`: a trace's topology frames (one per instant sessions change) and
  timeline charts (``bgpcascade render TRACE``), and :func:`write_explorer` /
  :func:`explorer_html`: all of it as one self-contained HTML page with a time slider and
  each event explained (:func:`explain`).
"""

from .explorer import explain, explorer_html, write_explorer
from .fsm import fsm_to_dot
from .topology import RenderResult, render_zone, zone_to_dot
from .trace import TraceRender, charts, frame_to_dot, frames, render_trace

__all__ = ["RenderResult", "TraceRender", "charts", "explain", "explorer_html", "frame_to_dot",
           "frames", "fsm_to_dot", "render_trace", "render_zone", "write_explorer",
           "zone_to_dot"]
