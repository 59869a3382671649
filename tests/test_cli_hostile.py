"""Every CLI command on a store seeded with hostile text prints no raw control character.

The hostile strings (``tests/data/hostile_strings.json``: ESC/CSI/OSC sequences, C1 controls,
U+202E and other bidi controls, ZWJ, NUL, CR LF, Rich markup, astral CJK, 10,000 characters)
are typed into every stored text field a person types — descriptions, names, participant
reasons, session summaries, the feedback comment, inscriptions — through the
station's public use cases on SQLite; then every command runs and stdout and stderr are
searched for raw control, bidi and format characters.
"""

import json
import re
import sys
import unicodedata
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fengqiao_core import model as m
from fengqiao_core.cli import output
from fengqiao_core.cli.commands import app, main
from fengqiao_core.errors import escape_controls
from fengqiao_core.model.personal import FreeText, PersonName, PhoneNumber
from fengqiao_core.plugins import PluginInfo, Plugins
from station_helpers import MIAOSHAN, OFFICER, SECRET, draft, station

DATA = json.loads((Path(__file__).parent / "data" / "hostile_strings.json").read_text("ascii"))
HOSTILE: list[str] = DATA["stored"]
UNSTORABLE: list[str] = DATA["output_only"]
ROUTES = ("arbitration", "administrative", "judicial")
RAW = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0000-\U000e007f]"
)
STATION_NAME = (  # station file names are at most 200 characters
    "湖西\x1b[2J\x1b]0;pwned title\x07\x9b2J\x85 \u202egnp.exe \u2066\u200d\x00\r\n"
    "forged [bold]x[/] 𠀀"
)
runner = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb", "FENGQIAO_SECRET": SECRET.decode()})


def assert_terminal_safe(text: str) -> None:
    """No raw C0/C1 control (but newline and tab), bidi or format character, no surrogate."""
    found = RAW.findall(text) + [c for c in text if unicodedata.category(c) in ("Cf", "Cs")]
    assert not found, f"raw characters reached the terminal: {sorted(set(map(ascii, found)))}"


def assert_clean(result) -> None:  # type: ignore[no-untyped-def]
    assert_terminal_safe(result.stdout)
    assert_terminal_safe(result.stderr)


def _seed(db: Path) -> None:
    """Hostile text in every field a person types, through the public use cases only.

    Reasons, comments, summaries and inscriptions are capped at 4,000 characters by the use
    cases: the 10,000-character string goes into names and descriptions whole, there cut.
    """
    typed = [h[:4000] for h in HOSTILE]
    config = MIAOSHAN.with_backends(storage=f"sqlite:///{db}")
    s, clock = station(config)
    with s:
        parties = tuple(
            m.Party(id=f"p{i}", name=PersonName(h), phone=PhoneNumber("13700000009"))
            for i, h in enumerate(HOSTILE)
        )
        help_request = draft(
            m.MatterKind.HELP_REQUEST,
            reference="hostile-a",
            description=FreeText(HOSTILE[0]),
            parties=parties,
        )
        a = s.report(OFFICER, help_request)
        for h in typed:  # roles and rules are codes now: the reason is free
            clock.advance(minutes=1)
            linkage = m.Linkage.JOINT_GOVERNANCE
            s.involve(
                OFFICER, a.id, ref="judicial_office", role="guarantor", linkage=linkage,
                rule="L6", reason=h,
            )  # fmt: skip
        for name in ("triage", "dispatch", "arrive", "resolve"):
            clock.advance(minutes=5)
            getattr(s, name)(OFFICER, a.id)
        s.feedback(OFFICER, a.id, score=5, comment=HOSTILE[1])
        for h in typed:
            s.commend(OFFICER, a.id, recipient="O01", inscription=h)
        for i, (h, whole) in enumerate(zip(typed, HOSTILE, strict=True)):
            d = s.report(
                OFFICER,
                draft(m.MatterKind.DISPUTE, description=FreeText(whole), reference=f"hostile-{i}"),
            )
            clock.advance(minutes=1)
            s.register(OFFICER, d.id)
            if i % 3 == 0:
                s.reject(OFFICER, d.id, reason=h)
                continue
            s.accept(OFFICER, d.id)
            s.assign(OFFICER, d.id)
            s.escalate(OFFICER, d.id, reason=h)
            s.assign(OFFICER, d.id)
            s.record_session(OFFICER, d.id, summary=h)
            if i % 3 == 1:
                s.fail(OFFICER, d.id, reason=h)
                s.terminate(OFFICER, d.id, routes_told=ROUTES)
                s.refer(OFFICER, d.id, to="people_court", reason=h)
            else:
                s.withdraw(OFFICER, d.id, reason=h)
        assert s.verify_audit(m.Actor("AU1", m.Role.AUDITOR)) is None


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("hostile") / "station.db"
    _seed(db)
    return db


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _station_file(folder: Path, name: str) -> Path:
    """The lakeside station file with ``name`` for the station, a police grid and places."""
    source = (Path(__file__).parent / "data" / "lakeside.toml").read_text("utf-8")
    for old in ("湖西派出所", "北警务区", "柳岸社区", "柳岸小区"):
        source = source.replace(f'"{old}"', _toml_string(name), 1)
    path = folder / "hostile.toml"
    path.write_text(source, "utf-8")
    return path


