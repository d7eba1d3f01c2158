"""Mutation testing of one module against a pytest selection.

How it works and the scores it measured: docs/validation.md, "Mutation testing".

    python scripts/mutate.py model/reflection.py tests/test_reflection.py [--jobs 2]
    python scripts/mutate.py model/sim/sessions.py tests/ --deselect-slow


Each mutant changes ONE thing in the module's syntax tree: a comparison operator
(``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``in``/``not in``, ``is``/``is not``), ``and``/``or``,
a ``not`` dropped, ``True``/``False`` swapped, an integer constant plus one, ``+``/``-``
swapped, an ``if`` condition negated. The mutant is written over the module in a
scratch clone of the repository (one per job), the tests run (``pytest -x -q``, a timeout
of 10 times the clean run); it is **killed** when they fail or time out, **survives** when
they pass.

Test selection (as mutmut does): one clean run under coverage records, per test, the lines
of the module it executes. A mutant then runs only the tests that execute its statement,
fastest first, so a broad selection (``tests/``) costs seconds per mutant instead of the
whole suite. A statement no test executes is reported **not covered** (a survivor, never
run). A statement executed only at import (module level, ``def`` and class bodies) runs
every test that executes any line of the module. Either set is capped at ``--test-seconds``
of the clean run's test time, fastest first (a mutant only the slower tests would kill is
then counted as a survivor: the score errs low). Tests that reach the module only through
a child process (the CLI run with ``subprocess``, a worker pool) are not seen by coverage:
for those lines too the score is conservative.
``--sample N`` runs N mutants drawn at random (``--seed``) and prints the score with its
95% Wilson interval: an estimate for a module too slow to run whole (the Z3 and review
modules, whose tests take tens of seconds each). ``--coverage FILE`` keeps the coverage
run (every file of model/ and properties/) for the next module on the same selection.
The original file is never touched. The output: the score and every survivor with its
line, for a test that kills it or a note on why it is equivalent.

(mutmut and cosmic-ray mutate by module path; this repository maps ``bgpcascade.model``
to ``model/`` through setuptools' package-dir, which neither follows, so this small runner
does the same job on the files themselves.)
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SWAP_CMP: dict[type, type] = {ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.Lt: ast.LtE,
                              ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
                              ast.In: ast.NotIn, ast.NotIn: ast.In, ast.Is: ast.IsNot,
                              ast.IsNot: ast.Is}


@dataclass(frozen=True)
class Mutant:
    """One change: where and what."""

    index: int
    line: int
    what: str


def _points(tree: ast.Module) -> Iterator[tuple[ast.AST, str]]:
    """Every node a mutation applies to, with what it does (docstrings skipped)."""
    doc_ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef)) and node.body and \
                isinstance(node.body[0], ast.Expr) and \
                isinstance(node.body[0].value, ast.Constant):
            doc_ids.add(id(node.body[0].value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                if type(op) in SWAP_CMP:
                    yield node, f"cmp{i}:{type(op).__name__}->{SWAP_CMP[type(op)].__name__}"
        elif isinstance(node, ast.BoolOp):
            yield node, f"boolop:{type(node.op).__name__}"
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            yield node, "drop not"
        elif isinstance(node, ast.Constant) and id(node) not in doc_ids:
            if node.value is True or node.value is False:
                yield node, f"{node.value}->{not node.value}"
            elif isinstance(node.value, int) and not isinstance(node.value, bool):
                yield node, f"{node.value}->{node.value + 1}"
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
            yield node, f"binop:{type(node.op).__name__}"
        elif isinstance(node, ast.If):
            yield node, "negate if"


def mutate(source: str, k: int) -> tuple[str, Mutant] | None:
    """The source with mutation ``k`` applied (None when there are fewer)."""
    tree = ast.parse(source)
    for i, (node, what) in enumerate(_points(tree)):
        if i != k:
            continue
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Compare):
            j = int(what[3:what.index(":")])
            node.ops[j] = SWAP_CMP[type(node.ops[j])]()
        elif isinstance(node, ast.BoolOp):
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        elif isinstance(node, ast.UnaryOp):
            node.op = ast.UAdd()  # +x is truthy like x: the `not` is gone
            node.operand = ast.Call(ast.Name("bool", ast.Load()), [node.operand], [])
        elif isinstance(node, ast.Constant):
            node.value = (not node.value) if isinstance(node.value, bool) else node.value + 1
        elif isinstance(node, ast.BinOp):
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        elif isinstance(node, ast.If):
            node.test = ast.UnaryOp(ast.Not(), node.test)
        ast.fix_missing_locations(tree)
        return ast.unparse(tree), Mutant(k, line, what)
    return None


COV_PLUGIN = '''
"""Per-test line coverage of one file, for scripts/mutate.py (loaded with -p)."""
import json, os, time
import coverage

_root = os.environ["MUTATE_ROOT"]
_cov = coverage.Coverage(data_file=None, include=[os.path.join(_root, d, "*.py")
                                                  for d in ("model", "properties")])
_lines = {}
_times = {}
_t0 = [0.0]


def _flush(ctx):
    data = _cov.get_data()
    for f in data.measured_files():
        per = _lines.setdefault(os.path.relpath(f, _root), {})
        for ln in data.lines(f) or ():
            per.setdefault(ln, set()).add(ctx)
    data.erase()


_cov.start()  # -p plugins load before the entry points that import the package


def pytest_runtest_setup(item):
    _cov.stop(); _flush(""); _cov.start()
    _t0[0] = time.monotonic()


def pytest_runtest_teardown(item):
    _cov.stop(); _flush(item.nodeid); _cov.start()
    _times[item.nodeid] = _times.get(item.nodeid, 0.0) + time.monotonic() - _t0[0]


def pytest_sessionfinish(session):
    _cov.stop(); _flush("")
    with open(os.environ["MUTATE_OUT"], "w") as fh:
        json.dump({"lines": {f: {str(k): sorted(v) for k, v in per.items()}
                             for f, per in _lines.items()},
                   "times": _times}, fh)
'''


def _spans(source: str) -> dict[int, tuple[int, int]]:
    """Each line's innermost enclosing statement, as (first line, last line).

    Coverage records the lines a statement's bytecode runs on; a mutated comparison on
    the third line of a wrapped ``if`` belongs to the whole statement.
    """
    spans: dict[int, tuple[int, int]] = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.stmt):
            first, last = node.lineno, node.end_lineno or node.lineno
            body_start = min((b.lineno for f in ("body", "orelse", "handlers", "finalbody")
                              for b in getattr(node, f, []) or []
                              if isinstance(b, (ast.stmt, ast.excepthandler))),
                             default=last + 1)
            last = min(last, body_start - 1)  # a compound statement's header only
            for ln in range(first, last + 1):
                old = spans.get(ln)
                if old is None or (old[1] - old[0]) > (last - first):
                    spans[ln] = (first, last)
    return spans


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a proportion ``k / n`` (95% for z = 1.96).

    >>> [round(x, 3) for x in wilson(45, 50)]
    [0.786, 0.957]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def main() -> None:
    """Run every mutant; print the score and the survivors."""
    ap = argparse.ArgumentParser()
    ap.add_argument("module", help="the file to mutate, e.g. model/reflection.py")
    ap.add_argument("tests", nargs="+", help="the pytest selection that must kill them")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="stop after N mutants (0: all)")
    ap.add_argument("--no-select", action="store_true",
                    help="run the whole selection for every mutant (no coverage)")
    ap.add_argument("--coverage", type=Path, default=None,
                    help="keep the coverage run here, or reuse it when it exists")
    ap.add_argument("--lines", default="",
                    help="only the mutants on these lines (comma-separated), to re-check")
    ap.add_argument("--only", type=Path, default=None,
                    help="only the mutants listed in this file, one 'LINE|WHAT' a line "
                         "(a previous run's survivors), to re-check them")
    ap.add_argument("--skip", type=int, default=0,
                    help="leave out the first N mutants (after --lines): resume a stopped run")
    ap.add_argument("--test-seconds", type=float, default=60.0,
                    help="at most this much (clean-run) test time per mutant, fastest first")
    ap.add_argument("--sample", type=int, default=0,
                    help="run N mutants drawn at random (after --lines/--only): the score "
                         "is then an estimate, printed with its 95%% interval")
    ap.add_argument("--seed", type=int, default=1, help="the --sample draw's seed")
    ap.add_argument("-k", dest="keyword", default="",
                    help="pytest -k expression applied to the selection")
    args, passthrough = ap.parse_known_args()  # the rest (--ignore=..., -m ...) to pytest
    args.tests = [*args.tests, *passthrough]
    source = (ROOT / args.module).read_text()
    mutants = []
    k = 0
    while (m := mutate(source, k)) is not None:
        mutants.append(m)
        k += 1
        if args.limit and k >= args.limit:
            break
    if args.lines:
        wanted = {int(x) for x in args.lines.split(",")}
        mutants = [(text, m) for text, m in mutants if m.line in wanted]
    if args.only:
        listed = {(int(ln), what) for ln, what in (
            row.split("|", 1) for row in args.only.read_text().splitlines() if row.strip())}
        mutants = [(text, m) for text, m in mutants if (m.line, m.what) in listed]
    population = len(mutants)
    if args.sample and args.sample < population:
        picked = sorted(random.Random(args.seed).sample(range(population), args.sample))
        mutants = [mutants[i] for i in picked]
    mutants = mutants[args.skip:]
    tmp = Path(tempfile.mkdtemp(prefix="bgpcascade-mutate-"))
    clones = []
    for j in range(args.jobs):
        c = tmp / f"clone{j}"
        shutil.copytree(ROOT, c, ignore=shutil.ignore_patterns(".venv", ".git", "mutants",
                                                               "__pycache__", ".hypothesis"))
        clones.append(c)
    (tmp / "_mutate_cov.py").write_text(COV_PLUGIN)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    kw = ["-k", args.keyword] if args.keyword else []

    def run(clone: Path, text: str | None, timeout: float, tests: list[str],
            extra: list[str] | None = None, env_extra: dict[str, str] | None = None) -> bool:
        """Do ``tests`` pass in ``clone`` with the module's text ``text``?"""
        (clone / args.module).write_text(source if text is None else text)
        env_c = {**env, "PYTHONPATH": os.pathsep.join([str(clone), str(tmp)]),
                 **(env_extra or {})}
        try:
            p = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q",
                                "-p", "no:cacheprovider", *(extra or []), *tests], cwd=clone,
                               env=env_c, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return p.returncode == 0

    start = time.monotonic()
    lines: dict[int, list[str]] = {}
    times: dict[str, float] = {}
    if args.no_select:
        ok = run(clones[0], None, 3600, [*kw, *args.tests])
    else:
        out = args.coverage or tmp / "coverage.json"
        ok = out.exists() or run(clones[0], None, 3600, [*kw, *args.tests],
                                 ["-p", "_mutate_cov"],
                                 {"MUTATE_ROOT": str(clones[0]), "MUTATE_OUT": str(out)})
        if ok:
            data = json.loads(out.read_text())
            per = data["lines"].get(os.path.normpath(args.module), {})
            lines = {int(k): v for k, v in per.items()}
            times = data["times"]
    assert ok, "the tests fail on the unmutated module"
    clean = time.monotonic() - start
    print(f"mutate: {len(mutants)} mutants; clean run {clean:.1f} s", file=sys.stderr,
          flush=True)
    spans = _spans(source)
    results: list[tuple[Mutant, str]] = []

    def selection(m: Mutant) -> list[str] | None:
        """The tests to run for ``m``: [] when none executes it, None for all."""
        if args.no_select:
            return None
        first, last = spans.get(m.line, (m.line, m.line))
        ctxs = set().union(*(lines.get(ln, ()) for ln in range(first, last + 1)))
        if not ctxs:
            return []
        if not any(ctxs):  # only at import: every test that runs the module
            ctxs = set().union(*lines.values())
        tests = sorted((c for c in ctxs if c), key=lambda c: (times.get(c, 0.0), c))
        chosen, spent = [], 0.0
        for t in tests:
            if chosen and spent + times.get(t, 0.0) > args.test_seconds:
                break
            chosen.append(t)
            spent += times.get(t, 0.0)
        return chosen

    def job(i: int) -> None:
        clone = clones[i % args.jobs]
        for n in range(i, len(mutants), args.jobs):
            text, m = mutants[n]
            tests = selection(m)
            if tests == []:
                results.append((m, "not covered"))
            else:
                chosen = tests if tests is not None else [*kw, *args.tests]
                budget = (max(30.0, 5 * sum(times.get(t, 1.0) for t in tests) + 20)
                          if tests is not None else max(20.0, 10 * clean))
                results.append((m, "survived" if run(clone, text, budget, chosen)
                                else "killed"))
            if results[-1][1] != "killed":  # as they come: a long run can be read early
                print(f"mutate: {results[-1][1]}: {args.module}:{m.line}: {m.what}",
                      file=sys.stderr, flush=True)
            done = len(results)
            if done % 20 == 0:
                print(f"mutate: {done}/{len(mutants)} "
                      f"({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(job, range(args.jobs)))
    shutil.rmtree(tmp, ignore_errors=True)
    survivors = sorted(((m, r) for m, r in results if r != "killed"),
                       key=lambda mr: (mr[0].line, mr[0].index))
    killed = len(results) - len(survivors)
    uncovered = sum(1 for _, r in survivors if r == "not covered")
    print(f"{args.module}: {len(results)} mutants, {killed} killed, {len(survivors)} "
          f"survived ({uncovered} not covered): score "
          f"{100 * killed / max(1, len(results)):.1f}% "
          f"(tests: {' '.join(args.tests)}; clean run {clean:.1f} s; "
          f"{time.monotonic() - start:.0f} s in all)")
    if args.sample and args.sample < population:
        lo, hi = wilson(killed, len(results))
        print(f"  a random sample of {len(results)} of the module's {population} mutants "
              f"(seed {args.seed}): killed {100 * killed / max(1, len(results)):.1f}%, "
              f"95% interval {100 * lo:.1f}%..{100 * hi:.1f}% for all {population}")
    src_lines = source.splitlines()
    for m, r in survivors:
        text = src_lines[m.line - 1].strip() if 0 < m.line <= len(src_lines) else ""
        print(f"  {r}: {args.module}:{m.line}: {m.what}: {text}")


if __name__ == "__main__":
    main()
