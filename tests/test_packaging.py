"""The built wheel holds one import package, `bgpcascade`.

model/, properties/ and diagrams/ sit at the top of the repo but must install as
bgpcascade.model, bgpcascade.properties and bgpcascade.diagrams (pyproject's package-dir
mapping), so nothing called `model` lands at the top of anyone's site-packages.

How the wheel is built, and why:
- From a copy of the work tree (without .git, virtualenvs, build/ and caches), so that a
  stale build/lib left by an earlier build cannot leak deleted modules into the wheel and
  the test writes nothing into the repo.
- With `pip wheel --no-deps --no-build-isolation --no-index`: offline, with the setuptools
  of the running environment (scripts/setup.sh installs setuptools>=68 beside the test
  extra). `python -m build` would do the same with --no-isolation; pip is always there.

How the wheel is installed, and why:
- Into a plain throwaway venv (no --system-site-packages: the dev environment's editable
  install would shadow the wheel) made with --without-pip, by the running pip's
  `--python` option, `--no-deps --no-index`: offline, and about a second.
- Its runtime dependencies (pydantic, PyYAML, z3, ...) come from the dev environment
  through a .pth file in the throwaway venv. A .pth line only *appends* a directory to
  sys.path, after the venv's own site-packages, and .pth files inside that directory are
  not processed, so the editable install's import hook never runs. The subprocess also
  runs with -P (no cwd on sys.path) from a temp dir and asserts that every bgpcascade
  module it imported came from the throwaway venv.
"""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

REQUIRED_FILES = (
    "bgpcascade/__init__.py",
    "bgpcascade/py.typed",
    "bgpcascade/model/__init__.py",
    "bgpcascade/properties/__init__.py",
    "bgpcascade/diagrams/__init__.py",
    "bgpcascade/zones/fr-par-like.yaml",
)
FORBIDDEN_TOP_LEVEL = ("model", "properties", "diagrams", "tests", "examples", "benchmarks")

# Top-level names of the work tree that never belong in a build: VCS, virtualenvs,
# build output, caches and the outputs the CLI writes by default (see .gitignore).
_SKIP_AT_TOP = {".git", "build", "dist", "out", "test-artifacts", "bgpcascade-out",
                "bgpcascade-demo", ".bgpcascade"}
_SKIP_ANYWHERE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".venv*",
                                        ".mypy_cache", ".pytest_cache", ".ruff_cache",
                                        ".hypothesis")


def _ignore(directory: str, names: list[str]) -> set[str]:
    skipped = set(_SKIP_ANYWHERE(directory, names))
    if Path(directory) == REPO:
        skipped |= _SKIP_AT_TOP & set(names)
        # any virtualenv, whatever it is called
        skipped |= {n for n in names if (Path(directory, n) / "pyvenv.cfg").exists()}
    return skipped


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=cwd,
                          env=_clean_env(), check=False)
    if proc.returncode != 0:
        pytest.fail(
            f"command failed ({proc.returncode}): {' '.join(map(str, cmd))}\n"
            f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}",
            pytrace=False,
        )
    return proc


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTHON") and k not in {"VIRTUAL_ENV", "PIP_REQUIRE_VIRTUALENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    try:
        setuptools_version = metadata.version("setuptools")
    except metadata.PackageNotFoundError:
        setuptools_version = "0"
    if int(setuptools_version.split(".")[0]) < 68:
        pytest.fail(
            f"setuptools>=68 is needed to build the wheel offline, found {setuptools_version}:"
            " run `bash scripts/setup.sh test`, or `pip install 'setuptools>=68'`",
            pytrace=False,
        )
    base = tmp_path_factory.mktemp("wheel")
    src, out = base / "src", base / "dist"
    shutil.copytree(REPO, src, symlinks=True, ignore=_ignore)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
          "--no-index", "-q", "-w", str(out), str(src)])
    wheels = sorted(out.glob("bgpcascade-*.whl"))
    assert len(wheels) == 1, f"expected one wheel in {out}, found {wheels}"
    yield wheels[0]


def _names(whl: Path) -> list[str]:
    with zipfile.ZipFile(whl) as zf:
        return zf.namelist()