def test_the_hostile_list_holds_what_it_promises():
    text = "".join(HOSTILE)
    for needle in ("\x1b[", "\x1b]", "\x9b", "\u202e", "\u200d", "\x00", "\r\n", "\U00020000"):
        assert needle in text
    assert max(map(len, HOSTILE)) >= 10_000
    assert any("\ud800" in s for s in UNSTORABLE)


def test_help_is_clean():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert_clean(result)


def test_demo_on_the_hostile_store_is_clean(seeded, tmp_path):
    for lang in ("en", "zh"):
        result = runner.invoke(
            app, ["demo", "--db", str(seeded), "--out", str(tmp_path), "--lang", lang]
        )
        assert result.exit_code == 0, result.stderr
        assert_clean(result)
        assert "(f)" in result.stdout  # the six stories ran beside the hostile matters


def test_check_refuses_hostile_names_and_says_so_escaped(tmp_path):
    path = _station_file(tmp_path, STATION_NAME)
    text = runner.invoke(app, ["check", str(path)])
    assert text.exit_code == 1
    assert_clean(text)
    assert "\\x1b]0;pwned title\\x07" in text.stderr
    as_json = runner.invoke(app, ["check", str(path), "--json"])
    assert as_json.exit_code == 1
    assert_clean(as_json)
    assert json.loads(as_json.stdout)["error"]["kind"] == "validation"


def test_check_prints_a_markup_name_literally(tmp_path):
    name = "[bold red]湖西[/] [link=https://example.invalid]所[/link] :police_car:"
    text = runner.invoke(app, ["check", str(_station_file(tmp_path, name))])
    assert text.exit_code in (0, 1), text.stderr
    assert_clean(text)
    assert name in text.stdout
    as_json = runner.invoke(app, ["check", str(_station_file(tmp_path, name)), "--json"])
    assert json.loads(as_json.stdout)["station"]["name"] == name


def test_a_missing_hostile_file_name_is_echoed_escaped(tmp_path):
    missing = tmp_path / "\x1b[2Jgone\u202e\x9b.toml"
    text = runner.invoke(app, ["check", str(missing)])
    assert text.exit_code == 2
    assert_clean(text)
    assert "\\x1b[2Jgone\\u202e\\x9b.toml" in text.stderr
    as_json = runner.invoke(app, ["check", str(missing), "--json"])
    assert as_json.exit_code == 2
    assert_clean(as_json)
    assert escape_controls(str(missing)) in json.loads(as_json.stdout)["error"]["message"]


def test_plugins_print_hostile_plugin_strings_as_plain_text(monkeypatch):
    everything = [*HOSTILE, *UNSTORABLE]
    infos = [
        PluginInfo(name=h, distribution=h, version=h, hooks=(h,), backends=(("channel", h),))
        for h in everything
    ]
    monkeypatch.setattr(Plugins, "describe", lambda self: infos)
    table = runner.invoke(app, ["plugins"])
    assert table.exit_code == 0
    assert_clean(table)
    assert "\\x1b]0;pwned" in table.stdout
    as_json = runner.invoke(app, ["plugins", "--json"])
    assert as_json.exit_code == 0
    assert_clean(as_json)
    assert [p["name"] for p in json.loads(as_json.stdout)] == everything


