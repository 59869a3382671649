"""Station files: the shipped Miaoshan station reproduces the seed, the second station loads,
and unreadable or malformed files give clear, path-qualified errors without personal data."""

import datetime as dt
import importlib.util
import pathlib
import re
import subprocess
import sys
import tomllib

import pytest

from fengqiao_core.errors import ConfigurationError, ValidationError
from fengqiao_core.model import GroupCategory, OfficerPost, PlaceKind
from fengqiao_core.rules.findings import has_errors
from fengqiao_core.rules.topology import check_topology
from fengqiao_core.station.file import (
    Backends,
    RuleSettings,
    counts,
    load_station_config,
    mask_backend,
    parse_station_config,
    shipped_stations,
    station_config_from_dict,
)

ROOT = pathlib.Path(__file__).resolve().parents[1]
LAKESIDE = ROOT / "tests" / "data" / "lakeside.toml"
SHIPPED = ROOT / "src" / "fengqiao_core" / "station" / "presets" / "miaoshan.toml"


@pytest.fixture(scope="module")
def miaoshan():
    return load_station_config("miaoshan")


@pytest.fixture(scope="module")
def miaoshan_counts(miaoshan):
    return counts(miaoshan)


def lakeside_data():
    return tomllib.loads(LAKESIDE.read_text("utf-8"))


def problems_of(data, source="t.toml"):
    with pytest.raises(ValidationError) as info:
        station_config_from_dict(data, source=source)
    return [str(p) for p in info.value.problems]


# One test per figure of DOMAIN.md §5 ------------------------------------------------------


def test_founded_1994(miaoshan):
    assert miaoshan.station.founded == 1994


def test_area_40_km2(miaoshan):
    assert miaoshan.station.area_km2 == 40


def test_parent_is_jiangxia_branch_and_division_420115(miaoshan):
    assert miaoshan.station.parent == "江夏分局"
    assert miaoshan.station.division == "420115"


def test_7_villages(miaoshan_counts):
    assert miaoshan_counts["villages"] == 7


def test_11_communities(miaoshan_counts):
    assert miaoshan_counts["communities"] == 11


def test_49_compounds(miaoshan_counts):
    assert miaoshan_counts["compounds"] == 49


def test_4_universities(miaoshan_counts):
    assert miaoshan_counts["universities"] == 4


def test_5_industrial_parks(miaoshan_counts):
    assert miaoshan_counts["industrial_parks"] == 5


def test_nearly_a_thousand_enterprises(miaoshan_counts):
    assert 950 <= miaoshan_counts["enterprises"] <= 1000  # 近千家企业


def test_11_police_grids(miaoshan_counts):
    assert miaoshan_counts["police_grids"] == 11


def test_51_grid_cells_coded_in_jiangxia(miaoshan):
    assert len(miaoshan.cells) == 51
    assert all(len(c.id) == 15 and c.id.startswith("420115") for c in miaoshan.cells)


def test_24_officers(miaoshan_counts):
    assert miaoshan_counts["officers"] == 24


def test_12_community_officers(miaoshan_counts):
    assert miaoshan_counts["community_officers"] == 12


def test_30_auxiliary_officers(miaoshan_counts):
    assert miaoshan_counts["auxiliary_officers"] == 30


def test_8_forces_include_the_three_named(miaoshan):
    names = {force.name for force in miaoshan.forces}
    assert len(names) == 8
    assert {"平安办", "综治办", "网格中心"} <= names


def test_departments_include_judicial_office_labour_inspection_and_street(miaoshan):
    names = {department.name for department in miaoshan.departments}
    assert {"司法所", "劳动监察大队", "街道办事处"} <= names


def test_11_lawyers(miaoshan_counts):
    assert miaoshan_counts["lawyers"] == 11


def test_32_mediators(miaoshan_counts):
    assert miaoshan_counts["mediators"] == 32


def test_sunshine_panel_holds_every_lawyer_and_mediator(miaoshan):
    (panel,) = miaoshan.mediation_panels
    assert panel.name == "阳光联调小组"
    assert set(panel.lawyers) == {lawyer.id for lawyer in miaoshan.lawyers}
    assert set(panel.mediators) == {mediator.id for mediator in miaoshan.mediators}


def test_more_than_1500_red_stewards(miaoshan_counts):
    assert miaoshan_counts["red_stewards"] > 1500  # 1500余人


def test_stewards_joined_since_july_2022(miaoshan):
    assert min(s.joined for s in miaoshan.red_stewards) >= dt.date(2022, 7, 1)


def test_resident_groups_of_all_6_categories(miaoshan):
    assert {group.category for group in miaoshan.resident_groups} == set(GroupCategory)


