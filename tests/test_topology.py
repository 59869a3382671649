"""Rules T1-T3 on the second station, one finding at a time."""

import pathlib
import tomllib

import pytest

from fengqiao_core.rules.findings import Finding, FindingSeverity, has_errors
from fengqiao_core.rules.topology import (
    check_t1_partition,
    check_t2_teams,
    check_t3_grid_workers,
    check_topology,
)
from fengqiao_core.station.file import load_station_config, station_config_from_dict

LAKESIDE = pathlib.Path(__file__).resolve().parent / "data" / "lakeside.toml"
ERROR, WARNING, INFO = FindingSeverity.ERROR, FindingSeverity.WARNING, FindingSeverity.INFO


def _t2(config):
    return check_t2_teams(config, config.rules)


def _t3(config):
    return check_t3_grid_workers(config, config.rules)


def data():
    return tomllib.loads(LAKESIDE.read_text("utf-8"))


def config_of(raw):
    return station_config_from_dict(raw, source="t.toml")


def not_info(findings):
    return [f for f in findings if f.severity is not INFO]


def test_lakeside_has_no_errors_or_warnings():
    lakeside = load_station_config(LAKESIDE)
    findings = check_topology(lakeside, lakeside.rules)
    assert not_info(findings) == []
    assert [f.rule for f in findings] == ["T1", "T3"]


def test_miaoshan_has_no_errors_or_warnings():
    miaoshan = load_station_config("miaoshan")
    assert not_info(check_topology(miaoshan, miaoshan.rules)) == []


def test_t1_reports_the_fan_out():
    (info,) = check_t1_partition(load_station_config(LAKESIDE))
    assert info == Finding(
        "T1", INFO, "2 police grids partition 5 grid cells (2.5 cells per police grid)"
    )


def test_t1_place_in_no_cell_is_an_error():
    raw = data()
    del raw["places"][3]["cell"]
    assert not_info(check_t1_partition(config_of(raw))) == [
        Finding("T1", ERROR, "compound willow-court (柳岸小区) lies in no grid cell")
    ]


def test_t1_settlement_lying_in_a_cell_is_an_error():
    raw = data()
    raw["places"][0]["cell"] = "330106005001001"
    assert not_info(check_t1_partition(config_of(raw))) == [
        Finding(
            "T1", ERROR, "community willow (柳岸社区) contains grid cells and cannot lie in one"
        )
    ]


def test_t1_empty_police_grid_and_settlement_without_cells_are_warnings():
    raw = data()
    raw["police_grids"].append({"id": "east", "name": "东警务区"})
    raw["places"].append({"id": "pine", "name": "松林社区", "kind": "village"})
    assert not_info(check_t1_partition(config_of(raw))) == [
        Finding("T1", WARNING, "police grid east covers no grid cell"),
        Finding("T1", WARNING, "village pine (松林社区) has no grid cell"),
    ]


def test_t1_cell_coded_for_another_division_is_a_warning():
    raw = data()
    raw["station"]["division"] = "420115"
    findings = not_info(check_t1_partition(config_of(raw)))
    assert len(findings) == 5
    assert findings[0].message == (
        "grid cell 330106005001001 is coded for division 330106, not the station's 420115"
    )


def test_t1_place_in_a_cell_of_another_community_is_a_warning():
    raw = data()
    raw["places"][3]["cell"] = "330106005002001"
    assert not_info(check_t1_partition(config_of(raw))) == [
        Finding(
            "T1",
            WARNING,
            "compound willow-court (柳岸小区) belongs to willow but lies in grid cell "
            "330106005002001 of maple",
        )
    ]


def test_t2_community_without_a_team_is_an_error():
    raw = data()
    del raw["teams"][1]
    assert _t2(config_of(raw)) == [Finding("T2", ERROR, "community maple (枫林社区) has no team")]


def test_t2_villages_need_teams_only_when_configured():
    raw = data()
    assert _t2(config_of(raw)) == []
    raw["rules"]["village_teams"] = True
    assert _t2(config_of(raw)) == [Finding("T2", ERROR, "village reed (芦荡村) has no team")]


def test_t2_two_teams_for_one_community_is_a_warning():
    raw = data()
    raw["teams"].append(dict(raw["teams"][0], id="team-willow-2"))
    assert _t2(config_of(raw)) == [Finding("T2", WARNING, "willow has 2 teams, expected one")]


