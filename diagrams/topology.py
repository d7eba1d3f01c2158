"""The zone topology drawn with Graphviz: who peers with whom, and how many of them.

What is drawn (top-down, ``rankdir=TB``):

- the top-tier route reflectors (role ``rr``, tier 0, no shard: the spines) on the top rank,
  as boxes labelled with name, profile and CLUSTER_ID (RFC 4456 §7);
- every shard as a box (``subgraph cluster_<shard>``) labelled with its RR count, client
  count, RR profile, CLUSTER_ID mode (one shared id, or one per RR) and hold time;
- a group of interchangeable clients (``SpeakerGroup.count > 1``) as ONE folder-shaped
  node, "800 clients / a-c1..a-c800 / 150 routes each, frr", however big it is; a single
  client as a small ellipse; speakers without a shard (explicit zones) outside any box;
- every :class:`~bgpcascade.model.topology.SessionGroup` as exactly one edge: an
  ``rr-client`` session as a solid arrow from the RR to its client side (labelled ``×N``,
  the number of sessions, when the edge stands for more than one), an ``ibgp`` session
  between non-client peers as a dashed line without arrowhead, in another colour;
- a small legend node explaining the edge and node styles.

The DOT text depends only on the :class:`~bgpcascade.model.topology.Zone`: groups, shards
and sessions are visited in the zone's declaration order, nothing reads a clock, so the same
zone gives byte-identical output. Node ids are the group keys (``spine1``,
``[a-c1..a-c800]``), quoted by the ``graphviz`` package where DOT needs it.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import graphviz

from bgpcascade.io import check_out_dir, safe_write
from bgpcascade.model.topology import SessionGroup, SpeakerGroup, Zone, seconds_json

DOT_FILE = "topology.dot"
SVG_FILE = "topology.svg"

FONT = "Helvetica"
RR_CLIENT_COLOUR = "#1f4e99"
IBGP_COLOUR = "#c2571a"
SPINE_FILL = "#c9daf2"
RR_FILL = "#e3ecf8"
CLIENT_FILL = "#edf5e6"
SHARD_FILL = "#f6f6f6"
SHARD_BORDER = "#8c8c8c"

#: The legend node's id. Speaker names cannot contain spaces (NAME_PATTERN), so this
#: never collides with a group key.
LEGEND_ID = "legend node"


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render_zone` wrote.

    Attributes
    ----------
    dot_path:
        The DOT source, always written.
    svg_path:
        The SVG drawn by Graphviz ``dot``, or ``None`` when ``dot`` is not installed.
    message:
        One line for the user when something could not be done (how to get the SVG),
        else ``None``.
    """

    dot_path: Path
    svg_path: Path | None
    message: str | None


# -- text helpers ---------------------------------------------------------------------------


def _esc(text: str) -> str:
    """User text made literal inside a quoted DOT label (backslashes doubled)."""
    return text.replace("\\", "\\\\")


def _label(*lines: str) -> str:
    """A multi-line DOT label from already escaped lines, never read as an HTML label."""
    return cast(str, graphviz.nohtml("\\n".join(lines)))


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _seconds(value: Fraction) -> str:
    return f"{seconds_json(value)}"


def _cluster_id_text(group: SpeakerGroup) -> str:
    if group.cluster_id is None:
        return "cluster_id: own router id"
    return f"cluster_id: {_esc(group.cluster_id)}"


def _member_word(group: SpeakerGroup) -> str:
    return "client" if group.role == "client" else "peer"


# -- node and cluster labels ---------------------------------------------------------------


def _rr_label(group: SpeakerGroup) -> str:
    lines = [_esc(group.describe_names()), f"RR, {_esc(group.profile)}", _cluster_id_text(group)]
    if group.capacity is not None:
        lines.append(f"capacity {group.capacity:g}/s")
    if not group.client_to_client:
        lines.append("no client-to-client")
    return _label(*lines)


def _group_label(group: SpeakerGroup) -> str:
    return _label(
        _plural(group.count, _member_word(group)),
        _esc(group.describe_names()),
        f"{group.routes:,} routes each, {_esc(group.profile)}",
    )


