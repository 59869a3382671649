"""TARGETS R4 for rosters: malformed workbooks give a clear error or row reports, never a
traceback, and import nothing they should not."""

import io
import json
import zipfile

import pytest
from fengqiao_roster_xlsx import RosterError, _core, read_roster
from fengqiao_roster_xlsx.xlsxwrite import Formula, SheetData, write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fengqiao_core.errors import FengqiaoError
from fengqiao_core.model import Person

HEADER = ["姓名", "手机号", "社区", "技能", "服务时间"]
ROW = ["王晓春", 13400001111, "V01", "医疗", "工作日 9:00-17:00"]


def good(path):
    write_workbook(path, [SheetData("名册", {1: HEADER, 2: ROW})])
    return path


def stored_people(miaoshan, db, secret):
    if not db.exists():
        return []
    config = miaoshan.with_backends(storage=f"sqlite:///{db}")
    with (
        _core.open_station(config, secret=secret) as service,
        service._storage.unit_of_work() as uow,
    ):
        return list(uow.people.stream())


def run(cli, path, db):
    result = cli("import", "roster", path, "--station", "miaoshan", "--db", db, "--json")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, json.loads(result.stdout)


# --- files that are not a readable workbook: a clear error, nothing imported ------------------


def truncated(path):
    data = good(path).read_bytes()
    path.write_bytes(data[: len(data) // 2])


def broken_xml(path):
    with zipfile.ZipFile(path, "w") as archive:
        source = zipfile.ZipFile(io.BytesIO(good(path.with_suffix(".tmp")).read_bytes()))
        for item in source.infolist():
            text = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                text = text[: len(text) // 2] + b"<row r="
            archive.writestr(item, text)


def password_protected(path):
    # An encrypted workbook is an OLE compound file holding an EncryptedPackage stream.
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le")
    )


def csv_renamed(path):
    path.write_text("姓名,手机号,社区\n王晓春,13400001111,V01\n", "utf-8")


def empty_file(path):
    path.write_bytes(b"")


def only_empty_sheets(path):
    write_workbook(path, [SheetData("Sheet1", {}), SheetData("Sheet2", {})])


def no_header(path):
    write_workbook(path, [SheetData("名册", {1: ROW, 2: ROW})])


def _rewrite_sheet(path, change):
    source = zipfile.ZipFile(io.BytesIO(good(path.with_suffix(".tmp")).read_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            text = source.read(item)
            if item.filename.endswith("sheet1.xml"):
                text = change(text)
            archive.writestr(item.filename, text)


def far_flung_cells(path):
    """1.5 KB that calamine would turn into a grid of 17 billion cells (the process aborts)."""
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    _rewrite_sheet(path, lambda text: text.replace(b"</sheetData>", far))


_FAR_CELLS = {
    "attribute_first": b'<row r="1048576"><c t="n" r="XFD1048576"><v>1</v></c></row>',
    "single_quotes": b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",
    "two_spaces": b'<row  r="1048576"><c  r="XFD1048576"><v>1</v></c></row>',
    "no_references": b'<row r="1048576">' + b"<c><v>1</v></c>" * 16_384 + b"</row>",
    "prefixed_tags": b'<x:row r="1048576" xmlns:x="urn:x"><x:c r="XFD1048576"/></x:row>',
    "lower_case": b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',
}


@pytest.mark.parametrize("variant", sorted(_FAR_CELLS))
def test_far_cells_written_any_way_are_refused_before_calamine(variant, tmp_path, vocabulary):
    """calamine places cells the same whatever the XML's spelling: each form is measured."""
    path = tmp_path / "roster.xlsx"
    far = _FAR_CELLS[variant] + b"</sheetData>"
    _rewrite_sheet(path, lambda text: text.replace(b"</sheetData>", far))
    with pytest.raises(RosterError, match="more than a roster holds"):
        read_roster(path, communities=vocabulary[0], skills=vocabulary[1], secret=None)


def test_a_sheet_stored_outside_the_worksheets_folder_is_measured_too(tmp_path, vocabulary):
    path = tmp_path / "roster.xlsx"
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    _rewrite_sheet(path, lambda text: text.replace(b"</sheetData>", far))
    moved = tmp_path / "moved.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(moved, "w") as archive:
        for item in source.infolist():
            data = source.read(item)
            name = item.filename.replace("worksheets/sheet1.xml", "hidden.xml")
            archive.writestr(name, data.replace(b"worksheets/sheet1.xml", b"hidden.xml"))
    with pytest.raises(RosterError, match="more than a roster holds"):
        read_roster(moved, communities=vocabulary[0], skills=vocabulary[1], secret=None)


def test_the_whole_workbook_s_xml_is_bounded_too(monkeypatch, tmp_path, vocabulary):
    from fengqiao_roster_xlsx import guard

    path = good(tmp_path / "roster.xlsx")
    sizes = [i.file_size for i in zipfile.ZipFile(path).infolist()]
    monkeypatch.setattr(guard, "MAX_WORKBOOK_BYTES", sum(sizes) - 1)  # each part fits alone
    assert max(sizes) < sum(sizes) - 1
    with pytest.raises(RosterError, match="too large"):
        read_roster(path, communities=vocabulary[0], skills=vocabulary[1], secret=None)


def title_rows_only(path):
    write_workbook(
        path, [SheetData("名册", {n: [f"标题{n}"] for n in range(1, 15)} | {20: HEADER})]
    )


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (truncated, "corrupted"),
        (broken_xml, "corrupted"),
        (password_protected, "password-protected"),
        (csv_renamed, "not an Excel workbook"),
        (empty_file, "empty"),
        (only_empty_sheets, "no roster found"),
        (no_header, "no roster found"),
        (title_rows_only, "no roster found"),
        (far_flung_cells, "more than a roster holds"),
    ],
)
def test_unreadable_workbooks_are_clear_errors(
    make, words, cli, secret, miaoshan, tmp_path, vocabulary
):
    path = tmp_path / "roster.xlsx"
    make(path)
    with pytest.raises(RosterError, match=words):
        read_roster(path, communities=vocabulary[0], skills=vocabulary[1], secret=secret)
    db = tmp_path / "s.db"
    code, report = run(cli, path, db)
    assert code == 2
    assert words in report["error"]["message"]
    assert stored_people(miaoshan, db, secret) == []


def test_a_sheet_of_too_much_xml_is_refused_before_it_is_read(monkeypatch, tmp_path, vocabulary):
    from fengqiao_roster_xlsx import guard

    monkeypatch.setattr(guard, "MAX_SHEET_BYTES", 1 << 20)
    path = tmp_path / "roster.xlsx"
    _rewrite_sheet(
        path, lambda text: text.replace(b"<sheetData>", b"<sheetData>" + b" " * (2 << 20))
    )
    assert path.stat().st_size < 1 << 16  # whitespace zips to almost nothing
    with pytest.raises(RosterError, match="too large"):
        read_roster(path, communities=vocabulary[0], skills=vocabulary[1], secret=None)


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_not_waited_on(cli, tmp_path, vocabulary):
    import os

    path = tmp_path / "roster.xlsx"
    os.mkfifo(path)
    with pytest.raises(RosterError, match="not a regular file"):
        read_roster(path, communities=vocabulary[0], skills=vocabulary[1], secret=None)
    code, report = run(cli, path, tmp_path / "s.db")
    assert code == 2
    assert "not a regular file" in report["error"]["message"]


def test_a_missing_file_is_a_clear_error(cli, secret, tmp_path):
    code, report = run(cli, tmp_path / "nowhere.xlsx", tmp_path / "s.db")
    assert code == 2
    assert "cannot read roster" in report["error"]["message"]


# --- workbooks with odd sheets or cells: row reports, the good rows imported ------------------


def test_missing_columns_are_reported_and_nothing_imported(
    cli, secret, miaoshan, workbook, tmp_path
):
    path = workbook({"名册": {1: ["姓名", "手机号"], 2: ROW[:2]}})
    code, report = run(cli, path, tmp_path / "s.db")
    assert code == 1
    assert report["added"] == 0
    assert [(r["row"], r["reason"]) for r in report["reports"]] == [(1, "no column 社区/村")]


def test_merged_cells_take_their_top_left_value(cli, secret, miaoshan, workbook, tmp_path):
    rows = {1: ["红色管家名册"], 2: HEADER}
    rows |= {3 + i: [f"王{n}", f"1340000{i:04d}", "V01" if i == 0 else None, "", ""]
             for i, n in enumerate("一二三")}  # fmt: skip
    path = workbook([SheetData("名册", rows, merged=("A1:E1", "C3:C5"))])
    db = tmp_path / "s.db"
    code, report = run(cli, path, db)
    assert code == 0
    assert report["added"] == 3
    assert {p.community for p in stored_people(miaoshan, db, secret)} == {"V01"}


def test_formulas_use_their_saved_value_or_are_reported(cli, secret, miaoshan, workbook, tmp_path):
    rows = {
        1: HEADER,
        2: [Formula('"王"&"一"', "王一"), Formula("13400000000+1", 13400000001), "V01"],
        3: ["王二", Formula("13400000000+2"), "V01"],
    }
    db = tmp_path / "s.db"
    code, report = run(cli, workbook({"名册": rows}), db)
    assert code == 1
    assert report["added"] == 1
    assert [(r["row"], r["column"], r["reason"]) for r in report["reports"]] == [
        (3, "B", "missing phone")
    ]
    assert [p.name.reveal() for p in stored_people(miaoshan, db, secret)] == ["王一"]


def test_empty_sheets_beside_a_roster_are_reported(cli, secret, workbook, tmp_path):
    path = workbook({"空白": {}, "名册": {1: HEADER, 2: ROW}, "说明": {1: ["填表说明"]}})
    code, report = run(cli, path, tmp_path / "s.db")
    assert code == 1
    assert report["added"] == 1
    assert [(r["sheet"], r["row"], r["reason"][:9]) for r in report["reports"]] == [
        ("空白", None, "empty she"),
        ("说明", None, "no header"),
    ]


def test_a_sheet_reaching_row_1048576(cli, secret, miaoshan, workbook, tmp_path):
    last = ["钱七", "13600004444", "V99", "", ""]
    path = workbook({"名册": {1: HEADER, 2: ROW, 1_048_576: last}})
    db = tmp_path / "s.db"
    code, report = run(cli, path, db)
    assert code == 1
    assert report["added"] == 1
    assert report["rows"] == 2
    assert [(r["row"], r["column"], r["reason"]) for r in report["reports"]] == [
        (1_048_576, "C", "unknown community")
    ]
    assert len(stored_people(miaoshan, db, secret)) == 1


# --- generated cases: any cells, any bytes ----------------------------------------------------

_CELL = st.one_of(
    st.none(),
    st.sampled_from(["V01", "东湖村", "V1", "医疗", "飞行", "工作日 9:00-17:00", "周八", "是",
                     "+86 134 0000 1111", "姓名", "手机号", "社区", "=1/0", "\u202e", "\x00"]),
    st.text(max_size=12),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
)  # fmt: skip


def check_read(path, vocabulary, secret):
    try:
        read = read_roster(path, communities=vocabulary[0], skills=vocabulary[1], secret=secret)
    except RosterError as exc:
        message = str(exc)
        assert message
        return None
    assert all(isinstance(p, Person) for p in read.people)
    assert len({p.id for p in read.people}) == len(read.people)
    assert all(r.reason and "\u202e" not in str(r) for r in read.reports)
    return read


def fuzz_cells(examples):
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(rows=st.lists(st.lists(_CELL, max_size=7), max_size=8), title=st.text(max_size=8))
    def check(rows, title, tmp_path, vocabulary, secret):
        path = tmp_path / "fuzz.xlsx"
        name = "".join(c for c in title if c.isprintable() and c not in "[]:*?/\\'") or "S"
        sheet = {1: ["姓名", "手机号", "社区", "技能", "服务时间"]} | {
            2 + i: r for i, r in enumerate(rows)
        }
        write_workbook(path, [SheetData(name[:31], sheet)])
        read = check_read(path, vocabulary, secret)
        assert read is not None
        assert read.rows + 0 <= len(rows)

    return check


def fuzz_bytes(examples):
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(cuts=st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=8)), max_size=4))
    def check(cuts, tmp_path, vocabulary, secret):
        data = bytearray(good(tmp_path / "base.xlsx").read_bytes())
        for at, chunk in cuts:
            at %= len(data)
            data[at : at + len(chunk)] = chunk
        path = tmp_path / "mutated.xlsx"
        path.write_bytes(bytes(data))
        try:
            check_read(path, vocabulary, secret)
        except FengqiaoError as exc:  # pragma: no cover - only RosterError is expected
            pytest.fail(f"unexpected {type(exc).__name__}")

    return check


def test_generated_cells_never_break_the_reader(tmp_path, vocabulary, secret):
    fuzz_cells(150)(tmp_path=tmp_path, vocabulary=vocabulary, secret=secret)


def test_mutated_bytes_never_break_the_reader(tmp_path, vocabulary, secret):
    fuzz_bytes(150)(tmp_path=tmp_path, vocabulary=vocabulary, secret=secret)


@pytest.mark.slow
def test_r4_ten_thousand_generated_rosters(request, tmp_path, vocabulary, secret):
    if not request.config.getoption("--run-slow", default=False):
        pytest.skip("long reliability run: add --run-slow to run it")
    fuzz_cells(10_000)(tmp_path=tmp_path, vocabulary=vocabulary, secret=secret)
    fuzz_bytes(10_000)(tmp_path=tmp_path, vocabulary=vocabulary, secret=secret)
