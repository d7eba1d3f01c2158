"""The trace explorer (explorer.html): the "why" of each event, the page's contents, and
the page driven in a real browser (Playwright + Debian's chromium).

The browser test FAILS when playwright or /usr/bin/chromium is missing (CI installs both:
scripts/setup.sh and the test extra); set BGPCASCADE_NO_BROWSER=1 to skip it explicitly.
Its screenshot goes to $BGPCASCADE_ARTEFACTS (default: the test's tmp_path).
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from bgpcascade.diagrams import explain, explorer_html, frames, render_trace, write_explorer
from bgpcascade.io import read_zone_text
from bgpcascade.model.trace import simulate
from bgpcascade.model.triggers import parse_flap
from bgpcascade.model.zonefile import load_zone

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def _simulate(source: str, text: str, flap: str, horizon: int) -> dict[str, Any]:
    zone = load_zone(text, source=source)
    return simulate(zone, text, source, [parse_flap(zone, flap)], horizon=Fraction(horizon),
                    dt=Fraction(1))


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    """The demo's trace: builtin:fr-par-like, one flap of spine1~b-rr1 at 30 s, 600 s."""
    source = "builtin:fr-par-like"
    return _simulate(source, read_zone_text(source), "spine1~b-rr1@30", 600)


@pytest.fixture(scope="module")
def lab() -> dict[str, Any]:
    """A small trace: the lab zone, rr1~hv1 flapped at 10 s, 60 s."""
    path = ROOT / "tests" / "examples" / "safe" / "lab.yaml"
    return _simulate("tests/examples/safe/lab.yaml", path.read_text(), "rr1~hv1@10", 60)


def _delay_at(trace: dict[str, Any], key: str, t: float) -> float:
    """The queue delay of ``key`` at the last sample at or before ``t`` (plain scan)."""
    ts = trace["series"]["t"]
    i = max([k for k, x in enumerate(ts) if float(x) <= t] or [0])
    return float(trace["series"]["queue_delay_s"][key][i])


def _num(text: str) -> float:
    return float(text.replace(",", ""))


# -- explain ---------------------------------------------------------------------------
def test_hold_timer_expiries_are_explained_by_the_queue_delay(demo: dict[str, Any]) -> None:
    """Each hold-timer expiry names the queue that held the KEEPALIVEs back, with its delay
    and the negotiated hold, as the trace has them."""
    nodes = {n["key"]: n for n in demo["nodes"]}
    ends = {s["session"]: (s["a"], s["b"]) for s in demo["sessions"]}
    expiries = [e for e in demo["events"] if e["reason"] == "hold_timer_expired"]
    assert expiries, "the demo's cascade has hold-timer expiries"
    for e in expiries:
        at = e["at"]
        a, b = ends[e["session"]]
        peer = b if at == a else a
        hold = min(float(nodes[a]["hold_s"]), float(nodes[b]["hold_s"]))
        relevant = []
        if nodes[peer]["keepalive_tx"] == "main-loop":
            relevant.append((_delay_at(demo, peer, float(e["t"])), peer))
        if nodes[at]["keepalive_rx"] == "fifo":
            relevant.append((_delay_at(demo, at, float(e["t"])), at))
        delay, who = max(relevant, key=lambda r: r[0])
        assert delay > hold  # what the demo shows: the appliance RRs' backlog
        text = explain(demo, e)
        m = re.search(r"queue delay at (\S+) ([\d,.]+) s > hold ([\d,.]+) s", text)
        assert m, text
        assert m.group(1) == who
        assert abs(_num(m.group(2)) - delay) <= 0.05 and _num(m.group(3)) == hold
        assert f"hold timer expired at {at}" in text or f"each of {at}" in text
        if e["count"] > 1:
            assert f"({e['count']:,} sessions)" in text, text


def test_trigger_and_reestablishment_are_explained(demo: dict[str, Any]) -> None:
    trig = next(e for e in demo["events"] if e["reason"] == "trigger")
    assert explain(demo, trig) == f"trigger: flap {trig['session']} (TCP connection fails)"
    up = next(e for e in demo["events"] if e["kind"] == "established")
    down = max(float(e["t"]) for e in demo["events"]
               if e["session"] == up["session"] and e["kind"] == "down"
               and float(e["t"]) <= float(up["t"]))
    m = re.fullmatch(r"Established again after ([\d.,]+) s down", explain(demo, up))
    assert m and abs(_num(m.group(1)) - (float(up["t"]) - down)) <= 0.05


