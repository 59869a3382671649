import datetime as dt
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ValidationError
from fengqiao_core.model.personal import (
    Address,
    FreeText,
    IdNumber,
    PersonName,
    PhoneNumber,
)
from fengqiao_core.security.logs import get_logger
from fengqiao_core.testing.strategies import addresses, id_numbers, person_names, phone_numbers

VALID_ID = "11010519491231002X"  # the textbook example of GB 11643 (not a real person)


def test_valid_id_number_parses_and_exposes_birth_date_and_division():
    number = IdNumber.parse(" 11010519491231002x ")
    assert number.reveal() == VALID_ID
    assert number.birth_date == dt.date(1949, 12, 31)
    assert number.division == "110105"
    assert repr(number) == "IdNumber('110105********002X')"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("110105194912310021", "check digit"),
        ("110105194913310028", "birth date"),
        ("11010519491231002", "17 digits"),
        ("1101051949123100212", "17 digits"),
        ("990105194912310021", "province"),
        ("110105290001010011", "birth date"),
        ("", "blank"),
    ],
)
def test_invalid_id_numbers_are_refused_without_echoing_them(raw, problem):
    with pytest.raises(ValidationError) as info:
        IdNumber(raw)
    assert problem in str(info.value)
    assert info.value.field == "id_number"
    if raw:
        assert raw not in str(info.value)


@given(id_numbers, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_breaks_the_check(number, position, delta):
    raw = number.reveal()
    digit = (int(raw[position]) + delta) % 10
    changed = raw[:position] + str(digit) + raw[position + 1 :]
    with pytest.raises(ValidationError) as info:
        IdNumber(changed)
    assert changed not in str(info.value)


def test_phone_parse_normalises_prefix_and_separators():
    assert PhoneNumber.parse("+86 138-1234-5678").reveal() == "13812345678"
    assert str(PhoneNumber("13812345678")) == "138****5678"
    assert f"{PhoneNumber('13812345678'):>12}" == " 138****5678"


@pytest.mark.parametrize("raw", ["1381234567", "138123456789", "12812345678", "1381234567a", " "])
def test_invalid_phone_numbers_are_refused_without_echoing_them(raw):
    with pytest.raises(ValidationError) as info:
        PhoneNumber(raw)
    assert info.value.field == "phone"
    if raw.strip():
        assert raw not in str(info.value)


def test_non_text_personal_values_are_validation_errors():
    for cls in (PhoneNumber, IdNumber, PersonName, Address, FreeText):
        with pytest.raises(ValidationError, match="must be text"):
            cls(12345)


def test_masks_of_each_kind():
    assert str(PersonName("张三")) == "张*"
    assert str(PersonName("欧阳明月")) == "欧***"
    assert str(PersonName("王")) == "*"
    assert str(Address("湖北省武汉市江夏区庙山某路1号")) == "湖北省武汉****"
    assert str(Address("13812345678 长江路1号院")) == "******" + "****"  # no digit of a phone
    assert "138" not in repr(Address("13812345678 长江路1号院"))
    assert str(FreeText("她说了很多话")) == "<redacted:6 chars>"


@given(person_names, phone_numbers, id_numbers, addresses)
def test_no_raw_value_in_repr_str_or_format(name, phone, number, address):
    for value in (name, phone, number, address):
        raw = value.reveal()
        for shown in (repr(value), str(value), f"{value}", f"{value!r}", repr([value])):
            assert raw not in shown


def test_log_records_are_masked(caplog):
    logger = get_logger("fengqiao_core.tests")
    with caplog.at_level(logging.INFO, logger="fengqiao_core"):
        logger.info(
            "party %s phone %s id %s", PersonName("李四"), PhoneNumber("13912345678"), VALID_ID
        )
        logger.info("plain string number 13912345678 and %s", "13987654321")
    text = caplog.text
    assert "李四" not in text
    assert "13912345678" not in text
    assert "13987654321" not in text
    assert VALID_ID not in text
    assert "139****5678" in text
    assert "110105********002X" in text


def test_package_logger_has_a_null_handler():
    get_logger("fengqiao_core.x")
    root = logging.getLogger("fengqiao_core")
    assert any(isinstance(h, logging.NullHandler) for h in root.handlers)


def test_sensitive_values_compare_by_raw_value():
    assert PhoneNumber("13812345678") == PhoneNumber("13812345678")
    assert PhoneNumber("13812345678") != PhoneNumber("13812345679")
    assert len({PersonName("张三"), PersonName("张三")}) == 1


def _with_check(body: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


def test_a_birth_date_up_to_today_is_accepted_and_tomorrow_refused():
    today = dt.date.today()
    born = _with_check(f"420115{today:%Y%m%d}001")
    assert IdNumber(born).birth_date == today
    tomorrow = _with_check(f"420115{today + dt.timedelta(days=1):%Y%m%d}001")
    with pytest.raises(ValidationError, match="out of range"):
        IdNumber(tomorrow)


@given(id_numbers, st.sampled_from("0123456789X"))
def test_only_the_right_check_character_is_accepted(number, check):
    raw = number.reveal()
    if check == raw[17]:
        assert IdNumber(raw[:17] + check) == number
    else:
        with pytest.raises(ValidationError, match="check digit"):
            IdNumber(raw[:17] + check)
