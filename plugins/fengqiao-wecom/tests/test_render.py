"""Splitting on line and character boundaries, and notices tailored to their audience."""

from fengqiao_wecom.render import (
    MARKDOWN_LIMIT,
    TEXT_LIMIT,
    Redactor,
    officer_payloads,
    resident_payloads,
    split_utf8,
)
from hypothesis import given
from hypothesis import strategies as st

texts = st.text(st.characters(codec="utf-8"), max_size=3000) | st.lists(
    st.sampled_from(["今晚8点停水", "a" * 700, "🚓" * 300, "", "邻里\u200f纠纷", "x"])
).map("\n".join)


@given(texts, st.integers(min_value=4, max_value=5000))
def test_parts_fit_the_limit_and_join_back(text, limit):
    parts = split_utf8(text, limit)
    assert "".join(parts) == text
    assert all(0 < len(p.encode()) <= limit for p in parts)


def test_lines_are_kept_whole_when_they_fit():
    lines = [f"第{i}行 " + "通知" * 100 for i in range(40)]
    parts = split_utf8("\n".join(lines), TEXT_LIMIT)
    assert len(parts) > 1
    for part in parts[:-1]:
        assert part.endswith("\n")
    assert all(line in "".join(parts).splitlines() for line in lines)


def test_a_long_line_is_cut_between_characters():
    text = "警" * 2000  # 6000 bytes, 3 bytes each: a cut inside a character would not decode
    parts = split_utf8(text, TEXT_LIMIT)
    assert [len(p.encode()) for p in parts] == [2046, 2046, 1908]


def test_resident_notice_hides_numbers_names_and_dispute_categories(miaoshan):
    redactor = Redactor(miaoshan)
    name = miaoshan.red_stewards[0].name.reveal()
    text = f"{name}与邻居的邻里纠纷已调解, 电话 138 0013 8000, 身份证 420115199001011234, 劳动争议"
    [payload] = resident_payloads(text, redactor)
    content = payload["text"]["content"]
    assert payload["msgtype"] == "text"
    for value in (name, "138", "0013", "420115199001011234", "邻里", "劳动争议"):
        assert value not in content
    assert "已调解" in content


def test_resident_matter_notice_drops_the_matter_id():
    [payload] = resident_payloads("事项 M2026-0042：办结", Redactor(None))
    assert "M2026-0042" not in payload["text"]["content"]
    assert "办结" in payload["text"]["content"]


def test_officer_notice_masks_and_links_and_mentions(miaoshan):
    redactor = Redactor(miaoshan)
    name = miaoshan.red_stewards[0].name.reveal()
    payloads = officer_payloads(
        f"事项 M7：受理\n{name} 13800138000", redactor, ["13912345678"], "https://desk/m/"
    )
    [payload] = payloads
    content = payload["text"]["content"]
    assert payload["text"]["mentioned_mobile_list"] == ["13912345678"]
    assert name not in content
    assert name[0] + "*" in content
    assert "138****8000" in content
    assert "https://desk/m/M7" not in content  # a two-line text is not a bare matter notice


def test_officer_matter_notice_without_mobile_is_markdown_with_link():
    [payload] = officer_payloads("事项 M7：受理", Redactor(None), [], "https://desk/m/")
    assert payload["msgtype"] == "markdown"
    assert "[查看事项](https://desk/m/M7)" in payload["markdown"]["content"]
    assert len(payload["markdown"]["content"].encode()) <= MARKDOWN_LIMIT


def test_officer_matter_notice_with_mobile_carries_the_link_as_text():
    [payload] = officer_payloads("事项 M7：受理", Redactor(None), ["13912345678"], "https://d/")
    assert payload["text"]["content"].endswith("\nhttps://d/M7")
    assert payload["text"]["mentioned_mobile_list"] == ["13912345678"]


def test_only_the_first_part_mentions():
    payloads = officer_payloads("通知\n" * 1000, Redactor(None), ["13912345678"], None)
    assert len(payloads) > 1
    assert "mentioned_mobile_list" in payloads[0]["text"]
    assert all("mentioned_mobile_list" not in p["text"] for p in payloads[1:])


mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
id_numbers = st.from_regex(r"[1-9][0-9]{16}[0-9X]", fullmatch=True)
filler = st.text(st.sampled_from("今晚停水请储水，。 abc\n"), max_size=30)


@given(filler, mobiles, filler, id_numbers, filler, st.sampled_from([" ", "-", ""]))
def test_no_number_survives_into_a_resident_notice(a, mobile, b, id_number, c, sep):
    spaced = f"{mobile[:3]}{sep}{mobile[3:7]}{sep}{mobile[7:]}"
    [payload] = resident_payloads(f"{a}{spaced}{b}{id_number}{c}", Redactor(None))
    content = payload["text"]["content"]
    assert mobile[3:7] + sep + mobile[7:] not in content
    assert id_number[6:14] not in content
