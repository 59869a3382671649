"""Hostile and foreign-script input to the personal types, the scrub and the log mask.

ID numbers, mobiles and division codes take ASCII digits only (full-width ones are normalised
by ``parse``); masks and error messages carry no control character; ``scrub`` catches the
formats people write; the log mask covers every ``fengqiao_core.*`` logger and tracebacks.
"""

import io
import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengqiao_core.errors import ValidationError, drop_controls, escape_controls, scrub
from fengqiao_core.model import GridCode, Station
from fengqiao_core.model.personal import (
    Address,
    FreeText,
    IdNumber,
    PersonName,
    PhoneNumber,
    mask_text,
)

VALID_ID = "11010519491231002X"
FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
CONTROLS = "\x1b[2J\x1b]0;t\x07\x9b\u202e\u2066\u200d\x00\r\n\ufeff"


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI])
def test_id_numbers_in_non_ascii_digits_are_refused_by_the_constructor(table):
    foreign = VALID_ID.translate(table)
    with pytest.raises(ValidationError) as info:
        IdNumber(foreign)
    assert foreign not in str(info.value)
    assert str(info.value).isascii()


def test_id_parse_normalises_full_width_digits_to_the_same_person():
    assert IdNumber.parse(VALID_ID.translate(FULL_WIDTH)) == IdNumber(VALID_ID)
    assert IdNumber.parse(VALID_ID.translate(FULL_WIDTH)).reveal() == VALID_ID
    with pytest.raises(ValidationError):
        IdNumber.parse(VALID_ID.translate(ARABIC_INDIC))  # NFKC keeps these: refused


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC, DEVANAGARI])
def test_phone_numbers_in_non_ascii_digits_are_refused_by_the_constructor(table):
    with pytest.raises(ValidationError) as info:
        PhoneNumber("13912345678".translate(table))
    assert str(info.value).isascii()


def test_phone_parse_normalises_full_width_digits_and_separators():
    assert PhoneNumber.parse("＋８６ １３９－１２３４－５６７８").reveal() == "13912345678"


@pytest.mark.parametrize("table", [FULL_WIDTH, ARABIC_INDIC])
def test_division_and_grid_codes_take_ascii_digits_only(table):
    with pytest.raises(ValidationError):
        GridCode("420115101001001".translate(table))
    with pytest.raises(ValidationError):
        Station(id="x", name="某所", division="420115".translate(table))
    assert GridCode("420115101001001").division == "420115"


@given(st.text(alphabet=st.sampled_from([*CONTROLS, "a", "中", "1", "\U00020000"])))
def test_errors_from_personal_types_are_masked_and_control_free(raw):
    for kind in (IdNumber, PhoneNumber, IdNumber.parse, PhoneNumber.parse):
        message = ""
        try:
            kind(raw)
        except ValidationError as error:
            message = str(error)
        assert escape_controls(message) == message


@pytest.mark.parametrize("kind", [PersonName, Address, FreeText])
def test_masks_drop_control_bidi_and_format_characters(kind):
    value = kind(CONTROLS + "王小明住在某区某街道某号" + CONTROLS)
    for shown in (value.mask(), str(value), repr(value), f"{value}"):
        assert drop_controls(shown) == shown
        assert escape_controls(shown) == shown
    assert mask_text("\x1b[2J****") == "<redacted:7 chars>"  # the ESC is not counted


def test_a_person_name_mask_starts_with_a_letter_not_an_escape():
    assert PersonName("\x1b[2J王小明").mask() == "[***"
    assert PersonName("\u202e王小明").mask() == "王**"


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        ("call +86 139 1234 5678 now", "1234", "+86 139****5678"),
        ("call +8613912345678 now", "13912345678", "+86139****5678"),
        ("call 0086-13912345678", "13912345678", "0086-139****5678"),
        ("call 139 1234 5678", "139 1234", "139****5678"),
        ("call 139-1234-5678", "139-1234", "139****5678"),
        ("call １３９１２３４５６７８", "１２３４", "139****5678"),
        ("id ４２０１１５１９８００１０１１２３４", "19800101", "420115********1234"),
        ("old id 420115800101123 here", "800101", "420115******123"),
        ("landline 027-8765 4321", "8765", "027-****4321"),
        ("landline (027)87654321", "8765", "027-****4321"),
        ("landline 02787654321", "8765", "027-****4321"),
        ("landline 0755-12345678", "1234", "0755-****5678"),
    ],
)
def test_scrub_catches_the_formats_people_write(text, hidden, shown):
    scrubbed = scrub(text)
    assert hidden not in scrubbed
    assert shown in scrubbed


@pytest.mark.parametrize(
    "text",
    [
        "cell 420115101001001 of grid PG01",  # a 15-digit grid code (street 101)
        "cells 420115001002003, 420115399012001",
        "code 4201158001011234567890 inside a longer run",  # 15 digits inside a longer run
        "¥120,000 and 120000 yuan on 2023-10-10 09:30, in 2023 and 1994",
        "ticket 20231010123456 at 15:30, 40 km², 1534 stewards",
        "order 98765432101234567890",
    ],
)
def test_scrub_leaves_grid_codes_amounts_and_years_alone(text):
    assert scrub(text) == text


def _application_handler() -> tuple[logging.Handler, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    return handler, stream


def test_a_plain_child_logger_is_masked_at_the_applications_root_handler():
    import fengqiao_core  # noqa: F401 - installs the mask on the package root

    handler, stream = _application_handler()
    root = logging.getLogger()
    root.addHandler(handler)
    child = logging.getLogger("fengqiao_core.plain.child")  # not made by get_logger
    child.setLevel(logging.INFO)
    try:
        child.info("reporter %s called from %s\x1b[2J", "13912345678", "027-8765 4321")
        try:
            raise ValueError(f"bad id {VALID_ID} \u202e")
        except ValueError:
            child.exception("failed for +86 139 1234 5678")
    finally:
        root.removeHandler(handler)
        child.setLevel(logging.NOTSET)
    text = stream.getvalue()
    assert "13912345678" not in text
    assert "139****5678" in text
    assert "8765" not in text
    assert VALID_ID not in text
    assert "110105********002X" in text  # from the traceback
    assert "Traceback" in text
    assert "ValueError" in text
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "\\x1b[2J" in text


def test_a_broken_log_format_does_not_leak_its_arguments():
    import fengqiao_core  # noqa: F401

    handler, stream = _application_handler()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        logging.getLogger("fengqiao_core.broken").warning("%s %s", "13912345678")
    finally:
        root.removeHandler(handler)
    assert "13912345678" not in stream.getvalue()
    assert "unformattable" in stream.getvalue()
