"""The built-in backends pass every contract of the kit."""

from typing import ClassVar

import pytest

from fengqiao_core.builtin.declared_grid import DeclaredGrid
from fengqiao_core.builtin.declared_volunteers import DeclaredVolunteers
from fengqiao_core.builtin.log_channel import LogChannel
from fengqiao_core.builtin.memory import MemoryStorage
from fengqiao_core.testing.contracts import (
    ChannelContract,
    GridContract,
    StorageContract,
    VolunteerContract,
)


class TestMemoryStorage(StorageContract):
    @pytest.fixture
    def make_backend(self):
        return MemoryStorage


class TestDeclaredGrid(GridContract):
    @pytest.fixture
    def make_backend(self, grid_station):
        return DeclaredGrid(grid_station)


class TestDeclaredVolunteers(VolunteerContract):
    @pytest.fixture
    def make_backend(self):
        return DeclaredVolunteers


class TestLogChannel(ChannelContract):
    known_gaps: ClassVar[dict[str, str]] = {
        "test_failures_are_reported_not_raised": "the log channel cannot fail",
        "test_failure_details_hold_no_message_text": "the log channel cannot fail",
    }

    @pytest.fixture
    def make_backend(self):
        return LogChannel()

    @pytest.fixture
    def delivered(self, make_backend):
        return lambda: [message.id for message in make_backend.sent]
