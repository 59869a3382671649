import datetime as dt
import importlib.metadata
import json

import pytest
from fengqiao_example_channel import JsonLinesChannel

from fengqiao_core.errors import ConfigurationError
from fengqiao_core.model.personal import FreeText
from fengqiao_core.plugins import Plugins
from fengqiao_core.ports import OutboxMessage

AT = dt.datetime(2026, 11, 28, 9, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def test_installed_as_a_distribution_with_an_entry_point():
    eps = importlib.metadata.entry_points(group="fengqiao_core", name="example_channel")
    assert [ep.value for ep in eps] == ["fengqiao_example_channel"]
    assert importlib.metadata.version("fengqiao-example-channel") == "0.1.0"


def test_found_through_discovery_with_its_backend_and_pillar():
    plugins = Plugins()
    info = {i.name: i for i in plugins.describe()}["example_channel"]
    assert info.distribution == "fengqiao-example-channel"
    assert info.backends == (("channel", "jsonl"),)
    assert "micro_patrol" in plugins.micro_pillars()
    assert plugins.backend("channel", "jsonl:///tmp/x.jsonl").name == "jsonl"


def test_appends_masked_lines(tmp_path):
    channel = JsonLinesChannel(tmp_path / "out.jsonl")
    message = OutboxMessage(
        id="m1", target="group-1", text=FreeText("张三 13800001111"), created_at=AT
    )
    result = channel.send(message)
    assert result.delivered
    line = json.loads((tmp_path / "out.jsonl").read_text("utf-8"))
    assert line["text"] == f"<redacted:{len(message.text.reveal())} chars>"
    assert "13800001111" not in line["text"]


def test_unwritable_file_is_reported_not_raised(tmp_path):
    channel = JsonLinesChannel(tmp_path / "missing" / "out.jsonl")
    message = OutboxMessage(id="m1", target="g", text=FreeText("x"), created_at=AT)
    result = channel.send(message)
    assert not result.delivered
    assert result.retry


def test_missing_folder_is_a_configuration_error(tmp_path):
    from fengqiao_core.ports import BackendContext

    with pytest.raises(ConfigurationError, match="does not exist"):
        JsonLinesChannel.from_context(BackendContext(f"jsonl://{tmp_path}/no/x.jsonl", None, None))