def _single_label(group: SpeakerGroup) -> str:
    return _label(_esc(group.describe_names()), f"{group.routes:,} routes, {_esc(group.profile)}")


def _shard_label(shard: str, members: list[SpeakerGroup]) -> str:
    rrs = [g for g in members if g.is_rr]
    others = [g for g in members if not g.is_rr]
    n_clients = sum(g.count for g in others if g.role == "client")
    n_peers = sum(g.count for g in others if g.role != "client")
    head = f"shard {_esc(shard)}: {_plural(len(rrs), 'RR')}, {_plural(n_clients, 'client')}"
    if n_peers:
        head += f", {_plural(n_peers, 'peer')}"
    lines = [head]
    timers = "hold " + "/".join(_seconds(h) for h in sorted({g.timers.hold for g in members}))
    if rrs:
        profiles = sorted({g.profile for g in rrs})
        lines.append("RR profile " + "/".join(_esc(p) for p in profiles))
        ids = {g.cluster_id for g in rrs}
        shared = len(rrs) > 1 and len(ids) == 1 and None not in ids
        lines.append("cluster_id " + ("shared" if shared else "per-rr") + f", {timers} s")
    else:
        lines.append(f"{timers} s")
    return _label(*lines)


def _legend_label() -> str:
    """An HTML-like label: a line sample and a description per edge and node style."""
    rr_line = (f'<TD WIDTH="48" BORDER="1" SIDES="B" COLOR="{RR_CLIENT_COLOUR}" '
               f'ALIGN="RIGHT"><FONT COLOR="{RR_CLIENT_COLOUR}">&#9654;</FONT></TD>')
    ibgp_line = (f'<TD WIDTH="48" BORDER="1" SIDES="B" COLOR="{IBGP_COLOUR}" '
                 f'STYLE="dashed"> </TD>')
    rows = [
        '<TR><TD COLSPAN="2"><B>legend</B></TD></TR>',
        f'<TR>{rr_line}<TD ALIGN="LEFT">rr-client session, RR to client '
        '(×N: N sessions)</TD></TR>',
        f'<TR>{ibgp_line}<TD ALIGN="LEFT">iBGP session between non-client peers</TD></TR>',
        '<TR><TD>box</TD><TD ALIGN="LEFT">route reflector: name, profile, cluster_id</TD></TR>',
        '<TR><TD>folder</TD><TD ALIGN="LEFT">N interchangeable speakers, one node</TD></TR>',
    ]
    return ('<<TABLE BORDER="1" CELLBORDER="0" CELLSPACING="3" CELLPADDING="2" '
            f'COLOR="{SHARD_BORDER}">' + "".join(rows) + "</TABLE>>")


# -- the graph -----------------------------------------------------------------------------


def _add_group(graph: graphviz.Digraph, group: SpeakerGroup) -> None:
    if group.is_rr:
        top = group.tier == 0 and group.shard is None
        graph.node(group.key, _rr_label(group), shape="box", style="filled,rounded",
                   fillcolor=SPINE_FILL if top else RR_FILL, penwidth="1.5" if top else "1")
    elif group.count > 1:
        graph.node(group.key, _group_label(group), shape="folder", style="filled",
                   fillcolor=CLIENT_FILL)
    else:
        graph.node(group.key, _single_label(group), shape="ellipse", style="filled",
                   fillcolor=CLIENT_FILL, fontsize="10", margin="0.05,0.02")


def _add_session(graph: graphviz.Digraph, zone: Zone, session: SessionGroup) -> None:
    n = zone.session_count(session)
    label = f"×{n:,}" if n > 1 else None
    if session.kind == "rr-client":
        tooltip = f"{session.a} to {session.b}: {_plural(n, 'rr-client session')}"
        graph.edge(session.a, session.b, label=label, tooltip=tooltip,
                   color=RR_CLIENT_COLOUR, fontcolor=RR_CLIENT_COLOUR)
    else:
        tooltip = f"{session.a} - {session.b}: {_plural(n, 'iBGP session')}"
        graph.edge(session.a, session.b, label=label, tooltip=tooltip, style="dashed",
                   dir="none", constraint="false", color=IBGP_COLOUR, fontcolor=IBGP_COLOUR)


