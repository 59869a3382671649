"""The wecom channel passes the kit's channel contract against the local fake robot API."""

import pytest

from fengqiao_core.testing.contracts import ChannelContract


class TestWeComChannel(ChannelContract):
    @pytest.fixture
    def make_backend(self, make_channel):
        return make_channel()

    @pytest.fixture
    def make_failing_backend(self, make_channel):
        return make_channel(groups={"group-1": "ffffffff-dead-4000-8000-00000000dead"})