def test_an_expiry_no_queue_explains_says_so(demo: dict[str, Any]) -> None:
    quiet = copy.deepcopy(demo)
    for values in quiet["series"]["queue_delay_s"].values():
        values[:] = [0.0] * len(values)
    e = next(e for e in quiet["events"] if e["reason"] == "hold_timer_expired")
    text = explain(quiet, e)
    assert "queue delay at" not in text and "no queue delay in the trace explains it" in text
    assert "no KEEPALIVE for 90 s" in text


# -- the page --------------------------------------------------------------------------
class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value is not None:
                self.ids.append(value)
            if name in ("src", "href", "xlink:href", "action", "data") and value:
                self.refs.append(value)


def test_page_is_self_contained_deterministic_and_has_every_frame(demo: dict[str, Any]) -> None:
    page = explorer_html(demo)
    assert page == explorer_html(demo)
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", page, re.I)
    parser = _Ids()
    parser.feed(page)
    assert all(r.startswith(("#", "data:")) for r in parser.refs), parser.refs
    assert len(parser.ids) == len(set(parser.ids)), "duplicate element ids"
    fs = frames(demo)
    assert page.count('<figure class="frame"') == len(fs) >= 2
    for f in fs:
        assert f'id="frame-{f.index}"' in page
    assert page.count("<svg") == len(fs) + 3  # every frame and the three charts, inline
    assert 'id="slider"' in page and f'max="{len(fs) - 1}"' in page
    assert 'id="play"' in page and 'id="caption"' in page and 'id="events"' in page
    assert page.count("<tr data-frame=") == len(demo["events"])
    assert page.count('class="now"') == 3


def test_page_escapes_the_trace(lab: dict[str, Any]) -> None:
    evil = "<script>alert(1)</script>"
    trace = copy.deepcopy(lab)
    trace["zone"] = evil
    trace["summary"]["verdict"] = evil
    trace["events"][0]["detail"] = evil
    page = explorer_html(trace)
    assert evil not in page and "alert(1)</" not in page
    assert page.count("<script") == 1  # the page's own
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # A speaker name too (everywhere it appears: nodes, sessions, series, events), through
    # Graphviz's SVG and the page's own text.
    renamed = json.loads(json.dumps(lab).replace('"rr1', '"rr1<img src=x onerror=alert(2)>')
                         .replace("~rr1", "~rr1<img src=x onerror=alert(2)>"))
    page = explorer_html(renamed)
    assert "<img" not in page and "&lt;img src=x onerror=alert(2)&gt;" in page


def test_page_without_graphviz_shows_the_dot_text(lab: dict[str, Any]) -> None:
    fs = frames(lab)
    page = explorer_html(lab, frame_svgs=[None] * len(fs))
    assert page.count('<pre class="dot">') == len(fs) and "digraph frame" in page


def test_render_writes_and_links_the_explorer(lab: dict[str, Any], tmp_path: Path) -> None:
    res = render_trace(lab, tmp_path)
    assert res.explorer == tmp_path / "explorer.html"
    assert res.explorer.read_text() == explorer_html(lab)
    assert 'href="explorer.html"' in res.index.read_text()


# -- in a browser ------------------------------------------------------------------------
def _playwright() -> Any:
    """``sync_playwright``, or a failure that says what to install (a skip only when
    BGPCASCADE_NO_BROWSER=1)."""
    if os.environ.get("BGPCASCADE_NO_BROWSER") == "1":
        pytest.skip("BGPCASCADE_NO_BROWSER=1: browser test skipped on request")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser test needs playwright: pip install -e '.[test]' "
                    "(or set BGPCASCADE_NO_BROWSER=1 to skip it)")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"the browser test needs {CHROMIUM}: apt-get install -y chromium "
                    "(bash scripts/setup.sh test does it; or set BGPCASCADE_NO_BROWSER=1)")
    return sync_playwright


_VISIBLE = """() => Array.from(document.querySelectorAll('#frames .frame'))
    .filter(f => !f.hidden && f.getBoundingClientRect().height > 0).map(f => f.id)"""
_NOW = """() => Array.from(document.querySelectorAll('.chart svg line.now'))
    .map(l => parseFloat(l.getAttribute('x1')))"""


