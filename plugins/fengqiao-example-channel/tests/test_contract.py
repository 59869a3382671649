"""The jsonl channel passes the kit's channel contract, built through its entry point."""

import json

import pytest

from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import BackendContext
from fengqiao_core.testing.contracts import ChannelContract


def open_channel(path):
    return Plugins().open_backend("channel", BackendContext(f"jsonl://{path}", None, None))


class TestJsonLinesChannel(ChannelContract):
    @pytest.fixture
    def make_backend(self, tmp_path):
        return open_channel(tmp_path / "out.jsonl")

    @pytest.fixture
    def delivered(self, tmp_path):
        def ids():
            path = tmp_path / "out.jsonl"
            lines = path.read_text("utf-8").splitlines() if path.is_file() else []
            return [json.loads(line)["id"] for line in lines]

        return ids

    @pytest.fixture
    def make_failing_backend(self, tmp_path):
        channel = open_channel(tmp_path / "out.jsonl")
        (tmp_path / "out.jsonl").mkdir()
        return channel
