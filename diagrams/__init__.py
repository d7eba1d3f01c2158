"""Traces and topologies drawn; input is a Trace or a Zone, nothing else.

- :func:`zone_to_dot` / :func:`render_zone`: the zone topology (spine tier, shards as
  boxes, client groups as one node each, sessions styled by kind) as DOT and SVG.
"""

from .topology import RenderResult, render_zone, zone_to_dot

__all__ = ["RenderResult", "render_zone", "zone_to_dot"]