def test_explorer_in_chromium(demo: dict[str, Any], tmp_path: Path) -> None:
    """Open the demo's explorer: no console error; the slider, the arrow keys, an event
    row and the play button each change the frame shown, its caption and the charts'
    now-line; a screenshot is kept as an artefact."""
    sync_playwright = _playwright()
    path = write_explorer(demo, tmp_path / "explorer.html")
    artefacts = Path(os.environ.get("BGPCASCADE_ARTEFACTS") or tmp_path)
    artefacts.mkdir(parents=True, exist_ok=True)
    n = len(frames(demo))
    errors: list[str] = []
    remote: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.on("console", lambda m: errors.append(f"console: {m.text}")
                    if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
            page.on("request", lambda r: remote.append(r.url)
                    if not r.url.startswith(("file:", "data:")) else None)
            page.goto(path.as_uri())
            page.wait_for_load_state("load")

            assert page.evaluate(_VISIBLE) == ["frame-0"]
            caption0 = page.inner_text("#caption")
            now0 = page.evaluate(_NOW)
            assert len(now0) == 3 and caption0.startswith("t = 0 s")
            width = page.evaluate("""() => document.querySelector('#frame-0 svg')
                .getBoundingClientRect().width""")
            assert width > 600, "the frame is drawn at a usable size"

            # The slider: focused, ArrowRight moves it one frame (its own input event).
            page.focus("#slider")
            page.keyboard.press("ArrowRight")
            assert page.evaluate(_VISIBLE) == ["frame-1"]
            assert page.input_value("#slider") == "1"
            caption1 = page.inner_text("#caption")
            assert caption1 != caption0 and caption1.startswith("t = 30 s")
            now1 = page.evaluate(_NOW)
            assert all(b > a for a, b in zip(now0, now1, strict=True)), (now0, now1)

            # The page's own keys, away from the slider.
            page.evaluate("() => document.activeElement.blur()")
            page.keyboard.press("ArrowRight")
            assert page.evaluate(_VISIBLE) == ["frame-2"]
            page.keyboard.press("ArrowLeft")
            assert page.evaluate(_VISIBLE) == ["frame-1"]
            page.keyboard.press("End")
            assert page.evaluate(_VISIBLE) == [f"frame-{n - 1}"]

            # A click on an event row jumps to its frame and highlights its rows.
            row = page.locator("#events tbody tr", has_text="hold timer expired").first
            target = int(row.get_attribute("data-frame") or "-1")
            page.evaluate("""() => { const s = document.getElementById('slider');
                s.value = '0'; s.dispatchEvent(new Event('input')); }""")
            assert page.evaluate(_VISIBLE) == ["frame-0"]
            row.click()
            assert page.evaluate(_VISIBLE) == [f"frame-{target}"] and target > 0
            assert "current" in (row.get_attribute("class") or "")
            assert "hold timer expired" in page.inner_text("#caption") or \
                "hold_timer_expired" in page.inner_text("#caption")

            # Play from the start: it advances by itself.
            page.keyboard.press("Home")
            assert page.evaluate(_VISIBLE) == ["frame-0"]
            page.click("#play")
            page.wait_for_function("() => document.getElementById('slider').value !== '0'",
                                   timeout=10_000)
            assert page.evaluate(_VISIBLE) != ["frame-0"]
            assert page.inner_text("#caption") != caption0
            assert "Pause" in page.inner_text("#play")
            page.click("#play")
            assert "Play" in page.inner_text("#play")

            page.screenshot(path=str(artefacts / "explorer.png"), full_page=True)
        finally:
            browser.close()
    assert not errors, errors
    assert not remote, f"the page fetched something: {remote}"


# -- how the drawing modules import ----------------------------------------------------
#: Who may import whom among the trace's drawing modules: one direction only.
LOWER = {"svg": set(), "trace": {"svg"}, "explorer": {"svg", "trace"},
         "render": {"svg", "trace", "explorer"}}


def test_the_trace_modules_import_one_way() -> None:
    """render uses explorer, which uses trace, all three use svg; never the other way
    round, not even inside a function."""
    for name, allowed in LOWER.items():
        tree = ast.parse((ROOT / "diagrams" / f"{name}.py").read_text())
        used = {node.module for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module}
        assert used <= allowed, f"diagrams/{name}.py imports {sorted(used - allowed)}"


@pytest.mark.parametrize("module", ["fsm", "trace", "explorer", "render", "topology"])
def test_a_drawing_module_imports_light(module: str) -> None:
    """One drawing module loads neither the others nor the zone loader's pydantic and
    YAML, networkx, a solver or the CLI (the package's names load lazily)."""
    heavy = ["pydantic", "yaml", "networkx", "z3", "hypothesis", "bgpcascade.cli",
             "bgpcascade.properties"]
    if module in ("fsm", "topology"):
        heavy.append("bgpcascade.diagrams.trace")
    code = (f"import sys, bgpcascade.diagrams.{module}\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"diagrams.{module} loads {proc.stdout.strip()}"
