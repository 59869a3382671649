"""The channel contract's delivery check on real channels, observed as the docs show."""

import json

import pytest
from fengqiao_example_channel import JsonLinesChannel

from fengqiao_core.testing.contracts import ChannelContract, DeliverySink


def read_ids(path):
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    return [json.loads(line)["id"] for line in lines]


class TestJsonLinesChannelObserved(ChannelContract):
    @pytest.fixture
    def make_backend(self, tmp_path):
        return JsonLinesChannel(tmp_path / "out.jsonl")

    @pytest.fixture
    def make_failing_backend(self, tmp_path):
        (tmp_path / "blocked").mkdir()
        return JsonLinesChannel(tmp_path / "blocked")

    @pytest.fixture
    def delivered(self, tmp_path):
        return lambda: read_ids(tmp_path / "out.jsonl")


def test_a_sink_records_arrivals_in_order_from_many_threads():
    import threading

    from fengqiao_core.testing.contracts._data import message

    sink = DeliverySink()
    threads = [
        threading.Thread(target=lambda n=n: [sink.record(message(f"{n}-{i}")) for i in range(50)])
        for n in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = sink.ids()
    assert sorted(ids) == sorted(f"{n}-{i}" for n in range(4) for i in range(50))
    assert [m.id for m in sink.messages()] == ids
    assert [i for i in ids if i.startswith("2-")] == [f"2-{i}" for i in range(50)]
