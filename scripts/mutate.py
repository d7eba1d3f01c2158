"""Mutation testing of one module against a pytest selection (issue 10).

    python scripts/mutate.py model/reflection.py tests/test_reflection.py [--jobs 2]

Each mutant changes ONE thing in the module's syntax tree: a comparison operator
(``==``/``!=``, ``<``/``<=``, ``>``/``>=``, ``in``/``not in``, ``is``/``is not``), ``and``/``or``,
a ``not`` dropped, ``True``/``False`` swapped, an integer constant plus one, ``+``/``-``
swapped, an ``if`` condition negated. The mutant is written over the module in a
scratch clone of the repository (one per job), the tests run (``pytest -x -q``, a timeout
of 10 times the clean run); it is **killed** when they fail or time out, **survives** when
they pass. The original file is never touched. The output: the score and every survivor
with its line, for a test that kills it or a note on why it is equivalent.

(mutmut and cosmic-ray mutate by module path; this repository maps ``bgpcascade.model``
to ``model/`` through setuptools' package-dir, which neither follows, so this small runner
does the same job on the files themselves.)
"""

from __future__ import annotations

import argparse
import ast
import os
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


def main() -> None:
    """Run every mutant; print the score and the survivors."""
    ap = argparse.ArgumentParser()
    ap.add_argument("module", help="the file to mutate, e.g. model/reflection.py")
    ap.add_argument("tests", nargs="+", help="the pytest selection that must kill them")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--limit", type=int, default=0, help="stop after N mutants (0: all)")
    args = ap.parse_args()
    source = (ROOT / args.module).read_text()
    mutants = []
    k = 0
    while (m := mutate(source, k)) is not None:
        mutants.append(m)
        k += 1
        if args.limit and k >= args.limit:
            break
    tmp = Path(tempfile.mkdtemp(prefix="bgpcascade-mutate-"))
    clones = []
    for j in range(args.jobs):
        c = tmp / f"clone{j}"
        shutil.copytree(ROOT, c, ignore=shutil.ignore_patterns(".venv", ".git", "mutants",
                                                               "__pycache__", ".hypothesis"))
        clones.append(c)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}

    def run(clone: Path, text: str | None, timeout: float) -> bool:
        """Do the tests pass in ``clone`` with the module's text ``text``?"""
        (clone / args.module).write_text(source if text is None else text)
        env_c = {**env, "PYTHONPATH": str(clone)}
        try:
            p = subprocess.run([sys.executable, "-m", "pytest", "-x", "-q",
                                "-p", "no:cacheprovider", *args.tests], cwd=clone,
                               env=env_c, capture_output=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return p.returncode == 0

    start = time.monotonic()
    assert run(clones[0], None, 600), "the tests fail on the unmutated module"
    clean = time.monotonic() - start
    timeout = max(20.0, 10 * clean)
    results: list[tuple[Mutant, bool]] = []

    def job(i: int) -> None:
        clone = clones[i % args.jobs]
        for n in range(i, len(mutants), args.jobs):
            text, m = mutants[n]
            results.append((m, run(clone, text, timeout)))
            done = len(results)
            if done % 20 == 0:
                print(f"mutate: {done}/{len(mutants)}", file=sys.stderr, flush=True)

    with ThreadPoolExecutor(args.jobs) as pool:
        list(pool.map(job, range(args.jobs)))
    shutil.rmtree(tmp, ignore_errors=True)
    survivors = sorted((m for m, ok in results if ok), key=lambda m: m.index)
    killed = len(results) - len(survivors)
    print(f"{args.module}: {len(results)} mutants, {killed} killed, {len(survivors)} "
          f"survived: score {100 * killed / max(1, len(results)):.1f}% "
          f"(tests: {' '.join(args.tests)}; clean run {clean:.1f} s; "
          f"{time.monotonic() - start:.0f} s in all)")
    lines = source.splitlines()
    for m in survivors:
        print(f"  survived: {args.module}:{m.line}: {m.what}: "
              f"{lines[m.line - 1].strip() if 0 < m.line <= len(lines) else ''}")


if __name__ == "__main__":
    main()
