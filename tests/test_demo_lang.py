"""``fengqiao demo --lang zh|en``: every line in one language; the delivered messages readable.

The demo runs end to end (stories, a small simulated plan instead of the two years, the KPI
table, the scorecard, the article's figures, the charts) once per language.
"""

import json
import re

import pytest
from typer.testing import CliRunner

import fengqiao_core.testing.simulation as simulation
from fengqiao_core.cli.commands import app
from fengqiao_core.cli.messages import MESSAGES_FILE
from fengqiao_core.station.file import load_station_config
from test_simulation import SMALL

runner = CliRunner()
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
CONFIG = load_station_config("miaoshan")
NAMES = sorted(
    {CONFIG.station.parent or "-"}
    | {
        x.name
        for x in (
            CONFIG.station, *CONFIG.places, *CONFIG.forces, *CONFIG.departments,
            *CONFIG.mediation_panels, *CONFIG.police_grids, *CONFIG.vanguard_teams,
        )
    },
    key=len,
    reverse=True,
)  # fmt: skip
"""Declared names (of places, bodies, grids): data, shown as declared in either language."""


def _demo(lang, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"demo-{lang}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(simulation, "MIAOSHAN_PLAN", SMALL)
        result = runner.invoke(app, ["demo", "--out", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    return lang, out, result.stdout, result.stderr


@pytest.fixture(scope="module")
def zh_demo(tmp_path_factory):
    return _demo("zh", tmp_path_factory)


@pytest.fixture(scope="module")
def en_demo(tmp_path_factory):
    return _demo("en", tmp_path_factory)


def _without_paths(text: str) -> str:
    return re.sub(r"\S*/\S*", " ", text)


def test_zh_output_has_no_english_words_or_keys(zh_demo):
    """``--lang zh``: beside ids (O01, PG01, T-V01, pc-coworker), the station id, quoted
    channel names and units, no Latin word is printed: no category key, severity or role."""
    _, _, stdout, stderr = zh_demo
    text = _without_paths(stdout + stderr)
    assert "help_request:lost_property" not in text
    assert "[general]" not in text
    text = re.sub(r"'[a-z_]+'", " ", text)  # a channel's name, as configured
    text = re.sub(r"^\([a-f]\) ", " ", text, flags=re.MULTILINE)  # the stories' letters
    words = set(re.findall(r"[A-Za-z][A-Za-z0-9_\-+]*", text))
    ids = {w for w in words if re.search(r"[0-9\-]", w) or w.isupper()}
    assert words - ids <= {CONFIG.station.id, "km", "h"}, sorted(words - ids)
    for expected in (
        "六个案例",
        "枫桥式评价",
        "文章数据",
        "L5 联动方案",
        "失物寻找",
        "模拟",
        "个警格划分",
    ):
        assert expected in text


def test_en_output_gives_chinese_only_beside_its_translation(en_demo):
    """``--lang en``: Chinese appears only in declared names or in brackets after the English
    term it translates, e.g. ``One body (一体)``."""
    _, _, stdout, stderr = en_demo
    text = stdout + stderr
    for name in NAMES:
        text = text.replace(name, " ")
    beside = re.sub(r"\([^()]*\)", " ", text)
    assert not CJK.search(beside), [line for line in beside.splitlines() if CJK.search(line)]
    for expected in ("The six stories", "Scorecard", "L5 joint-action plan", "lost property"):
        assert expected in text


@pytest.mark.parametrize("which", ["zh_demo", "en_demo"])
def test_the_delivered_messages_are_written_masked_and_counted(which, request):
    """The messages the stories deliver are in ``messages.jsonl`` (text masked), and the
    summary line gives their number and the file."""
    lang, out, stdout, _ = request.getfixturevalue(which)
    path = out / MESSAGES_FILE
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert records, "the stories deliver messages"
    fields = {"id", "target", "created_at", "attempts", "last_error", "text"}
    assert all(set(r) == fields for r in records)
    assert all(re.fullmatch(r"<redacted:\d+ chars>", r["text"]) for r in records)
    count = f"{len(records)} 条" if lang == "zh" else f"{len(records)} messages delivered"
    line = next(x for x in stdout.splitlines() if str(path) in x)
    assert count in line