def _dist_info_file(whl: Path, name: str) -> str:
    with zipfile.ZipFile(whl) as zf:
        matches = [n for n in zf.namelist()
                   if n.count("/") == 1 and n.split("/")[0].endswith(".dist-info")
                   and n.endswith("/" + name)]
        assert len(matches) == 1, f"{name} in the wheel's .dist-info: {matches}"
        return zf.read(matches[0]).decode("utf-8")


def test_wheel_holds_the_subpackages_and_data(wheel: Path) -> None:
    names = set(_names(wheel))
    missing = [f for f in REQUIRED_FILES if f not in names]
    assert not missing, f"missing from {wheel.name}: {missing}"


def test_wheel_has_nothing_at_the_top_but_bgpcascade(wheel: Path) -> None:
    tops = {n.split("/")[0] for n in _names(wheel)}
    forbidden = sorted(t for t in tops if t in FORBIDDEN_TOP_LEVEL)
    assert not forbidden, f"top-level entries that must not be in the wheel: {forbidden}"
    other = sorted(t for t in tops if t != "bgpcascade" and not t.endswith(".dist-info"))
    assert not other, f"unexpected top-level entries in {wheel.name}: {other}"
    # setuptools records the top-level import names; only ours may be there.
    top_level = _dist_info_file(wheel, "top_level.txt").split()
    assert top_level == ["bgpcascade"], top_level


def test_wheel_declares_the_console_script(wheel: Path) -> None:
    parser = configparser.ConfigParser()
    parser.read_string(_dist_info_file(wheel, "entry_points.txt"))
    assert parser.has_section("console_scripts"), parser.sections()
    assert dict(parser["console_scripts"]) == {"bgpcascade": "bgpcascade.cli:main"}


def test_wheel_metadata(wheel: Path) -> None:
    meta = _dist_info_file(wheel, "METADATA")
    headers = dict(line.split(": ", 1) for line in meta.split("\n\n", 1)[0].splitlines()
                   if ": " in line and not line.startswith(" "))
    assert headers["Name"] == "bgpcascade"
    assert headers["Requires-Python"] == ">=3.11"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A throwaway venv with the wheel installed (and the dev env's deps appended)."""
    env_dir = tmp_path_factory.mktemp("venv") / "env"
    venv.EnvBuilder(with_pip=False, symlinks=os.name != "nt").create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
          "--no-index", "-q", str(wheel)])
    purelib = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    site = Path(_run([str(python), "-c", purelib]).stdout.strip())
    dev_dirs = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "_bgpcascade_test_deps.pth").write_text("".join(f"{d}\n" for d in dev_dirs))
    return env_dir


def test_installed_wheel_imports_from_the_venv(installed: Path, tmp_path: Path) -> None:
    site = next(installed.glob("lib*/python3*/site-packages"), installed / "Lib/site-packages")
    on_top = sorted(p.name for p in site.iterdir() if p.name in FORBIDDEN_TOP_LEVEL)
    assert not on_top, f"installed at the top of site-packages: {on_top}"

    script = textwrap.dedent(
        f"""
        import importlib, sys
        from importlib import resources
        from pathlib import Path
        prefix = Path(sys.prefix).resolve()
        assert prefix == Path({str(installed)!r}).resolve(), (prefix, sys.prefix)
        for name in ("bgpcascade", "bgpcascade.model", "bgpcascade.properties",
                     "bgpcascade.diagrams"):
            mod = importlib.import_module(name)
            where = Path(mod.__file__).resolve()
            assert where.is_relative_to(prefix), f"{{name}} imported from {{where}}"
        zone = resources.files("bgpcascade") / "zones" / "fr-par-like.yaml"
        assert zone.is_file(), zone
        print("ok")
        """
    )
    python = installed / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    proc = _run([str(python), "-P", "-c", script], cwd=tmp_path)
    assert proc.stdout.strip() == "ok"


def test_installed_console_script_runs(installed: Path, wheel: Path, tmp_path: Path) -> None:
    script = installed / ("Scripts/bgpcascade.exe" if os.name == "nt" else "bin/bgpcascade")
    assert script.exists(), f"pip did not create the console script {script}"
    assert "bgpcascade/cli/__init__.py" in _names(wheel)  # bgpcascade.cli:main
    proc = _run([str(script), "--help"], cwd=tmp_path)
    assert "bgpcascade" in proc.stdout and "simulate" in proc.stdout