def test_vanguard_team_certified_september_2021(miaoshan):
    (team,) = miaoshan.vanguard_teams
    assert team.name == "政法先锋队"
    assert (team.certified_on.year, team.certified_on.month) == (2021, 9)


def test_every_community_and_village_has_a_1_plus_1_plus_n_team(miaoshan):
    settlements = {p.id for p in miaoshan.places if p.kind.is_settlement}
    assert {team.community for team in miaoshan.teams} == settlements
    officers = {o.id: o for o in miaoshan.officers}
    assert all(officers[t.officer].post is OfficerPost.COMMUNITY for t in miaoshan.teams)
    assert all(t.stewards for t in miaoshan.teams)


def test_every_cell_has_a_grid_worker(miaoshan):
    covered = {cell for worker in miaoshan.grid_workers for cell in worker.cells}
    assert covered == {cell.id for cell in miaoshan.cells}


def test_selects_the_embedded_sqlite_storage(miaoshan):
    assert miaoshan.backends.storage == "sqlite:///miaoshan.db"
    assert miaoshan.with_backends(storage="memory").backends.storage == "memory"


def test_names_in_the_article_never_appear():
    text = SHIPPED.read_text("utf-8")
    for name in ("潘时涛", "伍文捷", "程民政", "汤莉芳", "王振国", "高茂新", "熊利兵", "李鹏程"):
        assert name not in text
    for placeholder in ("陈某", "张某", "胡某某", "小芳"):
        assert placeholder not in text


def test_generator_reproduces_the_shipped_file_byte_for_byte():
    spec = importlib.util.spec_from_file_location("make_miaoshan", ROOT / "tools/make_miaoshan.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.render().encode("utf-8") == SHIPPED.read_bytes()


# The second station ------------------------------------------------------------------------


def test_lakeside_loads_with_its_own_counts():
    config = load_station_config(LAKESIDE)
    assert config.station.name == "湖西派出所"
    assert counts(config) == {
        "police_grids": 2,
        "grid_cells": 5,
        "villages": 1,
        "communities": 2,
        "compounds": 3,
        "universities": 1,
        "industrial_parks": 0,
        "enterprises": 2,
        "officers": 4,
        "community_officers": 2,
        "auxiliary_officers": 2,
        "red_stewards": 6,
        "grid_workers": 4,
        "lawyers": 1,
        "mediators": 2,
        "forces": 3,
        "resident_groups": 2,
    }
    assert config.backends == Backends(storage="sqlite:///lakeside.db")
    assert config.rules == RuleSettings(team_min_stewards=2, steward_density_per_500=1.5)
    assert config.places_of(PlaceKind.UNIVERSITY)[0].cell == "330106005002002"


def test_shipped_stations_are_listed_by_name():
    assert "miaoshan" in shipped_stations()


# Unreadable files: ConfigurationError naming the file ---------------------------------------


def test_unknown_name_lists_the_shipped_stations():
    with pytest.raises(ConfigurationError, match=r"^nowhere: no such station file.*miaoshan"):
        load_station_config("nowhere")


def test_directory(tmp_path):
    with pytest.raises(ConfigurationError, match="is a directory"):
        load_station_config(tmp_path)


def test_not_utf8(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_bytes(b'[station]\nname = "\xff"\n')
    with pytest.raises(ConfigurationError, match=r"bad\.toml: is not UTF-8 text \(bad byte at"):
        load_station_config(path)


def test_not_toml_names_line_and_column():
    with pytest.raises(ConfigurationError, match=r"^x\.toml: is not valid TOML: .*line 2"):
        parse_station_config("[station]\nid = = 3\n", source="x.toml")


def test_deeply_nested_toml_is_refused():
    with pytest.raises((ConfigurationError, ValidationError), match=r"^deep\.toml: "):
        parse_station_config("a = " + "[" * 5000 + "]" * 5000, source="deep.toml")


# Malformed data: ValidationError naming file, key path and bad value ---------------------------


def test_missing_station_table():
    assert problems_of({}) == ["t.toml: $.station: required field missing"]


def test_missing_key_names_its_path():
    data = lakeside_data()
    del data["cells"][2]["police_grid"]
    assert problems_of(data) == ["t.toml: $.cells[2].police_grid: required field missing"]


def test_wrong_type_names_path_and_value():
    data = lakeside_data()
    data["cells"][1]["households"] = "many"
    assert problems_of(data) == ["t.toml: $.cells[1].households: expected int, got str 'many'"]


def test_unknown_key_is_refused():
    data = lakeside_data()
    data["stations"] = {}
    assert problems_of(data) == ["t.toml: $: unknown keys: stations"]


def test_bad_enum_lists_the_choices():
    data = lakeside_data()
    data["places"][0]["kind"] = "town"
    (problem,) = problems_of(data)
    assert problem.startswith("t.toml: $.places[0].kind: 'town' is not a PlaceKind; choose one of")


def test_bad_grid_code_is_placed_on_the_id():
    data = lakeside_data()
    data["cells"][0]["id"] = "33010600500100"
    assert problems_of(data)[0] == (
        "t.toml: $.cells[0].id: '33010600500100' is not a 15-digit grid code"
    )


def test_cell_in_two_police_grids_is_a_duplicate_id():
    data = lakeside_data()
    twin = dict(data["cells"][0], police_grid="south")
    data["cells"].append(twin)
    assert problems_of(data) == [
        "t.toml: $.cells[5].id: duplicate id '330106005001001', already at $.cells[0].id"
    ]


def test_people_share_one_id_space():
    data = lakeside_data()
    data["lawyers"][0]["id"] = "rs-1"
    data["mediation_panels"][0]["lawyers"] = ["rs-1"]
    assert problems_of(data) == [
        "t.toml: $.lawyers[0].id: duplicate id 'rs-1', already at $.red_stewards[0].id"
    ]


def test_dangling_references_name_the_kind():
    data = lakeside_data()
    data["cells"][0]["police_grid"] = "east"
    data["teams"][0]["stewards"] = ["rs-1", "rs-99"]
    data["places"][3]["cell"] = "330106005009009"
    assert problems_of(data) == [
        "t.toml: $.cells[0].police_grid: 'east' is not the id of a declared police grid",
        "t.toml: $.places[3].cell: '330106005009009' is not the id of a declared cell",
        "t.toml: $.teams[0].stewards[1]: 'rs-99' is not the id of a declared red steward",
    ]


def test_cell_community_must_be_a_village_or_community():
    data = lakeside_data()
    data["cells"][0]["community"] = "willow-court"
    assert problems_of(data) == [
        "t.toml: $.cells[0].community: 'willow-court' is not the id of a declared village or "
        "community"
    ]


def test_place_parent_cycle():
    data = lakeside_data()
    data["places"][0]["parent"] = "willow-court"
    assert "t.toml: $.places[0].parent: 'willow-court' leads back to 'willow'" in problems_of(data)


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("storage", "SQLite", "'SQLite' is not a backend name"),
        ("grid", "", "'' is not a backend name"),
        ("channel", "http://", "'http://' is not a backend name"),
        ("volunteers", "a b", "'a b' is not a backend name"),
        ("storage", 3, "expected str, got int 3"),
    ],
)
def test_malformed_backend(key, value, message):
    data = lakeside_data()
    data["backends"] = {key: value}
    (problem,) = problems_of(data)
    assert problem.startswith(f"t.toml: $.backends.{key}: {message}")


