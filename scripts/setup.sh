#!/usr/bin/env bash
# Set up bgpcascade on a fresh Debian/Ubuntu machine, then run the tests or the demo.
#
#   bash scripts/setup.sh test [PYTEST_ARGS...]   set up, then ruff, mypy and pytest (with no
#                                                 arguments: every test, one worker per core,
#                                                 then the real-time FRR lab tests alone)
#   bash scripts/setup.sh demo [DEMO_ARGS...]     set up, then `bgpcascade demo`
#   bash scripts/setup.sh install                 set up only
#
# Idempotent: a second run installs nothing and goes straight to the command.
# Quiet on success (one line per step); on a failing step it shows that step's output.
#
# Environment:
#   BGPCASCADE_VENV     where the virtualenv lives (default: .venv in the repo)
#   PYTHON              the interpreter that creates it (default: python3; must be >= 3.11)
#   BGPCASCADE_NO_APT   set to 1 to skip the apt step (then install graphviz and chromium
#                       yourself)
set -euo pipefail

# Debian packages the project needs, one list. chromium is for the browser test of the
# trace explorer (tests/test_explorer.py, driven by Playwright); frr is the FRR lab's
# bgpd (tests/test_lab.py, `bgpcascade lab`).
APT_PACKAGES="graphviz chromium frr"
# What `test` type-checks, as import packages (see the mypy step below for why not dirs).
MYPY_PACKAGES="bgpcascade"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

MODE="${1:-}"
case "$MODE" in
    test | demo | install) shift ;;
    *)
        echo "usage: bash scripts/setup.sh test|demo|install [ARGS...]" >&2
        exit 2
        ;;
esac

VENV="${BGPCASCADE_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
LOG="$(mktemp "${TMPDIR:-/tmp}/bgpcascade-setup.XXXXXX")"
trap 'rm -f "$LOG"' EXIT
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off

say() { echo "setup: $*"; }
die() {
    echo "setup: error: $*" >&2
    exit 1
}

# step "what it does" CMD...: one line; the command's output only when it fails.
step() {
    local what="$1"
    shift
    say "$what"
    if ! "$@" >"$LOG" 2>&1; then
        echo "setup: FAILED: $what; its output:" >&2
        tail -n 60 "$LOG" >&2
        exit 1
    fi
}

# --- 1. Debian packages -------------------------------------------------------
have_package() {
    case "$1" in
        graphviz) command -v dot >/dev/null 2>&1 && return 0 ;;
        # The path tests/test_explorer.py launches (Debian's package puts it there).
        chromium) [ -x /usr/bin/chromium ] && return 0 ;;
        frr) [ -x /usr/lib/frr/bgpd ] && return 0 ;;
    esac
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

missing=""
for pkg in $APT_PACKAGES; do
    have_package "$pkg" || missing="$missing $pkg"
done
missing="${missing# }"