def test_backup_of_the_hostile_store_to_a_hostile_name(seeded, tmp_path):
    copy = tmp_path / "\x1b]0;copy\x07\u202e.db"
    result = runner.invoke(app, ["backup", "--db", str(seeded), "--to", str(copy)])
    assert result.exit_code == 0, result.stderr
    assert copy.exists()
    assert_clean(result)
    missing = runner.invoke(
        app, ["backup", "--db", str(tmp_path / "\x1b[2Jnone.db"), "--to", str(copy)]
    )
    assert missing.exit_code == 2
    assert_clean(missing)


def test_outbox_list_and_retry_on_the_hostile_store(seeded):
    base = ["--station", "miaoshan", "--db", str(seeded)]
    for argv in (["list", *base], ["list", *base, "--json"]):
        result = runner.invoke(app, ["outbox", *argv])
        assert result.exit_code == 0, result.stderr
        assert_clean(result)
    for extra in ([], ["--json"]):
        result = runner.invoke(app, ["outbox", "retry", "\x1b[2Jno\u202e", *base, *extra])
        assert result.exit_code in (1, 2)
        assert_clean(result)


@pytest.mark.parametrize("text", [*HOSTILE, *UNSTORABLE])
def test_the_output_layer_escapes_every_hostile_string(text, capsys):
    output.say(text)
    output.say(text, stderr=True)
    output.say(output.table(text, [text], [[text]]))
    captured = capsys.readouterr()
    assert_terminal_safe(captured.out)
    assert_terminal_safe(captured.err)
    output.say_json({"value": text})
    printed = capsys.readouterr().out
    assert_terminal_safe(printed)
    assert json.loads(printed) == {"value": text}


@pytest.mark.parametrize(
    "argv",
    [["check", "--x\u202e\u200d\x1b[2J"], ["\u202e\x1b]0;t\x07"], ["check", "a", "b\x9b\x00"]],
)
def test_typer_usage_errors_quote_arguments_escaped(argv, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["fengqiao", *argv])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert_terminal_safe(captured.out)
    assert_terminal_safe(captured.err)
    assert "error:" in captured.err


def test_check_masks_a_phone_or_id_number_typed_into_a_name(tmp_path):
    """Names in a station file are not personal data, but the command line prints none whole."""
    path = _station_file(tmp_path, "张三13900000009家 110101199003077777")
    for args in (["check", str(path)], ["check", str(path), "--json"]):
        result = runner.invoke(app, args)
        shown = result.stdout + result.stderr
        assert "13900000009" not in shown
        assert "110101199003077777" not in shown
        assert "139****0009" in shown


def test_the_output_layer_masks_personal_numbers(capsys):
    output.say("call 13800138000 or 027-87654321")
    output.say(output.table("t", ["h"], [["420115199001011234"]]))
    output.say_json({"phone": "13800138000", "cell": "420115101008001", "count": 13800138000})
    printed = capsys.readouterr().out
    lines, document = printed[: printed.index("{")], json.loads(printed[printed.index("{") :])
    assert "13800138000" not in lines
    assert "138****8000" in lines
    assert "027-****4321" in lines
    assert "420115********1234" in lines
    assert document == {"phone": "138****8000", "cell": "420115101008001", "count": 13800138000}


@pytest.mark.parametrize(
    "kept",
    [
        "19145716455baa078bdb17f6",  # a matter id with a phone-like run of digits
        "5c8e13812345678aa0f2e9d4c1b7a6f5e4d3c2b1a0918273645546372819a0bc",  # a digest
        "420115401001001",  # a grid code of a unit numbered 401, like a 1940 ID number
        "2026-11-02T10:00:00+08:00",
    ],
)
def test_the_output_layer_keeps_ids_digests_codes_and_times_whole(kept, capsys):
    output.say(f"matter {kept}")
    output.say_json({kept: kept})
    printed = capsys.readouterr().out
    assert printed.startswith(f"matter {kept}\n")
    assert json.loads(printed[printed.index("{") :]) == {kept: kept}


def test_a_hostile_placeholder_character_does_not_unmask(capsys):
    output.say("\ue0000\ue001 13800138000 abc")
    assert "13800138000" not in capsys.readouterr().out