def test_backend_url_password_is_masked_in_errors_and_repr():
    data = lakeside_data()
    data["backends"] = {"storage": "postgresql://fq:s3cret@db host/fq"}
    (problem,) = problems_of(data)
    assert "s3cret" not in problem
    assert "postgresql://***@db host/fq" in problem
    backends = Backends(storage="postgresql://fq:s3cret@db/fq")
    assert "s3cret" not in repr(backends)
    assert backends.storage.endswith("s3cret@db/fq")
    assert mask_backend("memory") == "memory"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("team_min_stewards", 0, "0 is not a whole number in [1, 10000]"),
        ("steward_density_per_500", float("nan"), "nan is not a number in [0, 500]"),
        ("village_teams", "yes", "expected bool, got str 'yes'"),
    ],
)
def test_malformed_rule_setting(key, value, message):
    data = lakeside_data()
    data["rules"] = {key: value}
    assert problems_of(data) == [f"t.toml: $.rules.{key}: {message}"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("station", "name"), "湖西\x1b[31m", "contains control or format characters"),
        (("station", "name"), "湖\u202e西", "contains control or format characters"),
        (("station", "name"), "   ", "must not be blank"),
        (("station", "name"), "长" * 201, "is 201 characters long, more than 200"),
        (("station", "timezone"), "../../etc/passwd", "is not an IANA time zone"),
        (("station", "founded"), 1066, "1066 is not a year since 1900"),
        (("station", "area_km2"), float("inf"), "inf is not an area"),
    ],
)
def test_hostile_or_implausible_station_facts(path, value, message):
    data = lakeside_data()
    data[path[0]][path[1]] = value
    (problem,) = problems_of(data)
    assert problem.startswith(f"t.toml: $.{path[0]}.{path[1]}: ")
    assert message in problem