def test_t2_officer_must_be_a_community_officer_serving_a_covering_police_grid():
    raw = data()
    raw["teams"][0]["officer"] = "ofc-duty"
    raw["teams"][1]["officer"] = "ofc-north"
    assert _t2(config_of(raw)) == [
        Finding(
            "T2",
            ERROR,
            "team team-willow: officer ofc-duty is a duty officer, not a community officer",
        ),
        Finding(
            "T2",
            ERROR,
            "team team-willow: officer ofc-duty serves none of the police grids covering willow "
            "(north)",
        ),
        Finding(
            "T2",
            ERROR,
            "team team-maple: officer ofc-north serves none of the police grids covering maple "
            "(south)",
        ),
    ]


def test_t2_lead_must_not_be_the_officer_and_n_is_configurable():
    raw = data()
    raw["teams"][0]["lead"] = "ofc-north"
    raw["teams"][1]["stewards"] = ["rs-4"]
    assert _t2(config_of(raw)) == [
        Finding("T2", ERROR, "team team-willow: the lead must not be the officer"),
        Finding("T2", ERROR, "team team-maple: 1 red stewards, at least 2 required"),
    ]
    raw["rules"]["team_min_stewards"] = 1
    assert _t2(config_of(raw)) == [
        Finding("T2", ERROR, "team team-willow: the lead must not be the officer")
    ]


def test_t2_steward_from_another_community_is_a_warning():
    raw = data()
    raw["teams"][0]["stewards"] = ["rs-1", "rs-4"]
    assert _t2(config_of(raw)) == [
        Finding("T2", WARNING, "team team-willow: red stewards of another community: rs-4")
    ]


def test_t3_cell_without_grid_worker_is_an_error():
    raw = data()
    raw["grid_workers"][3]["cells"] = ["330106005001001"]
    assert not_info(_t3(config_of(raw))) == [
        Finding("T3", ERROR, "grid cell 330106005003001 has 0 grid workers, at least 1 required")
    ]


def test_t3_minimum_grid_workers_is_configurable():
    raw = data()
    raw["rules"]["grid_workers_per_cell"] = 2
    errors = not_info(_t3(config_of(raw)))
    assert [f.message.split()[2] for f in errors] == [
        "330106005001001",
        "330106005002001",
        "330106005002002",
        "330106005003001",
    ]


def test_t3_density_is_reported_not_enforced():
    raw = data()
    raw["rules"]["steward_density_per_500"] = 2.0
    findings = _t3(config_of(raw))
    assert findings == [
        Finding(
            "T3",
            WARNING,
            "community willow (柳岸社区): 1.9 red stewards per 500 households, target 2",
        ),
        Finding("T3", INFO, "6 red stewards for 1460 households: 2.1 per 500 (target 2)"),
    ]
    assert not has_errors(findings)


def test_t3_without_households_density_is_not_computed():
    raw = data()
    for cell in raw["cells"]:
        cell["households"] = 0
    assert _t3(config_of(raw)) == [
        Finding("T3", INFO, "no households declared: steward density not computed")
    ]


@pytest.mark.parametrize(
    ("severities", "expected"),
    [((), False), ((INFO, WARNING), False), ((INFO, ERROR), True)],
)
def test_has_errors(severities, expected):
    assert has_errors(Finding("T1", s, "m") for s in severities) is expected


def test_finding_str_and_labels():
    assert str(Finding("T2", ERROR, "x")) == "[T2] error: x"
    assert [s.label_zh for s in FindingSeverity] == ["错误", "警告", "提示"]


def test_every_finding_of_the_rules_carries_a_chinese_message():
    """``fengqiao demo --lang zh`` prints ``message_zh``: no rule may leave it out."""
    import ast

    import fengqiao_core.rules.calendar as calendar
    import fengqiao_core.rules.topology as topology

    for module in (topology, calendar):
        tree = ast.parse(pathlib.Path(module.__file__).read_text("utf-8"))
        made = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Finding"
        ]
        assert made, module.__name__
        for call in made:
            assert len(call.args) == 4, f"{module.__name__} line {call.lineno}: no message_zh"


def test_a_finding_reads_in_chinese_where_it_has_a_chinese_message():
    lakeside = load_station_config(LAKESIDE)
    info = check_t1_partition(lakeside)[0]
    assert info.text("zh") == "2 个警格划分 5 个网格（每个警格 2.5 个网格）"
    assert info.text("en") == info.message
    assert Finding("X1", WARNING, "plain").text("zh") == "plain"
