"""Cell values as stations write them: availability forms, phones, headers, skills, roles."""

import datetime as dt

import pytest
from fengqiao_roster_xlsx.availability import parse_availability
from fengqiao_roster_xlsx.cells import (
    cell_text,
    parse_occupation,
    parse_party,
    parse_phone,
    parse_role,
    parse_skills,
)
from fengqiao_roster_xlsx.headers import find_header, normalise_header
from fengqiao_roster_xlsx.reader import column_letter
from fengqiao_roster_xlsx.safe import safe_text
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ValidationError
from fengqiao_core.model import Occupation, Skill

T = dt.time
END = dt.time.max
WEEKDAYS = (0, 1, 2, 3, 4)


def spans(text):
    return sorted((w.weekday, w.start, w.end) for w in parse_availability(text))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("工作日 9:00-17:00", [(d, T(9), T(17)) for d in WEEKDAYS]),
        ("周末全天", [(5, T(0), END), (6, T(0), END)]),
        ("每周二四晚上", [(1, T(18), T(21)), (3, T(18), T(21))]),
        ("周一至周五 8:30-11:45", [(d, T(8, 30), T(11, 45)) for d in WEEKDAYS]),
        ("周六上午；周日下午", [(5, T(8), T(12)), (6, T(14), T(18))]),
        ("星期三 14:00-17:30", [(2, T(14), T(17, 30))]),
        ("晚上7点-9点半", [(d, T(19), T(21, 30)) for d in range(7)]),
        ("每天 18:00-24:00", [(d, T(18), END) for d in range(7)]),
        ("周五到周一 9点-10点", [(d, T(9), T(10)) for d in (0, 4, 5, 6)]),
        ("Mon-Fri 09:00-17:00", [(d, T(9), T(17)) for d in WEEKDAYS]),
        ("weekends", [(5, T(0), END), (6, T(0), END)]),
        ("5 08:00-12:00", [(5, T(8), T(12))]),
        ("工作日 9：00～17：00\n周末上午", [(d, T(9), T(17)) for d in WEEKDAYS]
         + [(5, T(8), T(12)), (6, T(8), T(12))]),
        ("", []),
    ],
)  # fmt: skip
def test_availability_forms(text, expected):
    assert spans(text) == sorted(expected)


@pytest.mark.parametrize("text", ["随时", "25:00-26:00", "18:00-06:00", "周八", "9:61-10:00"])
def test_unreadable_availability_is_a_validation_error_without_the_text(text):
    with pytest.raises(ValidationError) as caught:
        parse_availability(text)
    assert caught.value.field == "availability"
    assert text not in str(caught.value)


def test_minute_precision_of_a_window():
    (window, *_) = parse_availability("周一 8:30-8:45")
    monday = dt.datetime(2026, 11, 30)
    assert window.contains(monday.replace(hour=8, minute=30))
    assert window.contains(monday.replace(hour=8, minute=44))
    assert not window.contains(monday.replace(hour=8, minute=45))
    assert not window.contains(monday.replace(hour=8, minute=29))


@given(st.text(max_size=40))
def test_any_availability_text_gives_windows_or_a_validation_error(text):
    try:
        windows = parse_availability(text)
    except ValidationError as exc:
        field = exc.field
    else:
        field = "availability"
        assert all(w.start < w.end for w in windows)
    assert field == "availability"


@pytest.mark.parametrize(
    "value",
    [13800001111, 13800001111.0, "13800001111", "138 0000 1111", "+86 138-0000-1111",
     "+8613800001111", "8613800001111", "0086 13800001111", " 13800001111 "],
)  # fmt: skip
def test_phones_as_numbers_or_text_with_or_without_the_country_code(value):
    assert parse_phone(value).reveal() == "13800001111"


@pytest.mark.parametrize("value", ["12345", 1.5e10 + 0.5, "1380000111", "23800001111", "电话", ""])
def test_malformed_phones_are_refused(value):
    with pytest.raises(ValidationError):
        parse_phone(value)


def test_cell_text_of_numbers_dates_and_blanks():
    assert cell_text(42.0) == "42"
    assert cell_text(None) == ""
    assert cell_text(dt.date(2026, 1, 2)) == "2026-01-02"
    assert cell_text("  x ") == "x"


def test_party_occupation_skills_and_roles():
    assert parse_party("是")
    assert parse_party("中共党员")
    assert parse_party(1.0)
    assert not parse_party("群众")
    assert not parse_party("")
    with pytest.raises(ValidationError):
        parse_party("maybe")
    assert parse_occupation("医生") is Occupation.DOCTOR
    assert parse_occupation("") is Occupation.RESIDENT
    assert parse_occupation("shop_owner") is Occupation.SHOP_OWNER
    known = {"medical", "first_aid", "patrol"}
    assert parse_skills("医疗、急救；巡逻 medical", known) == (
        Skill("medical"),
        Skill("first_aid"),
        Skill("patrol"),
    )
    with pytest.raises(ValidationError, match="unknown skill"):
        parse_skills("飞行", known)
    assert [parse_role(r) for r in ("", "红色管家", "调解员", "律师", "Red Steward")] == [
        "steward",
        "steward",
        "mediator",
        "lawyer",
        "steward",
    ]


def test_headers_are_found_under_title_rows_in_either_language():
    rows = [
        ["庙山街道红色管家名册"],
        ["填报日期：2026年11月"],
        ["序号", " 姓名 ", "联系电话（必填）*", "村", "特长", "可服务时段", "政治面貌"],
    ]
    index, columns = find_header(rows)
    assert index == 2
    assert columns == {
        "name": 1,
        "phone": 2,
        "community": 3,
        "skills": 4,
        "availability": 5,
        "party_member": 6,
    }
    english = [["Name", "Mobile", "Village", "Party member", "Availability", "Role"]]
    assert set(find_header(english)[1]) == {
        "name", "phone", "community", "party_member", "availability", "role",
    }  # fmt: skip
    assert find_header([["姓名"], ["手机"]]) is None
    assert normalise_header(3) == ""


def test_column_letters_and_terminal_safe_text():
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    assert safe_text("名册\u202eevil\x1b[31m") == "名册\\u202eevil\\x1b[31m"
    assert safe_text("x" * 100, limit=10) == "x" * 9 + "…"