if [ -n "$missing" ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if [ "${BGPCASCADE_NO_APT:-}" = 1 ]; then
        say "skipping apt (BGPCASCADE_NO_APT=1); missing: $missing"
    elif ! command -v apt-get >/dev/null 2>&1; then
        say "warning: no apt-get here; install these yourself: $missing"
    elif [ -n "$sudo" ] && ! command -v sudo >/dev/null 2>&1; then
        say "warning: not root and no sudo; install these yourself: $missing"
    else
        apt_opts=(-q -y -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3)
        step "apt-get update" $sudo apt-get "${apt_opts[@]}" update
        # shellcheck disable=SC2086  # $missing is a word list on purpose
        step "apt-get install $missing" \
            $sudo env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" install $missing
    fi
fi

# --- 2. Python virtualenv and the package --------------------------------------
command -v "$PY" >/dev/null 2>&1 || die "no '$PY' on PATH; install Python >= 3.11 or set PYTHON"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "$("$PY" -V 2>&1) is too old: bgpcascade needs Python >= 3.11 (set PYTHON=python3.11)"

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c '' >/dev/null 2>&1; then
    rm -rf "$VENV"
    step "create virtualenv $VENV ($("$PY" -V 2>&1))" "$PY" -m venv "$VENV"
fi

# demo needs the package; test also needs the test extra. setuptools>=68 is there so that
# tests/test_packaging.py can build the wheel offline (--no-build-isolation).
extras=""
[ "$MODE" = test ] && extras="[test]"
stamp="$VENV/.bgpcascade-installed"
want="$(sha256sum <pyproject.toml | cut -d' ' -f1) $ROOT $extras"
have="$(cat "$stamp" 2>/dev/null || true)"
# The stamp for [test] also satisfies a later demo.
if [ "$have" != "$want" ] && [ "$have" != "$want[test]" ] ||
    ! "$VENV/bin/python" -c 'import importlib.metadata as m; m.version("bgpcascade")' \
        >/dev/null 2>&1; then
    rm -f "$stamp"
    step "pip install -e '.$extras'" \
        "$VENV/bin/python" -m pip install -q -e ".$extras" "setuptools>=68"
    echo "$want" >"$stamp"
fi

export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"

# --- 3. The command -------------------------------------------------------------
case "$MODE" in
    install)
        say "ready: . $VENV/bin/activate && bgpcascade --help"
        ;;
    demo)
        say "bgpcascade demo $*"
        rm -f "$LOG"
        exec "$VENV/bin/bgpcascade" demo "$@"
        ;;
    test)
        failed=""
        say "ruff check ."
        "$VENV/bin/ruff" check -q . || failed="$failed ruff"
        # mypy cannot follow setuptools' editable import hook, so `mypy model properties`
        # would not resolve `from bgpcascade.model... import` in properties/. Instead: a
        # tree of symlinks laid out as the wheel installs it (from pyproject's package-dir),
        # checked by package name, with the paths in mypy's messages mapped back to the repo.
        tree="$VENV/bgpcascade-typecheck"
        "$VENV/bin/python" - "$ROOT" "$tree" >"$tree.sed" <<'PY'
import shutil, sys, tomllib
from pathlib import Path
root, tree = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
shutil.rmtree(tree, ignore_errors=True)
conf = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
mapping = conf["package-dir"]
for name in sorted(mapping):  # parents before children
    dst = tree.joinpath(*name.split("."))
    dst.mkdir(parents=True, exist_ok=True)
    for child in sorted((root / mapping[name]).iterdir()):
        if child.name != "__pycache__" and not (dst / child.name).exists():
            (dst / child.name).symlink_to(child)
# mypy prints paths relative to the cwd (the repo) when they are under it.
prefixes = [str(tree)]
if tree.is_relative_to(root):
    prefixes.append(str(tree.relative_to(root)))
for name in sorted(mapping, key=len, reverse=True):  # longest prefix first
    src = mapping[name].rstrip("/") + "/"
    for prefix in prefixes:
        print(f"s#^{prefix.replace('.', '[.]')}/{name.replace('.', '/')}/#{src}#;t")
PY
        mypy_args=()
        for p in $MYPY_PACKAGES; do mypy_args+=(-p "$p"); done
        say "mypy ${mypy_args[*]}"
        set +e
        MYPYPATH="$tree" "$VENV/bin/mypy" "${mypy_args[@]}" 2>&1 | sed -f "$tree.sed"
        mypy_rc="${PIPESTATUS[0]}"
        set -e
        [ "$mypy_rc" -eq 0 ] || failed="$failed mypy"
        # pytest ARGS...: one run; a failure (or no test run at all) is recorded in $failed.
        run_pytest() {
            say "python -m pytest -q $*"
            local rc=0
            "$VENV/bin/python" -m pytest -q "$@" || rc=$?
            case "$rc" in
                0) ;;
                5)
                    echo "setup: error: pytest ran no test (exit 5): none collected under" \
                        "tests/, or all deselected by the arguments given" >&2
                    failed="$failed pytest(no-tests)"
                    ;;
                *) failed="$failed pytest" ;;
            esac
        }
        if [ "$#" -gt 0 ]; then
            run_pytest "$@"
        else
            # The whole suite in two runs. First everything but the FRR lab, one worker per
            # core (pytest-xdist; whole files per worker, so module fixtures are built once
            # and Hypothesis databases are not shared mid-file). Then the real-time FRR lab
            # tests alone: they start daemons on fixed loopback addresses and compare their
            # timing with the model's, which a busy neighbour would move.
            # PYTEST_XDIST_AUTO_NUM_WORKERS sets the worker count.
            run_pytest -n auto --dist loadfile -m "not frr_lab"
            run_pytest -m frr_lab
        fi
        if [ -n "$failed" ]; then
            echo "setup: FAILED:$failed" >&2
            exit 1
        fi
        say "ok: ruff, mypy and pytest passed"
        ;;
esac
