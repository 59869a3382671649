from typer.testing import CliRunner

from fengqiao_core.cli import app

runner = CliRunner()
INVENTED = ("林晓雨", "方志强", "孟凡东", "韩秋生", "宋桂兰", "许静", "13700000001", "13700000005")


def test_demo_runs_the_six_stories_in_chinese_without_personal_data():
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.stdout
    for key in "abcdef":
        assert f"({key})" in result.stdout
    assert "越过层级上限，矛盾上交" in result.stdout
    assert "部门化解" in result.stdout
    assert "messages delivered" in result.stdout
    assert not any(value in result.stdout for value in INVENTED)


def test_demo_in_english():
    result = runner.invoke(app, ["demo", "--lang", "en"])
    assert result.exit_code == 0
    assert "ceiling breached; counts against 矛盾不上交" in result.stdout
    assert "joint_mediation [L4]" in result.stdout


def test_demo_refuses_an_unknown_language():
    result = runner.invoke(app, ["demo", "--lang", "fr"])
    assert result.exit_code == 2
