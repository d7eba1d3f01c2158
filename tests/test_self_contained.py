"""The repository is self-contained: no tracked file points at notes outside it, or at
this project's own tracker by number.

Someone who clones the project has only what is tracked. A fact the model relies on is
cited by its primary source (an RFC section, a daemon's source file or documentation, a
public upstream thread such as "FRRouting/frr issue #890") or by a page under docs/
(docs/implementations.md, docs/model.md, docs/validation.md, docs/incident.md).

The patterns are assembled from pieces so that this file does not match itself.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

_MD = "." + "md"
#: Names of notes that live outside the repository.
OUTSIDE_NOTES = tuple(name + _MD for name in (
    "DES" + "IGN", "STY" + "LE", "bgp-" + "facts", "frr-" + "lab", "browser-" + "tests"))
#: Paths into the folder those notes live in.
OUTSIDE_PATHS = (".." + "/shared", "shared" + "/reference")

_ISSUE = "iss" + "ue"
#: A tracker reference by number: "<issue> 10", "(<issue> 7 §3)", "<issues> 5 and 6".
NUMBERED = re.compile(r"\b" + _ISSUE + r"s?[ \t]+(\d+)", re.IGNORECASE)
#: A tracker reference by nickname: "the reality <issue>".
NICKNAMED = re.compile(r"\bthe [a-z]+ " + _ISSUE + r"\b")
#: Upstream projects whose public threads may be cited by number (also "owner/repo").
UPSTREAM = re.compile(
    r"(?:frr|frrouting|gobgp|bird|openbgpd|exabgp|junos|z3|hypothesis|pydantic|pytest"
    r"|networkx|setuptools|pip|mutmut|crosshair|stateright|[\w.-]+/[\w.-]+)",
    re.IGNORECASE)


def tracked_text_files() -> list[Path]:
    """Every tracked file that is text (UTF-8 without NUL bytes)."""
    try:
        out = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    files = []
    for name in out.decode().split("\0"):
        path = ROOT / name
        if not name or not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data:
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        files.append(path)
    return files


def outside_references(text: str) -> list[tuple[int, str]]:
    """(line number, what was found) for every reference outside the repository."""
    found: list[tuple[int, str]] = []
    for no, line in enumerate(text.splitlines(), 1):
        for needle in OUTSIDE_NOTES + OUTSIDE_PATHS:
            if needle in line:
                found.append((no, needle))
        for m in NUMBERED.finditer(line):
            before = line[:m.start()].rstrip().split()
            if before and UPSTREAM.fullmatch(before[-1].strip("([\"'`*")):
                continue  # an upstream project's public thread
            found.append((no, m.group(0)))
        found.extend((no, m.group(0)) for m in NICKNAMED.finditer(line))
    return found


def test_the_patterns_catch_what_they_should() -> None:
    bad = [
        "see " + "DES" + "IGN" + _MD + ", CLI contract",
        "(" + _ISSUE + " 10)",
        _ISSUE.capitalize() + " 8 §2: the lab",
        "facts in .." + "/shared" + "/reference/" + "bgp-" + "facts" + _MD,
        "left for the reality " + _ISSUE,
    ]
    good = [
        "FRRouting/frr " + _ISSUE + " #890",
        "FRR " + _ISSUE + " 890 (2017)",
        "GoBGP " + _ISSUE + " 1723",
        "osrg/gobgp " + _ISSUE + "s #2096 and #1723",
        "a known " + _ISSUE + "_zone fixture",
        "docs/implementations" + _MD + ", RFC 4271 §10",
    ]
    assert all(outside_references(t) for t in bad), [t for t in bad if not
                                                     outside_references(t)]
    assert not any(outside_references(t) for t in good), [
        (t, outside_references(t)) for t in good if outside_references(t)]


def test_no_tracked_file_points_outside_the_repository() -> None:
    """A violations table: every file, line and reference, so the fix is in the message."""
    rows = []
    for path in tracked_text_files():
        text = path.read_text(encoding="utf-8")
        rows.extend(f"{path.relative_to(ROOT)}:{no}: {what}"
                    for no, what in outside_references(text))
    assert not rows, ("references outside the repository (cite docs/implementations"
                      + _MD + ", docs/validation" + _MD + " or the primary source):\n"
                      + "\n".join(rows))