def zone_to_dot(zone: Zone) -> str:
    """The DOT source of the zone's topology (see the module docstring for what is drawn).

    Parameters
    ----------
    zone:
        The zone to draw.

    Returns
    -------
    str
        DOT text; the same zone always gives the same bytes. It has one node per speaker
        group (plus one legend node) and exactly one edge per ``zone.sessions`` entry.
    """
    graph = graphviz.Digraph(name="topology")
    title = (f"zone {_esc(zone.name)}: {_plural(zone.speaker_count, 'speaker')}, "
             f"{_plural(zone.total_sessions, 'BGP session')}")
    graph.attr(rankdir="TB", label=_label(title), labelloc="t", fontname=FONT, fontsize="16",
               nodesep="0.3", ranksep="0.7", newrank="true")
    graph.attr("node", fontname=FONT, fontsize="11")
    graph.attr("edge", fontname=FONT, fontsize="10")

    unsharded = [g for g in zone.groups if g.shard is None]
    top = [g for g in unsharded if g.is_rr and g.tier == 0]
    if top:
        with graph.subgraph(name="top_tier") as sub:
            sub.attr(rank="min")
            for g in top:
                _add_group(sub, g)
    for g in unsharded:
        if not (g.is_rr and g.tier == 0):
            _add_group(graph, g)

    for shard in zone.shards():
        members = [g for g in zone.groups if g.shard == shard]
        with graph.subgraph(name=f"cluster_{shard}") as sub:
            sub.attr(label=_shard_label(shard, members), style="rounded,filled",
                     color=SHARD_BORDER, fillcolor=SHARD_FILL, fontsize="12",
                     labelloc="b")
            for g in members:
                _add_group(sub, g)

    graph.node(LEGEND_ID, _legend_label(), shape="plaintext", fontsize="10")

    for session in zone.sessions:
        _add_session(graph, zone, session)
    return str(graph.source)


def render_zone(zone: Zone, out_dir: Path) -> RenderResult:
    """Write ``out_dir/topology.dot`` and, when Graphviz is installed, ``topology.svg``.

    The SVG is drawn by running ``dot -Tsvg`` on the DOT text; a failure of ``dot`` raises
    :class:`RuntimeError` with its error output. When ``dot`` is not on ``PATH`` only the
    DOT file is written and :attr:`RenderResult.message` says, in one line, how to get the
    SVG. The zone's own file is never overwritten (:func:`bgpcascade.io.safe_write`).

    Raises
    ------
    InputError
        ``out_dir`` cannot be used (a file, a system directory, the zone file itself:
        :func:`bgpcascade.io.check_out_dir`).
    RuntimeError
        ``dot`` exists but failed on the DOT text (a bug here, not bad input).
    """
    out = check_out_dir(out_dir, inputs=(zone.source,))
    source = zone_to_dot(zone)
    dot_path = safe_write(out / DOT_FILE, source, inputs=(zone.source,))
    dot = shutil.which("dot")
    if dot is None:
        message = (f"Graphviz 'dot' not found, so no SVG: install it "
                   f"(apt-get install -y graphviz), then run: "
                   f"dot -Tsvg {shlex.quote(str(dot_path))} "
                   f"-o {shlex.quote(str(out / SVG_FILE))}")
        return RenderResult(dot_path=dot_path, svg_path=None, message=message)
    proc = subprocess.run([dot, "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                          check=False)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        detail = err[0] if err else "no error output"
        raise RuntimeError(f"dot -Tsvg {dot_path} failed (exit {proc.returncode}): {detail}")
    svg_path = safe_write(out / SVG_FILE, proc.stdout, inputs=(zone.source,))
    return RenderResult(dot_path=dot_path, svg_path=svg_path, message=None)
