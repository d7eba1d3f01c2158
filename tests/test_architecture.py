"""The architecture as tests: layers (import-linter), no import cycle, module and function
sizes, and the light imports of the model (docs/architecture.md).

The package is laid out in the repository as model/, properties/ and diagrams/ beside
bgpcascade/ and installed under bgpcascade by pyproject's package-dir mapping. The import
graph is read from a tree of symlinks laid out as the wheel installs it, the same tree
scripts/setup.sh builds for mypy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80
#: A function longer than MAX_FUNCTION_LINES carries this comment on the line above its
#: ``def`` (or its first decorator), followed by the reason.
LONG_REASON = "# Long on purpose:"


def _package_dirs() -> dict[str, Path]:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    return {name: ROOT / path for name, path in conf["package-dir"].items()}


def _installed_tree(tmp: Path) -> Path:
    """Symlinks laid out as the wheel installs the package (parents before children)."""
    mapping = _package_dirs()
    for name in sorted(mapping):
        dst = tmp.joinpath(*name.split("."))
        dst.mkdir(parents=True, exist_ok=True)
        for child in sorted(mapping[name].iterdir()):
            if child.name != "__pycache__" and not (dst / child.name).exists():
                (dst / child.name).symlink_to(child)
    return tmp


def _sources() -> Iterator[Path]:
    for base in _package_dirs().values():
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" not in path.parts:
                yield path


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _installed_tree(tmp_path_factory.mktemp("installed"))


def test_import_linter_contracts_are_kept(tree: Path) -> None:
    """The layers and forbidden imports of .importlinter (docs/architecture.md)."""
    lint = Path(sys.executable).with_name("lint-imports")
    # import-linter is a test dependency (pyproject's test extra): missing, it fails.
    assert lint.exists(), "lint-imports is missing: pip install -e '.[test]'"
    proc = subprocess.run([str(lint), "--no-cache", str(ROOT / ".importlinter")],
                          cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "Contracts:" in proc.stdout and " 0 broken" in proc.stdout, proc.stdout[-2000:]


def test_no_import_cycle(tree: Path) -> None:
    """No module imports, directly or through others, a module that imports it back
    (imports inside functions count too; imports only for type checking do not run)."""
    script = (
        "import grimp, json, sys\n"
        "g = grimp.build_graph('bgpcascade', cache_dir=None, exclude_type_checking_imports=True)\n"
        "edges = [(m, i) for m in g.modules for i in g.find_modules_directly_imported_by(m)]\n"
        "print(json.dumps(edges))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=tree,
                          env={"PYTHONPATH": str(tree)}, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr  # grimp comes with import-linter
    import json

    import networkx as nx

    graph = nx.DiGraph()
    for src, dst in json.loads(proc.stdout):
        # A package's __init__ importing its own submodules is how re-exports work; the
        # cycles that matter are between modules that each hold code of their own.
        if not dst.startswith(src + "."):
            graph.add_edge(src, dst)
    cycles = sorted(sorted(c) for c in nx.simple_cycles(graph) if len(c) > 1)
    assert not cycles, f"import cycles: {cycles[:5]}"


def test_no_module_over_the_limit() -> None:
    big = {str(p.relative_to(ROOT)): n for p in _sources()
           if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not big, f"modules over {MAX_MODULE_LINES} lines: {big}"


def test_no_long_function_without_its_reason() -> None:
    long: list[str] = []
    for path in _sources():
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            assert node.end_lineno is not None
            size = node.end_lineno - node.lineno + 1
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            above = lines[first - 2].strip() if first >= 2 else ""
            if size > MAX_FUNCTION_LINES and not above.startswith(LONG_REASON):
                long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({size})")
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines with no reason: {long}"


@pytest.mark.parametrize("module", ["bgpcascade.model.fsm", "bgpcascade.model.rules",
                                    "bgpcascade.model.topology"])
def test_the_fsm_and_zone_model_import_light(module: str) -> None:
    """Importing the FSM or the zone model loads no solver, YAML, pydantic or networkx."""
    heavy = ["z3", "yaml", "pydantic", "networkx", "hypothesis"]
    code = (f"import sys, {module}\n"
            f"print(','.join(m for m in {heavy!r} if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"{module} loads {proc.stdout.strip()}"


@pytest.mark.parametrize("package", ["bgpcascade", "bgpcascade.diagrams", "bgpcascade.review"])
def test_every_lazy_re_export_resolves(package: str) -> None:
    """A package whose public names load on first use (PEP 562) names modules that still
    hold them: a moved function fails here, not as a puzzling ImportError in a user's
    script."""
    code = (f"import importlib\nm = importlib.import_module({package!r})\n"
            "missing = [n for n in m.__all__ if getattr(m, n, None) is None]\n"
            "print(','.join(missing))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip() == "", f"{package} cannot resolve {proc.stdout.strip()}"