def test_personal_data_never_appears_in_errors():
    data = lakeside_data()
    data["officers"][1]["phone"] = "1390000000"
    data["red_stewards"][0]["name"] = "  "
    assert problems_of(data) == [
        "t.toml: $.officers[1].phone: 139****0000 is not a mainland mobile number "
        "(11 digits, 13x-19x)",
        "t.toml: $.red_stewards[0].name: must not be blank",
    ]


def test_hostile_person_name_is_refused_without_echo():
    data = lakeside_data()
    data["officers"][0]["name"] = "林一帆\x1b[2J"
    assert problems_of(data) == [
        "t.toml: $.officers[0].name: the value contains control or format characters"
    ]


def test_repr_shows_counts_not_people():
    config = load_station_config(LAKESIDE)
    text = repr(config)
    assert text.startswith("StationConfig(station='lakeside', police_grids=2, grid_cells=5")
    assert "林一帆" not in text
    assert "林**" in repr(config.officers[0])


def test_native_toml_dates_and_iso_strings_are_both_accepted():
    text = LAKESIDE.read_text("utf-8").replace("joined = 2023-03-01", 'joined = "2023-03-01"')
    config = parse_station_config(text, source="lakeside.toml")
    assert config.red_stewards[0].joined == dt.date(2023, 3, 1)
    bad = text.replace('joined = "2023-03-01"', "joined = 2023-03-01T08:00:00+08:00")
    with pytest.raises(ValidationError, match=r"\$\.red_stewards\[0\]\.joined: expected a date"):
        parse_station_config(bad, source="lakeside.toml")


def test_importing_the_package_does_not_import_typer_or_rich():
    code = (
        "import sys, fengqiao_core, fengqiao_core.station.file, fengqiao_core.rules.topology\n"
        "assert not {'typer', 'rich'} & {m.split('.')[0] for m in sys.modules}, 'ui imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_documented_example_loads_without_errors():
    doc = (ROOT / "docs" / "station-file.md").read_text("utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", doc, re.S)
    config = parse_station_config(example, source="example.toml")
    assert counts(config)["grid_cells"] == 1
    assert not has_errors(check_topology(config, config.rules))


# The [calendar] table: the State Council's notices a station adds ---------------------------


def test_calendar_table_adds_a_years_notice():
    """Rule M5: [calendar.2027] holidays and workdays become the station's calendar settings."""
    data = lakeside_data()
    data["calendar"] = {
        "2027": {
            "holidays": [dt.date(2027, 1, 1), "2027-02-05"],
            "workdays": [dt.date(2027, 2, 14)],
        }
    }
    config = station_config_from_dict(data)
    arrangement = config.calendar.years[2027]
    assert arrangement.holidays == {dt.date(2027, 1, 1), dt.date(2027, 2, 5)}
    assert arrangement.workdays == {dt.date(2027, 2, 14)}
    assert load_station_config(LAKESIDE).calendar.years == {}


@pytest.mark.parametrize(
    ("table", "path"),
    [
        ({"2027": {"holidays": ["2027-13-01"]}}, "$.calendar.2027.holidays[0]"),
        ({"2027": {"holidays": [1]}}, "$.calendar.2027.holidays[0]"),
        ({"2027": {"holidays": [dt.date(2028, 1, 1)]}}, "$.calendar.2027.holidays"),
        ({"2027": {"holidays": "2027-01-01"}}, "$.calendar.2027.holidays"),
        ({"2027": {"holiday": []}}, "$.calendar.2027"),
        ({"27": {"holidays": []}}, "$.calendar"),
        ({"2027": []}, "$.calendar.2027"),
        (
            {"2027": {"holidays": [dt.date(2027, 1, 1)], "workdays": [dt.date(2027, 1, 1)]}},
            "$.calendar.2027.workdays",
        ),
        ("2027", "$.calendar"),
    ],
)
def test_calendar_table_errors_name_the_field(table, path):
    """Rule M5: a bad [calendar] table is a ValidationError naming the file and the field."""
    data = lakeside_data()
    data["calendar"] = table
    (problem,) = problems_of(data)
    assert problem.startswith(f"t.toml: {path}: ")


def test_station_calendar_reaches_the_working_calendar():
    """Rule M5: an opened station counts on the notice its file adds."""
    from fengqiao_core.station import open_station

    data = lakeside_data()
    data["calendar"] = {"2027": {"holidays": [dt.date(2027, 1, d) for d in (1, 2, 3, 4)]}}
    config = station_config_from_dict(data).with_backends(storage="memory")
    with open_station(
        config, dispatch=False, secret=b"calendar-tests-secret-2d6a91f0e4c73b58a0"
    ) as station:
        assert not station.calendar.is_working_day(dt.date(2027, 1, 4))
        assert station.calendar.knows(dt.date(2027, 6, 1))
