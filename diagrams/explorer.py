"""A trace as ONE self-contained HTML page: frames, a time slider, the events and why.

Input is a trace as ``simulate --trace`` writes it (a dict; docs/cli.md), nothing else.

- :func:`explain`: the "why" of one event in plain words, from the trace only (for a
  hold-timer expiry: the queue delay that kept the KEEPALIVEs from arriving in time).
- :func:`explorer_html`: the page. The topology frames of :func:`~.trace.frames` shown one
  at a time, a slider and a play button to move through them, the event list (the current
  frame's rows highlighted, a click on a row jumps to its frame) and the three timeline
  charts of :func:`~.trace.charts` with the current time marked. Scripts, CSS and SVGs
  are inline: no network, no other file. The same trace gives byte-identical pages.
- :func:`write_explorer`: the page written to a file.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bgpcascade.io import safe_write

from .svg import dot_to_svg
from .trace import Frame, Trace, charts, frame_to_dot, frames

#: RFC 4271 §4.5 (and RFC 7313) NOTIFICATION error codes.
NOTIFICATION_CODES = {1: "Message Header Error", 2: "OPEN Message Error",
                      3: "UPDATE Message Error", 4: "Hold Timer Expired",
                      5: "Finite State Machine Error", 6: "Cease",
                      7: "ROUTE-REFRESH Message Error"}

#: Milliseconds between frames while playing.
PLAY_INTERVAL_MS = 1500


def _s(x: float) -> str:
    """Seconds for prose: one decimal, thousands separated, no trailing ``.0``."""
    text = f"{round(float(x), 1):,.1f}"
    return text[:-2] if text.endswith(".0") else text


def _t(x: float) -> str:
    """A time of the trace as the frame captions print it (``%g``)."""
    return f"{float(x):g}"


#: The model's reasons for a session going down, in words.
REASON_WORDS = {"trigger": "trigger", "hold_timer_expired": "hold timer expired",
                "send_hold_timer_expired": "send hold timer expired",
                "notification_received": "NOTIFICATION received",
                "tcp_connection_failed": "TCP connection failed",
                "connect_retry_expired": "connect-retry timer expired"}

_TRANSITION = re.compile(r"\s*(\S+) -> (\S+) on (\w+)\s*")


def _event_words(name: str) -> str:
    """An FSM event name in words: ``TcpConnectionFails`` -> ``TCP connection fails``,
    ``BGPOpenMsgErr`` -> ``BGP open message error``."""
    parts = [p for chunk in name.split("_")
             for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z][a-z]*|[a-z]+|\d+", chunk)]
    out = " ".join(p if p.isupper() and len(p) > 1 else p.lower() for p in parts)
    for word, fixed in (("tcp", "TCP"), ("cr", "CR"), ("msg", "message"), ("err", "error"),
                        ("notif", "NOTIFICATION"), ("ver", "version")):
        out = re.sub(rf"\b{word}\b", fixed, out)
    return out


def _words(reason: str, detail: str = "") -> str:
    """A reason in words; one the model has no words for is named by its FSM event."""
    if reason in REASON_WORDS:
        return REASON_WORDS[reason]
    m = _TRANSITION.fullmatch(detail)
    return _event_words(m.group(3)) if m else reason.replace("_", " ")


def _detail_words(detail: str) -> str:
    """``Established -> Idle on TcpConnectionFails`` -> ``TCP connection fails``; any other
    detail as it is."""
    m = _TRANSITION.fullmatch(detail)
    return _event_words(m.group(3)) if m else detail.strip()


def _ends(trace: Trace, session: str) -> tuple[str, str]:
    """The two node keys of ``session`` (from the trace's sessions; else split at ``~``)."""
    for s in trace["sessions"]:
        if s["session"] == session:
            return str(s["a"]), str(s["b"])
    a, _, b = session.partition("~")
    return a, b


def _delay_at(trace: Trace, key: str, t: float) -> float:
    """``key``'s queue delay at the last sample at or before ``t`` (0 if not sampled)."""
    series = trace["series"]
    values = series["queue_delay_s"].get(key)
    if not values:
        return 0.0
    ts = [float(x) for x in series["t"]]
    i = max(0, bisect.bisect_right(ts, float(t)) - 1)
    return float(values[min(i, len(values) - 1)])


def _pair(trace: Trace, at: str, peer: str, count: int) -> tuple[str, str, str]:
    """(detecting end, other end, prefix) for prose. A group of speakers reads ``each of
    [a-c1..a-c800] (800 sessions)``; when both ends are groups, the prefix says the count."""
    nodes = {n["key"]: n for n in trace["nodes"]}

    def many(key: str) -> bool:
        return int(nodes.get(key, {}).get("count", 1)) > 1

    if many(at) and many(peer):
        return at, peer, f"{count:,} sessions: "
    if many(at):
        return f"each of {at} ({count:,} sessions)", peer, ""
    if many(peer):
        return at, f"each of {peer} ({count:,} sessions)", ""
    return at, peer, f"{count:,} sessions: " if count > 1 else ""


def _trigger_for(trace: Trace, event: dict[str, Any], ends: tuple[str, str]) -> str | None:
    """The trigger that caused a direct event, in words (``flap b-rr1~spine1``)."""
    t = float(event["t"])
    found = None
    for trig in trace["params"].get("triggers", []):
        if float(trig["t"]) != t:
            continue
        if trig["kind"] == "flap" and {trig["a"], trig["b"]} == set(ends):
            found = trig
            break
        if trig["kind"] == "restart" and trig["a"] in ends:
            found = trig
            break
        found = found or trig
    if found is None:
        return None
    if found["kind"] == "flap":
        a, b = sorted((str(found["a"]), str(found["b"])))
        held = f" held down {_s(found['down_for'])} s" if found.get("down_for") else ""
        return f"flap {a}~{b}{held}"
    if found["kind"] == "restart":
        return f"restart {found['a']}"
    if found["kind"] == "spike":
        return f"work spike at {found['a']}"
    if found["kind"] == "pause":
        return f"pause of {found['a']} for {_s(float(found['down_for']))} s"
    return str(found.get("label", found["kind"]))


def _hold_expiry(trace: Trace, event: dict[str, Any], at: str, peer: str) -> str:
    nodes = {n["key"]: n for n in trace["nodes"]}
    t = float(event["t"])
    count = int(event["count"])
    x, y = nodes.get(at), nodes.get(peer)
    x_text, y_text, prefix = _pair(trace, at, peer, count)
    head = f"{prefix}hold timer expired at {x_text} for {y_text}"
    holds = [float(n["hold_s"]) for n in (x, y) if n is not None]
    hold = min(holds) if holds else 0.0
    # (delay, node, why): the queues that hold KEEPALIVEs back on this session.
    causes: list[tuple[float, str, str]] = []
    # Only a main-loop sender holds KEEPALIVEs back: fifo and priority senders send them
    # on time (docs/model.md; discrepancy 10 in docs/validation.md).
    if y is not None and y.get("keepalive_tx") == "main-loop":
        causes.append((_delay_at(trace, peer, t), peer,
                       "its KEEPALIVEs wait behind all its queued work"))
    if x is not None and x.get("keepalive_rx") == "fifo":
        causes.append((_delay_at(trace, at, t), at,
                       "it reads KEEPALIVEs only after its queued work"))
    # The larger delay; on a tie the sender's (it comes first).
    best = max(causes, key=lambda c: c[0]) if causes else None
    if hold <= 0:
        return f"{head}: hold time unknown in the trace"
    for trig in trace["params"].get("triggers", []):
        start = float(trig["t"])
        if trig["kind"] == "pause" and trig["a"] == peer and \
                start <= t <= start + float(trig["down_for"]):
            return (f"{head}: {peer} was paused from t={_s(start)} s for "
                    f"{_s(float(trig['down_for']))} s, so no KEEPALIVE left it for "
                    f"{_s(hold)} s")
    if best is not None and best[0] > hold:
        delay, who, why = best
        return f"{head}: queue delay at {who} {_s(delay)} s > hold {_s(hold)} s ({why})"
    if best is not None and best[0] > 0:
        delay, who, _ = best
        return (f"{head}: no KEEPALIVE for {_s(hold)} s; the queue delay at {who} was "
                f"{_s(delay)} s, below the hold time, so the queue alone does not explain it")
    return (f"{head}: no KEEPALIVE for {_s(hold)} s; no queue delay in the trace "
            "explains it")


def explain(trace: Trace, event: dict[str, Any]) -> str:
    """Why ``event`` (one of ``trace["events"]``) happened, in plain words, from the trace
    only. Deterministic.

    - a hold-timer expiry at X on X~Y: the queue delay that kept Y's KEEPALIVEs from being
      read in time (Y's when its ``keepalive_tx`` is ``main-loop``, X's when its
      ``keepalive_rx`` is ``fifo``; the larger), against the negotiated hold (the smaller
      of both ends' ``hold_s``); or, honestly, that no queue delay explains it;
    - a trigger: which one, and how the session saw it;
    - Established: how long the session was down;
    - anything else: its reason, where it was detected and the FSM detail.
    """
    session = str(event["session"])
    count = int(event["count"])
    at = str(event.get("at") or "")
    a, b = _ends(trace, session)
    peer = b if at == a else a
    reason = str(event.get("reason") or "")
    detail = str(event.get("detail") or "")
    if event["kind"] == "established":
        many = f"{count:,} sessions " if count > 1 else ""
        t = float(event["t"])
        downs = [float(e["t"]) for e in trace["events"]
                 if e["session"] == session and e["kind"] == "down" and float(e["t"]) <= t]
        if not downs:
            return f"{many}Established"
        return f"{many}Established again after {_s(t - max(downs))} s down"
    if reason == "hold_timer_expired":
        return _hold_expiry(trace, event, at, peer)
    x_text, y_text, prefix = _pair(trace, at, peer, count)
    words = _detail_words(detail)
    if reason == "trigger":
        trig = _trigger_for(trace, event, (a, b))
        what = f"trigger: {trig}" if trig else "trigger"
        notes = "; ".join(n for n in (words, f"{count:,} sessions" if count > 1 else "")
                          if n)
        return f"{what} ({notes})" if notes else what
    if reason == "send_hold_timer_expired":
        nodes = {n["key"]: n for n in trace["nodes"]}
        x = nodes.get(at)
        text = (f"{prefix}send hold timer expired at {x_text} for {y_text}: {at} could send "
                f"nothing to {peer} for the send-hold time (RFC 9687)")
        if x is not None and x.get("keepalive_tx") == "main-loop":
            delay = _delay_at(trace, at, float(event["t"]))
            if delay > 0:
                text += (f"; queue delay at {at} {_s(delay)} s (its messages wait behind "
                         "its queued work)")
        return text
    if reason == "notification_received":
        m = re.fullmatch(r"NOTIFICATION (\d+)", detail.strip())
        name = NOTIFICATION_CODES.get(int(m.group(1))) if m else None
        sent = (detail.strip() or "NOTIFICATION") + (f" ({name})" if name else "")
        return f"{prefix}{sent} received at {x_text} from {y_text}"
    text = f"{prefix}{_words(reason, detail) or event['kind']}"
    if at:
        text += f" at {x_text} for {y_text}"
    m = _TRANSITION.fullmatch(detail)
    note = f"{m.group(1)} -> {m.group(2)}" if m else detail.strip()
    return f"{text}: {note}" if note else text


def _what(event: dict[str, Any]) -> str:
    """The event's kind for the table: ``Established`` or ``down: <reason>``."""
    if event["kind"] == "established":
        return "Established"
    reason = str(event.get("reason") or "unknown")
    return f"down: {_words(reason, str(event.get('detail') or ''))}"


def _session_html(session: str) -> str:
    """A session name that wraps only after its ``~``."""
    return "~<wbr>".join(f"<span>{html.escape(end)}</span>" for end in session.split("~"))


def _event_frames(fs: Sequence[Frame], events: Sequence[dict[str, Any]]) -> list[int]:
    """For each event, the index of the frame that shows it (the last at or before it)."""
    ts = [f.t for f in fs]
    return [max(0, bisect.bisect_right(ts, float(e["t"])) - 1) for e in events]


def _inline_svg(svg: bytes, prefix: str) -> str:
    """Graphviz SVG made fit to inline: no XML prolog, doctype or comments, and every id
    prefixed so that several frames on one page never share an id."""
    text = svg.decode("utf-8")
    text = text[text.find("<svg"):] if "<svg" in text else text
    text = re.sub(r"<!--.*?-->\n?", "", text, flags=re.S)
    text = re.sub(r'(?<=\s)id="', f'id="{prefix}', text)
    text = text.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    return text.strip()


def _summary(trace: Trace) -> list[str]:
    s = trace["summary"]
    out = [f"{int(s['sessions_reset']):,} of {int(s['sessions_total']):,} sessions reset",
           f"peak {int(s['clients_isolated_peak']):,} of {int(s['clients_total']):,} "
           "clients isolated",
           f"peak {float(s['unreachable_pairs_peak_fraction']) * 100:.1f}% of client pairs "
           "unreachable"]
    first = s.get("first_cascade_reset_s")
    out.append("no cascade reset" if first is None else
               f"first cascade reset {_s(first)} s after the trigger")
    settled = s.get("reconverged_at_s")
    out.append(f"not reconverged by {_s(s['horizon_s'])} s" if settled is None else
               f"reconverged at {_s(settled)} s")
    labels = [str(t.get("label", t.get("kind", ""))) for t in s.get("triggers", [])]
    if labels:
        out.append("trigger: " + ", ".join(labels))
    return out


_CSS = """
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #d9d9de; --hl: #fff3c4; --accent: #1f4e99; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 Helvetica, Arial, sans-serif; color: var(--fg);
       background: #fafafa; }
header { padding: 10px 16px 4px; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 0 0 6px; }
.summary { margin: 0; color: var(--muted); }
.summary span + span::before { content: " \\00b7  "; }
.verdict { padding: 1px 8px; border-radius: 10px; color: white; background: #546e7a; }
.verdict.v-contained { background: #2e7d32; }
.verdict.v-cascade { background: #ef6c00; }
.verdict.v-zone-outage { background: #c62828; }
#stage { background: #fafafa; border-bottom: 1px solid var(--line); }
@media (min-height: 700px) and (min-width: 900px) {
  #stage { position: sticky; top: 0; z-index: 1; box-shadow: 0 2px 6px rgba(0,0,0,.08); }
  .frame svg, .frame pre { max-height: 40vh; }
  .events-box { max-height: 50vh; }
}
#player { padding: 6px 16px; }
.controls { display: flex; align-items: center; gap: 12px; }
#play { min-width: 84px; padding: 4px 10px; font: inherit; cursor: pointer; }
#slider { flex: 1; }
#frameno { color: var(--muted); font-variant-numeric: tabular-nums; min-width: 90px;
           text-align: right; }
#caption { margin: 4px 0 0; font-weight: bold; min-height: 1.4em; }
#frames { padding: 4px 16px 8px; background: white; }
.frame { margin: 0; }
.frame[hidden] { display: none; }
.frame svg { display: block; width: 100%; height: auto; max-height: 62vh; }
.frame pre { overflow: auto; max-height: 62vh; font-size: 11px; margin: 0; }
.below { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
         gap: 16px; padding: 12px 16px; }
@media (max-width: 1100px) { .below { grid-template-columns: minmax(0, 1fr); } }
.events-box { max-height: 80vh; overflow: auto; border: 1px solid var(--line);
              background: white; }
#events { border-collapse: collapse; width: 100%; }
#events th, #events td { padding: 4px 6px; border-bottom: 1px solid var(--line);
                         vertical-align: top; text-align: left; }
#events th { position: sticky; top: 0; background: #f0f0f3; }
#events td.num { text-align: right; font-variant-numeric: tabular-nums;
                 white-space: nowrap; }
#events td.session { font-family: Menlo, Consolas, monospace; font-size: 12px; }
#events td.session span { white-space: nowrap; }
#events tbody tr { cursor: pointer; }
#events tbody tr:hover { background: #f3f6fb; }
#events tbody tr.current { background: var(--hl); }
#events tbody tr:focus { outline: 2px solid var(--accent); outline-offset: -2px; }
.down { color: #c62828; }
.up { color: #2e7d32; }
.chart { background: white; border: 1px solid var(--line); margin-bottom: 12px; }
.chart svg { display: block; width: 100%; height: auto; }
.chart svg line.now { stroke: #0b57d0; stroke-width: 2px; opacity: .85; }
footer { padding: 4px 16px 16px; color: var(--muted); }
kbd { border: 1px solid var(--line); border-radius: 3px; padding: 0 4px;
      background: white; }
"""

_JS = """
(function () {
  "use strict";
  var frames = Array.prototype.slice.call(document.querySelectorAll("#frames .frame"));
  var slider = document.getElementById("slider");
  var play = document.getElementById("play");
  var caption = document.getElementById("caption");
  var frameno = document.getElementById("frameno");
  var box = document.querySelector(".events-box");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#events tbody tr"));
  var charts = Array.prototype.slice.call(document.querySelectorAll(".chart svg"));
  var current = 0;
  var timer = null;
  if (!frames.length) { return; }

  function num(el, name) { return parseFloat(el.getAttribute(name)); }

  function moveNow(t) {
    charts.forEach(function (svg) {
      var line = svg.querySelector("line.now");
      if (!line || !svg.hasAttribute("data-x0")) { return; }
      var x0 = num(svg, "data-x0"), x1 = num(svg, "data-x1");
      var left = num(svg, "data-left"), pw = num(svg, "data-pw");
      var top = num(svg, "data-top"), ph = num(svg, "data-ph");
      var u = Math.min(1, Math.max(0, (t - x0) / (x1 - x0)));
      var x = (left + u * pw).toFixed(1);
      line.setAttribute("x1", x);
      line.setAttribute("x2", x);
      line.setAttribute("y1", String(top));
      line.setAttribute("y2", String(top + ph));
      line.setAttribute("stroke-width", "1.5");
    });
  }

  function show(i) {
    i = Math.max(0, Math.min(frames.length - 1, i));
    current = i;
    frames.forEach(function (f, k) { f.hidden = k !== i; });
    slider.value = String(i);
    var f = frames[i];
    caption.textContent = f.getAttribute("data-caption");
    frameno.textContent = "frame " + i + " / " + (frames.length - 1);
    var first = null;
    rows.forEach(function (r) {
      var on = parseInt(r.getAttribute("data-frame"), 10) === i;
      r.classList.toggle("current", on);
      if (on && first === null) { first = r; }
    });
    if (first && box) {
      // Bring the frame's first row into the list's view, only if it is out of it.
      var r = first.getBoundingClientRect(), v = box.getBoundingClientRect();
      var head = box.querySelector("thead");
      var top = v.top + (head ? head.getBoundingClientRect().height : 0);
      if (r.top < top || r.bottom > v.bottom) {
        box.scrollTop += r.top - top - (v.bottom - top) / 3;
      }
    }
    moveNow(num(f, "data-t"));
  }

  function stop() {
    if (timer !== null) { window.clearInterval(timer); timer = null; }
    play.textContent = "\\u25b6 Play";
    play.setAttribute("aria-pressed", "false");
  }

  function start() {
    if (current >= frames.length - 1) { show(0); }
    play.textContent = "\\u275a\\u275a Pause";
    play.setAttribute("aria-pressed", "true");
    timer = window.setInterval(function () {
      if (current >= frames.length - 1) { stop(); return; }
      show(current + 1);
    }, PLAY_MS);
  }

  play.addEventListener("click", function () {
    if (timer === null) { start(); } else { stop(); }
  });
  slider.addEventListener("input", function () {
    stop();
    show(parseInt(slider.value, 10));
  });
  rows.forEach(function (r) {
    function jump() { stop(); show(parseInt(r.getAttribute("data-frame"), 10)); }
    r.addEventListener("click", jump);
    r.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); jump(); }
    });
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.target === slider || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    var to = null;
    if (ev.key === "ArrowRight") { to = current + 1; }
    else if (ev.key === "ArrowLeft") { to = current - 1; }
    else if (ev.key === "Home") { to = 0; }
    else if (ev.key === "End") { to = frames.length - 1; }
    if (to === null) { return; }
    ev.preventDefault();
    stop();
    show(to);
  });
  show(0);
})();
"""


def _figures(trace: Trace, fs: Sequence[Frame],
             frame_svgs: Sequence[bytes | None]) -> list[str]:
    """One ``<figure>`` per frame: its SVG inlined, or its DOT text when there is no SVG;
    all but the first hidden."""
    out = []
    for f, svg in zip(fs, frame_svgs, strict=True):
        body = (_inline_svg(svg, f"f{f.index}-") if svg is not None else
                f'<pre class="dot">{html.escape(frame_to_dot(trace, f))}</pre>')
        hidden = "" if f.index == 0 else " hidden"
        out.append(f'<figure class="frame" id="frame-{f.index}" data-index="{f.index}" '
                   f'data-t="{f.t!r}" data-caption="{html.escape(f.caption)}"{hidden}>\n'
                   f"{body}\n</figure>")
    return out


def _event_rows(trace: Trace, fs: Sequence[Frame], events: Sequence[dict[str, Any]]
                ) -> list[str]:
    """The event table's rows: time, session, count, what and why, and the frame that
    shows the event (a click jumps to it)."""
    esc = html.escape
    rows = []
    for e, n in zip(events, _event_frames(fs, events), strict=True):
        cls = "up" if e["kind"] == "established" else "down"
        rows.append(f'<tr data-frame="{n}" tabindex="0"><td class="num">{esc(_t(e["t"]))}'
                    f'</td><td class="session">{_session_html(str(e["session"]))}</td>'
                    f'<td class="num">{int(e["count"]):,}</td>'
                    f'<td class="{cls}">{esc(_what(e))}</td><td>{esc(explain(trace, e))}'
                    "</td></tr>")
    if not rows:
        rows.append('<tr data-frame="-1"><td colspan="5">no session changed state</td></tr>')
    return rows


def _head(trace: Trace) -> list[str]:
    """The page from ``<!doctype>`` to the end of its header: title, verdict, summary."""
    esc = html.escape
    zone = str(trace["zone"])
    verdict = str(trace["summary"].get("verdict", ""))
    summary = "".join(f"<span>{esc(item)}</span>" for item in _summary(trace))
    return [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',
        f"<title>{esc(zone)}: {esc(verdict)} \u2014 bgpcascade trace explorer</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<header>",
        f'<h1>{esc(zone)}: <span class="verdict v-{esc(verdict)}">{esc(verdict)}</span>'
        "</h1>",
        f'<p class="summary">{summary}</p>',
        "</header>",
    ]


def _stage(fs: Sequence[Frame], figures: list[str]) -> list[str]:
    """The player (play button, slider, caption) above the frames."""
    last = len(fs) - 1
    return [
        '<div id="stage">',
        '<section id="player" aria-label="frames">',
        '<div class="controls">',
        '<button id="play" type="button" aria-pressed="false">\u25b6 Play</button>',
        f'<input type="range" id="slider" min="0" max="{last}" step="1" value="0" '
        'aria-label="frame">',
        f'<span id="frameno">frame 0 / {last}</span>',
        "</div>",
        f'<p id="caption" aria-live="polite">{html.escape(fs[0].caption)}</p>',
        "</section>",
        '<section id="frames">',
        *figures,
        "</section>",
        "</div>",
    ]


def _below(trace: Trace, n_events: int, rows: list[str]) -> list[str]:
    """Below the stage: the event table beside the timeline charts."""
    chart_divs = [f'<div class="chart" data-name="{html.escape(name)}">\n{text.strip()}\n'
                  "</div>" for name, text in charts(trace).items()]
    return [
        '<div class="below">',
        '<section aria-label="events">',
        f"<h2>Events ({n_events:,})</h2>",
        '<div class="events-box">',
        '<table id="events">',
        "<thead><tr><th>t (s)</th><th>session</th><th>count</th><th>what</th>"
        "<th>why</th></tr></thead>",
        "<tbody>",
        *rows,
        "</tbody>",
        "</table>",
        "</div>",
        "</section>",
        '<section aria-label="timeline">',
        "<h2>Timeline</h2>",
        *chart_divs,
        "</section>",
        "</div>",
    ]


def explorer_html(trace: Trace, *, frame_svgs: Sequence[bytes | None] | None = None) -> str:
    """The explorer page for ``trace``: one self-contained HTML document (no network, no
    other file), byte-identical for the same trace.

    ``frame_svgs`` are the frames' Graphviz SVGs when the caller already has them (one per
    :func:`~.trace.frames`, ``None`` where Graphviz is missing); without them, ``dot`` is
    run here. A frame without SVG is shown as its DOT text.
    """
    fs = frames(trace)
    if frame_svgs is None:
        frame_svgs = [dot_to_svg(frame_to_dot(trace, f)) for f in fs]
    if len(frame_svgs) != len(fs):
        raise ValueError(f"{len(frame_svgs)} frame SVGs for {len(fs)} frames")
    events = list(trace["events"])
    js = _JS.replace("PLAY_MS", str(PLAY_INTERVAL_MS))
    return "\n".join([
        *_head(trace),
        *_stage(fs, _figures(trace, fs, frame_svgs)),
        *_below(trace, len(events), _event_rows(trace, fs, events)),
        "<footer>Keys: <kbd>\u2190</kbd> <kbd>\u2192</kbd> previous / next frame, "
        "<kbd>Home</kbd> <kbd>End</kbd> first / last; click an event to see its frame. "
        "Made by <code>bgpcascade render</code> from the trace alone.</footer>",
        f"<script>{js}</script>",
        "</body>",
        "</html>",
        "",
    ])


def write_explorer(trace: Trace, out_path: str | Path, inputs: tuple[str, ...] = (), *,
                   frame_svgs: Sequence[bytes | None] | None = None) -> Path:
    """Write :func:`explorer_html` of ``trace`` to ``out_path`` (never over one of the
    user's ``inputs``) and return the path."""
    return safe_write(out_path, explorer_html(trace, frame_svgs=frame_svgs), inputs=inputs)
