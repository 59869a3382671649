"""The contract kit's own tests: it passes correct backends and fails every planted broken one.

The planted backends live in ``broken_backends.py`` (storage) and ``broken_ports.py`` (grid,
volunteers, channel). One pytester subprocess per port runs, for each broken backend, the
contract test expected to catch it and, for each correct control, every such test; every
broken backend must fail and every control pass. With ``--run-slow`` each broken backend runs
the *whole* contract instead, which it must fail somewhere.
"""

import importlib.util
import pathlib

import pytest

HERE = pathlib.Path(__file__).parent


def _load(name):
    spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


broken_backends = _load("broken_backends")
broken_ports = _load("broken_ports")

ISSUE_16_FAULTS = {
    "lost_last_event_of_a_batch",
    "lost_last_matter_of_a_batch",
    "capped_new_matters_per_commit",
    "ignored_expected_version",
    "aggregate_off_by_one_in_one_group",
    "aggregate_drops_the_none_group",
    "noop_rollback",
    "writes_visible_before_commit",
    "stream_skips_every_nth_row",
    "stream_drops_the_last_page",
    "stream_out_of_the_promised_order",
    "stream_repeats_rows_across_pages",
}

CONFTEST = """
from hypothesis import Phase, settings

pytest_plugins = ["fengqiao_core.testing"]

def pytest_configure(config):
    settings.register_profile(
        "selftest",
        deadline=None,
        max_examples=10,
        stateful_step_count=10,
        phases=[Phase.explicit, Phase.generate],
        database=None,
    )
    settings.load_profile("selftest")
"""

SUITE = """
import pytest
from {module} import {broken}, {correct}
from fengqiao_core.testing.contracts import {contract}

FIXTURES = {{
{fixtures}
}}

def _class(prefix, name, backend):
    body = {{
        fixture: pytest.fixture(name=fixture)(make(backend)) for fixture, make in FIXTURES.items()
    }}
    globals()[prefix + name] = type(prefix + name, ({contract},), body)

for _name, (_backend, _) in {broken}.items():
    _class("TestBroken_", _name, _backend)
for _name, _backend in {correct}.items():
    _class("TestCorrect_", _name, _backend)
"""

PORTS = {
    "storage": {
        "module": "broken_backends",
        "broken": "BROKEN",
        "correct": "CORRECT",
        "contract": "StorageContract",
        "fixtures": '    "make_backend": lambda cls: lambda self: cls,',
    },
    "grid": {
        "module": "broken_ports",
        "broken": "BROKEN_GRIDS",
        "correct": "CORRECT_GRIDS",
        "contract": "GridContract",
        "fixtures": '    "make_backend": lambda cls: lambda self, grid_station: cls(grid_station),',
    },
    "volunteers": {
        "module": "broken_ports",
        "broken": "BROKEN_VOLUNTEERS",
        "correct": "CORRECT_VOLUNTEERS",
        "contract": "VolunteerContract",
        "fixtures": '    "make_backend": lambda cls: lambda self: cls,',
    },
    "channel": {
        "module": "broken_ports",
        "broken": "BROKEN_CHANNELS",
        "correct": "CORRECT_CHANNELS",
        "contract": "ChannelContract",
        "fixtures": "\n".join(
            [
                '    "make_backend": lambda cls: lambda self, sink: cls(sink),',
                '    "make_failing_backend": lambda cls: lambda self: cls(None),',
                '    "delivered": lambda cls: lambda self, sink: sink.ids,',
            ]
        ),
    },
}


def _planted(port):
    spec = PORTS[port]
    module = broken_backends if spec["module"] == "broken_backends" else broken_ports
    return getattr(module, spec["broken"]), getattr(module, spec["correct"])


def _failures(result):
    """Class name → names of the tests that failed or errored in it."""
    failed = {}
    for line in result.outlines:
        if line.startswith(("FAILED ", "ERROR ")) and "::" in line:
            node = line.split(" ", 1)[1].split(" - ")[0]
            parts = node.split("::")
            if len(parts) >= 3:
                failed.setdefault(parts[1], set()).add(parts[2].split("[")[0])
    return failed


def _run(pytester, port, whole):
    broken, correct = _planted(port)
    pytester.makeconftest(CONFTEST)
    for name in ("broken_backends", "broken_ports"):
        pytester.makepyfile(**{name: (HERE / f"{name}.py").read_text("utf-8")})
    pytester.makepyfile(test_planted=SUITE.format(**PORTS[port]))
    catchers = sorted({catcher for _, catcher in broken.values()})
    if whole:
        nodes = [f"test_planted.py::TestBroken_{name}" for name in broken]
    else:
        nodes = [
            *(f"test_planted.py::TestBroken_{n}::{catcher}" for n, (_, catcher) in broken.items()),
            *(f"test_planted.py::TestCorrect_{n}::{c}" for n in correct for c in catchers),
        ]
    result = pytester.runpytest_subprocess(
        *nodes, "-p", "no:cacheprovider", "-p", "no:randomly", "-q", "-rfE", "-W", "error"
    )
    return broken, correct, _failures(result), result


def _judge(broken, correct, failed, result, whole):
    tail = result.stdout.str()[-4000:]
    passed = [name for name in broken if not failed.get(f"TestBroken_{name}")]
    assert not passed, f"planted backends that pass the contract: {passed}\n{tail}"
    if not whole:
        missed = [
            name
            for name, (_, catcher) in broken.items()
            if catcher not in failed.get(f"TestBroken_{name}", set())
        ]
        assert not missed, f"not caught by the expected test: {missed}\n{tail}"
        wronged = {n: failed[f"TestCorrect_{n}"] for n in correct if f"TestCorrect_{n}" in failed}
        assert not wronged, f"correct controls failed: {wronged}\n{tail}"


def test_every_fault_class_of_issue_16_has_a_planted_backend():
    assert set(broken_backends.BROKEN) >= ISSUE_16_FAULTS


@pytest.mark.parametrize("port", sorted(PORTS))
def test_each_planted_backend_fails_and_each_control_passes(pytester, port):
    broken, correct, failed, result = _run(pytester, port, whole=False)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    _judge(broken, correct, failed, result, whole=False)


@pytest.mark.slow
@pytest.mark.parametrize("port", sorted(PORTS))
def test_no_planted_backend_passes_the_whole_contract(pytester, port):
    broken, correct, failed, result = _run(pytester, port, whole=True)
    _judge(broken, correct, failed, result, whole=True)


def test_known_gaps_skip_with_their_reason_and_must_name_real_tests(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        test_gaps="""
import pytest
from fengqiao_core.builtin.log_channel import LogChannel
from fengqiao_core.testing.contracts import ChannelContract

class TestGap(ChannelContract):
    known_gaps = {"test_delivery_is_reported": "not today"}

    @pytest.fixture
    def make_backend(self):
        return LogChannel()

class TestTypo(ChannelContract):
    known_gaps = {"test_no_such_thing": "typo"}

    @pytest.fixture
    def make_backend(self):
        return LogChannel()
"""
    )
    result = pytester.runpytest_subprocess("-rs", "-p", "no:cacheprovider")
    result.stdout.fnmatch_lines(
        [
            "*known_gaps names tests that do not exist: test_no_such_thing*",
            "*the contract cannot see deliveries: override the delivered fixture*",
            "*known gap: not today*",
            "*no failing configuration given (override make_failing_backend)*",
        ]
    )
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 2
    from fengqiao_core.testing.contracts import ChannelContract

    every_test = [name for name in dir(ChannelContract) if name.startswith("test_")]
    assert outcomes["errors"] == len(every_test)  # the typo'd class errors on each of them
