"""The contract suite's own test: it passes on the reference and catches broken backends.

Each broken backend of ``broken_backends.py`` runs the whole storage contract in a pytester
subprocess (fresh interpreter; 10 examples, no shrinking) and must fail the named test.
"""

import importlib.util
import pathlib

import pytest

BROKEN_FILE = pathlib.Path(__file__).with_name("broken_backends.py")
_spec = importlib.util.spec_from_file_location("broken_backends", BROKEN_FILE)
broken_backends = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(broken_backends)
BROKEN = broken_backends.BROKEN

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
from broken_backends import {cls}
from fengqiao_core.testing.contracts import StorageContract

class TestBroken(StorageContract):
    @pytest.fixture
    def make_backend(self):
        return {cls}
"""


@pytest.fixture
def suite_dir(pytester):
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(broken_backends=BROKEN_FILE.read_text("utf-8"))
    return pytester


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_backend_fails_the_contract_that_names_its_fault(suite_dir, name):
    cls, catcher = BROKEN[name]
    suite_dir.makepyfile(test_broken=SUITE.format(cls=cls.__name__))
    result = suite_dir.runpytest_subprocess("-p", "no:cacheprovider", "-q", "-W", "error")
    failed = {
        line.split("::")[-1].split(" ")[0] for line in result.outlines if line.startswith("FAILED")
    }
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert any(test.split("[")[0] == catcher for test in failed), result.stdout.str()[-3000:]


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
            "*known gap: not today*",
            "*no failing configuration given (override make_failing_backend)*",
        ]
    )
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 2
    assert outcomes["errors"] == 5
