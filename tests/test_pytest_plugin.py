"""The pytest plugin (docs/ci.md): zone files as test items, the ``bgpcascade`` fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from bgpcascade.properties.library import DEFAULT_PROPERTIES

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "examples"


def _copy(pytester: pytest.Pytester, *names: str) -> None:
    for name in names:
        src = EXAMPLES / name
        (pytester.path / "zones").mkdir(exist_ok=True)
        (pytester.path / "zones" / src.name).write_text(src.read_text())


def test_zone_files_are_collected_and_a_cascade_fails_with_its_replay(
        pytester: pytest.Pytester) -> None:
    _copy(pytester, "unsafe/appliance-shard-cascade.yaml", "safe/lab.yaml")
    (pytester.path / "zones" / "notes.yaml").write_text("just: a yaml file\n")
    r = pytester.runpytest_subprocess("--bgpcascade", "zones", "-p", "no:cacheprovider",
                                      "--bgpcascade-arg=--horizon=200", "-v")
    n = len(DEFAULT_PROPERTIES)  # one item per default property and zone
    r.assert_outcomes(passed=n, failed=n)  # lab holds; the appliance zone does not
    out = r.stdout.str()
    assert "appliance-shard-cascade.yaml::no_cascade[sim] FAILED" in out
    assert "lab.yaml::no_zone_outage=0.5[sim] PASSED" in out
    assert "replay: bgpcascade simulate" in out and "counterexample zone:" in out
    assert "notes.yaml" not in out  # not a zone file


def test_without_the_flag_zone_files_are_not_collected(pytester: pytest.Pytester) -> None:
    _copy(pytester, "safe/lab.yaml")
    r = pytester.runpytest_subprocess("zones", "-p", "no:cacheprovider")
    assert r.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_a_bad_zone_file_is_one_failing_item_with_one_line(pytester: pytest.Pytester) -> None:
    (pytester.path / "bad.yaml").write_text("zone: bad\nshards: [{name: a, clients: -1}]\n")
    r = pytester.runpytest_subprocess("--bgpcascade", "bad.yaml", "-p", "no:cacheprovider")
    r.assert_outcomes(failed=1)
    assert "bad.yaml:2" in r.stdout.str()


def test_the_fixture_runs_check_from_a_test(pytester: pytest.Pytester) -> None:
    _copy(pytester, "unsafe/appliance-shard-cascade.yaml", "safe/lab.yaml")
    pytester.makepyfile(test_mine=f'''
import pytest

from bgpcascade.properties.library import DEFAULT_PROPERTIES

def test_lab_holds(bgpcascade):
    bgpcascade.check(r"{pytester.path}/zones/lab.yaml", "--engine", "sim",
                     "--horizon", "120").assert_holds()

def test_appliance_shard_cascades(bgpcascade):
    res = bgpcascade.check(r"{pytester.path}/zones/appliance-shard-cascade.yaml",
                           "--engine", "sim", "--flap", "spine1~b-rr1@30")
    assert res.status == "VIOLATED" and res.exit_code() == 1
    with pytest.raises(AssertionError, match="replay: bgpcascade simulate"):
        res.assert_holds()
''')
    r = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    r.assert_outcomes(passed=2)
