"""The benchmark harness on fake benchmarks: JSON line format, goal/met logic, CLI exit codes."""

import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import __main__ as cli  # noqa: E402
from benchmarks import harness  # noqa: E402
from benchmarks.harness import Benchmark, Measurement  # noqa: E402

KEYS = ["name", "ours", "baseline", "unit", "ratio", "goal", "met"]


@pytest.fixture
def registry(monkeypatch):
    fresh = {}
    monkeypatch.setattr(harness, "REGISTRY", fresh)
    monkeypatch.setattr(cli, "discover", lambda: None)
    return fresh


def fixed(ours, baseline, unit="µs"):
    return lambda quick: Measurement(ours / 10 if quick else ours, baseline, unit)


@pytest.mark.parametrize(
    ("goal", "ratio", "met"),
    [
        ("<= 3.0", 2.9, True),
        ("<= 3.0", 3.0, True),
        ("<= 3.0", 3.01, False),
        ("< 1", 1.0, False),
        (">= 0.5", 0.5, True),
        (">= 0.5", 0.49, False),
        ("> 0.5", 0.51, True),
        ("<= 3.0", math.nan, False),
    ],
)
def test_goal_judges_the_ratio(goal, ratio, met):
    assert Benchmark("x", goal, fixed(1, 1)).met(ratio) is met


@pytest.mark.parametrize("goal", ["3.0", "== 3", "<= three", "<=3"])
def test_malformed_goals_are_refused(registry, goal):
    with pytest.raises(ValueError, match="goal"):
        harness.benchmark("fake.bad", goal=goal)


def test_a_name_registers_once(registry):
    harness.benchmark("fake.once", goal="<= 1")(fixed(1, 1))
    with pytest.raises(ValueError, match="twice"):
        harness.benchmark("fake.once", goal="<= 1")(fixed(1, 1))


def test_json_lines_have_the_targets_format(registry, capsys):
    harness.benchmark("fake.fast", goal="<= 3.0")(fixed(20.0, 10.0))
    harness.benchmark("fake.slow", goal="<= 3.0")(fixed(50.0, 10.0))
    harness.benchmark("fake.rate", goal=">= 0.5")(fixed(400.0, 1000.0, "rows/s"))
    harness.benchmark("other.P1", goal="<= 1")(fixed(1.0, 1.0))

    assert cli.main(["--json", "fake"]) == 0

    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [list(line) for line in lines] == [KEYS] * 3
    by_name = {line["name"]: line for line in lines}
    assert by_name["fake.fast"] == {
        "name": "fake.fast",
        "ours": 20.0,
        "baseline": 10.0,
        "unit": "µs",
        "ratio": 2.0,
        "goal": "<= 3.0",
        "met": True,
    }
    assert by_name["fake.slow"]["ratio"] == 5.0
    assert by_name["fake.slow"]["met"] is False
    assert by_name["fake.rate"]["ratio"] == 0.4
    assert by_name["fake.rate"]["met"] is False
    assert "2 missed" in err
    assert "MISSED: fake.rate, fake.slow" in err


def test_quick_mode_reaches_the_benchmark(registry, capsys):
    harness.benchmark("fake.sized", goal="<= 3.0")(fixed(50.0, 10.0))
    assert cli.main(["--json", "--quick", "fake.sized"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["ours"] == 5.0
    assert line["met"] is True


def test_table_names_missed_goals(registry, capsys):
    harness.benchmark("fake.slow", goal="<= 3.0")(fixed(50.0, 10.0))
    assert cli.main(["fake.slow"]) == 0
    out = capsys.readouterr().out
    assert "MISSED" in out.splitlines()[1]
    assert "0 met, 1 missed (MISSED: fake.slow)" in out


def test_unknown_selector_is_a_usage_error(registry):
    harness.benchmark("fake.one", goal="<= 1")(fixed(1.0, 1.0))
    with pytest.raises(SystemExit) as info:
        cli.main(["nothing.matches"])
    assert info.value.code == 2


def test_a_failing_benchmark_exits_1_and_the_others_still_run(registry, capsys):
    def broken(quick):
        raise RuntimeError("boom")

    harness.benchmark("fake.broken", goal="<= 1")(broken)
    harness.benchmark("fake.fine", goal="<= 1")(fixed(1.0, 1.0))
    assert cli.main(["--json", "fake"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out)["name"] == "fake.fine"
    assert "fake.broken: FAILED" in err
    assert "RuntimeError: boom" in err


def test_interleave_takes_medians_of_alternating_rounds():
    calls = []
    ours = iter([5.0, 1.0, 3.0])
    theirs = iter([2.0, 2.0, 9.0])

    def mine():
        calls.append("ours")
        return next(ours)

    def baseline():
        calls.append("baseline")
        return next(theirs)

    assert harness.interleave(mine, baseline, 3) == (3.0, 2.0)
    assert calls == ["ours", "baseline", "baseline", "ours", "ours", "baseline"]


def test_discover_registers_every_bench_module():
    harness.discover()
    peers = {"converter.P3.pydantic", "converter.P3.trusted", "sqlite.P1.eventsourcing"}
    assert {"converter.P3", "import.P7", *peers} <= set(harness.REGISTRY)


def test_a_skipped_benchmark_says_why_and_does_not_fail(registry, capsys):
    def unavailable(quick):
        raise harness.Skipped("no server here")

    registry["fake.skip"] = Benchmark("fake.skip", ">= 1", unavailable)
    assert cli.main(["fake.skip"]) == 0
    assert "fake.skip: skipped (no server here)" in capsys.readouterr().err
