"""Hostile and messy workbooks: problems or one clear line, never a traceback or a hang.

Every fixture is generated here, from a valid workbook, so that what each attack looks
like can be read in the test.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import tempfile
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.exceptions import IllegalCharacterError

from conftest import SAMPLES, codes, parse_sheets, rewrite_part, write_sheets
from xlfin.cli import main
from xlfin.core.compute import compute
from xlfin.pipeline import build
from xlfin.problems import has_errors
from xlfin.reader import read_workbook
from xlfin.reader.engine import ENGINES
from xlfin.reader.package import Limits

SMALL = """
    [Roles]
    Role | Billing rate
    Dev  | 100
    [Users]
    User | Primary role
    ann  | Dev
    [Projects]
    Project | Name
    P1      | Alpha
    [Tasks]
    Project | Task | Revenue type
    P1      | T1   | Role Hourly
    [Hours]
    Entry | Project | Task | User | Date       | Hours
    H1    | P1      | T1   | ann  | 2024-06-03 | 2
"""


def small_book(folder: Path, name: str = "book.xlsx") -> Path:
    """A small valid workbook, written by openpyxl (inline strings, no XML declarations)."""
    return write_sheets(folder / name, parse_sheets(SMALL))


def excel_like(folder: Path) -> Path:
    """The agency sample, written as Excel writes (shared strings, XML declarations)."""
    path = folder / "agency.xlsx"
    shutil.copy(SAMPLES / "agency.xlsx", path)
    return path


def sheet_part(path: Path, title: str) -> str:
    book = openpyxl.load_workbook(path, read_only=True)
    index = book.sheetnames.index(title) + 1
    return f"xl/worksheets/sheet{index}.xml"


def refused(path: Path, limits: Limits | None = None, engine: str = "auto") -> str:
    _, problems = read_workbook(path, limits or Limits(), engine=engine)
    assert len(problems) == 1 and problems[0].is_error, [p.line("b") for p in problems]
    return f"{problems[0].code}: {problems[0].message}"


LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol9 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
"""


class TestMalicious:
    def test_entity_bomb_in_shared_strings(self, tmp_path):
        path = rewrite_part(
            excel_like(tmp_path),
            "xl/sharedStrings.xml",
            lambda xml: (
                LAUGHS + xml.split("?>", 1)[1].replace("<t>Website redesign</t>", "<t>&lol9;</t>")
            ),
        )
        assert refused(path).startswith("FILE_UNSAFE: the workbook's XML declares entities")

    def test_entity_bomb_in_a_sheet(self, tmp_path):
        path = excel_like(tmp_path)
        rewrite_part(path, sheet_part(path, "Projects"), lambda xml: LAUGHS + xml.split("?>", 1)[1])
        assert refused(path).startswith("FILE_UNSAFE")

    def test_external_entity_is_never_read(self, tmp_path):
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-PAYROLL")
        path = rewrite_part(
            excel_like(tmp_path),
            "xl/sharedStrings.xml",
            lambda xml: (
                f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM '
                f'"file://{secret}">]>'
                + xml.split("?>", 1)[1].replace("<t>Website redesign</t>", "<t>&xxe;</t>")
            ),
        )
        result = CliRunner().invoke(main, ["validate", str(path), "--format", "json"])
        assert result.exit_code == 1
        assert "FILE_UNSAFE" in result.output and "TOP-SECRET" not in result.output

    def test_zip_bomb_refused_before_decompressing(self, tmp_path, monkeypatch):
        path = small_book(tmp_path)
        part = sheet_part(path, "Projects")
        filler = "<!--" + "x" * (30 * 1024 * 1024) + "-->"  # 30 MB, compresses to ~30 KB
        rewrite_part(path, part, lambda xml: xml.replace("<sheetData>", filler + "<sheetData>"))
        assert path.stat().st_size < 1024 * 1024
        opened: list[str] = []
        real_open = zipfile.ZipFile.open

        def spy(self, name, *args, **kwargs):
            opened.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
            return real_open(self, name, *args, **kwargs)

        monkeypatch.setattr(zipfile.ZipFile, "open", spy)
        message = refused(path, Limits(part_size=10 * 1024 * 1024))
        assert message.startswith("FILE_UNSAFE") and "zip bomb" in message
        assert part not in opened  # refused by its declared size: not a byte was inflated

    def test_size_lie_in_the_zip_headers(self, tmp_path):
        path = small_book(tmp_path)
        part = sheet_part(path, "Projects")
        filler = "<!--" + "x" * (4 * 1024 * 1024) + "-->"
        rewrite_part(path, part, lambda xml: xml.replace("<sheetData>", filler + "<sheetData>"))
        data = bytearray(path.read_bytes())
        # Declare the part as 1 KB in both the local header and the central directory.
        name = part.encode()
        for signature, size_at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
            start = 0
            while (start := data.find(signature, start)) != -1:
                name_at = start + (30 if signature == b"PK\x03\x04" else 46)
                if data[name_at : name_at + len(name)] == name:
                    data[start + size_at : start + size_at + 4] = (1024).to_bytes(4, "little")
                start += 4
        path.write_bytes(bytes(data))
        assert refused(path).split(":")[0] in ("FILE_UNSAFE", "FILE_UNREADABLE")

    def test_total_size_limit(self, tmp_path):
        message = refused(small_book(tmp_path), Limits(total_size=1000))
        assert "would expand to" in message

    def test_path_traversal_names(self, tmp_path):
        path = small_book(tmp_path)
        with zipfile.ZipFile(path, "a") as archive:
            archive.writestr("../../etc/evil.sh", "echo owned")
        assert "path-traversal" in refused(path)

    def test_too_many_sheets_parts_and_styles(self, tmp_path):
        path = small_book(tmp_path)
        assert "sheets, over the limit" in refused(path, Limits(sheets=3))
        assert "parts, over the limit" in refused(path, Limits(parts=5))
        assert "cell styles, over the limit" in refused(path, Limits(styles=1))

    @pytest.mark.parametrize(
        "part", ["xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"]
    )
    def test_entity_bomb_in_the_workbook_structure(self, tmp_path, part):
        """The parts xlfin reads itself (the sheets list, their relationships, the
        styles) are parsed with defusedxml: an entity declaration is refused there too."""
        path = rewrite_part(excel_like(tmp_path), part, lambda xml: LAUGHS + xml.split("?>", 1)[1])
        assert refused(path).startswith("FILE_UNSAFE: the workbook's XML declares entities")

    def test_too_large_file(self, tmp_path):
        assert "over the limit" in refused(small_book(tmp_path), Limits(file_size=100))

    @pytest.mark.parametrize("engine", ENGINES)
    def test_a_sheet_at_the_row_limit_is_read_whole(self, tmp_path, engine):
        """Rows up to the limit (Excel's 1,048,576 by default) are all read, by both
        engines; one row more and the workbook is refused, never cut short."""
        sheets = parse_sheets(SMALL)
        header, first = sheets["Hours"]
        sheets["Hours"] = [header] + [
            [f"H{n}", *first[1:]] for n in range(1, 30)
        ]  # 30 rows with the header
        path = write_sheets(tmp_path / "long.xlsx", sheets)
        workbook, problems = read_workbook(path, Limits(rows=30), engine=engine)
        assert not has_errors(problems) and len(workbook.hours) == 29
        assert [line.row for line in workbook.hours] == list(range(2, 31))
        message = refused(path, Limits(rows=29), engine=engine)
        assert message.startswith("FILE_UNSAFE: sheet 'Hours' has more rows, over the limit")

    def test_many_columns_give_bounded_problems(self, tmp_path):
        sheets = parse_sheets(SMALL)
        sheets["Projects"][0] += [f"Extra {i}" for i in range(3000)]
        _, problems = read_workbook(write_sheets(tmp_path / "wide.xlsx", sheets))
        unknown = [p for p in problems if p.code == "COLUMN_UNKNOWN"]
        assert len(unknown) == 21 and "2,980 more unknown columns" in unknown[-1].message

    def test_million_character_string(self, tmp_path):
        path = small_book(tmp_path)  # openpyxl cuts long text, so the XML is written here
        rewrite_part(
            path,
            sheet_part(path, "Projects"),
            lambda xml: xml.replace("<t>Alpha</t>", f"<t>{'x' * 1_000_000}</t>"),
        )
        _, problems = read_workbook(path)
        assert [(p.code, p.cell) for p in problems] == [("VALUE_TOO_LONG", "B2")]

    def test_limits_can_be_raised_from_the_command_line(self, tmp_path):
        path = small_book(tmp_path)
        runner = CliRunner()
        result = runner.invoke(main, ["validate", str(path), "--limit", "sheets=2"])
        assert result.exit_code == 1 and "--limit" in result.output
        assert runner.invoke(main, ["validate", str(path), "--limit", "sheets=2KB"]).exit_code == 0
        assert runner.invoke(main, ["validate", str(path), "--limit", "bogus=1"]).exit_code == 2


class TestNotWhatItClaims:
    @pytest.mark.parametrize(
        ("content", "words"),
        [
            (b"", "empty"),
            (b"Project;Name\nP1;Alpha\n", "CSV"),
            (b"<html><body>Download</body></html>", "web page"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "legacy Excel 97"),
        ],
    )
    def test_named_for_what_it_is(self, tmp_path, content, words):
        path = tmp_path / "book.xlsx"
        path.write_bytes(content)
        message = refused(path)
        assert words in message and (".xlsx" in message or "save" in message)

    def test_truncated_workbook(self, tmp_path):
        data = small_book(tmp_path).read_bytes()
        path = tmp_path / "cut.xlsx"
        path.write_bytes(data[: len(data) // 2])
        assert "truncated" in refused(path)


class TestMessy:
    def test_two_sheets_with_one_name(self, tmp_path):
        path = rewrite_part(
            excel_like(tmp_path),
            "xl/workbook.xml",
            lambda xml: xml.replace('name="Roles"', 'name="Users"'),
        )
        assert refused(path).startswith(
            "FILE_UNREADABLE: the workbook lists two sheets named 'Users'"
        )

    def test_a_sheet_without_its_relationship(self, tmp_path):
        path = excel_like(tmp_path)
        rel_id = zipfile.ZipFile(path).read("xl/workbook.xml").decode()
        rel_id = rel_id.split('name="Roles"', 1)[1].split('r:id="', 1)[1].split('"', 1)[0]
        rewrite_part(path, "xl/workbook.xml", lambda xml: xml.replace(rel_id + '"', 'rId999"'))
        assert refused(path).startswith(
            "FILE_UNREADABLE: the workbook lists a sheet 'Roles' whose part cannot be found"
        )

    def test_a_chart_sheet_where_a_table_belongs(self, tmp_path):
        from openpyxl.chart import BarChart, Reference

        path = excel_like(tmp_path)
        book = openpyxl.load_workbook(path)
        del book["Hours"]
        chart = BarChart()
        chart.add_data(Reference(book["Roles"], min_col=2, min_row=1, max_row=3))
        book.create_chartsheet("Hours").add_chart(chart)
        book.save(path)
        problems = {engine: read_workbook(path, engine=engine)[1] for engine in ENGINES}
        assert problems["auto"] == problems["openpyxl"]
        assert [(p.code, p.sheet) for p in problems["auto"] if p.is_error] == [
            ("SHEET_IS_CHART", "Hours")
        ]
        assert "chart sheet, not a table" in problems["auto"][0].message
        del book["Projects"]
        other = BarChart()
        other.add_data(Reference(book["Roles"], min_col=2, min_row=1, max_row=3))
        book.create_chartsheet("Projects").add_chart(other)
        book.save(path)
        errors = [(p.code, p.sheet) for p in read_workbook(path)[1] if p.is_error]
        charts = sorted(e for e in errors if e[0] == "SHEET_IS_CHART")
        assert charts == [("SHEET_IS_CHART", "Hours"), ("SHEET_IS_CHART", "Projects")]
        assert "SHEET_MISSING" not in {code for code, _ in errors}  # the chart says it

    def test_a_sheet_whose_part_is_missing_is_left_out(self, tmp_path):
        """As openpyxl does: the sheet is not there (here a missing Expenses sheet, which
        is optional, changes nothing)."""
        path = excel_like(tmp_path)
        member = sheet_part(path, "Expenses")
        source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for info in source.infolist():
                if info.filename != member:
                    out.writestr(info, source.read(info))
        workbook, problems = read_workbook(path)
        assert not has_errors(problems) and workbook.projects and not workbook.expenses
        assert read_workbook(SAMPLES / "agency.xlsx")[0].expenses

    def test_1904_date_system(self, tmp_path):
        path = small_book(tmp_path)
        book = openpyxl.load_workbook(path)
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
        book["Hours"]["E2"].value = date(2024, 6, 3)
        book.save(path)
        raw = zipfile.ZipFile(path).read("xl/workbook.xml")
        assert b'date1904="1"' in raw
        wb, problems = read_workbook(path)
        assert problems == [] and wb.hours[0].date == date(2024, 6, 3)

    def test_merged_header_cells_and_blank_formatted_rows(self, tmp_path):
        path = small_book(tmp_path)
        book = openpyxl.load_workbook(path)
        sheet = book["Projects"]
        sheet.insert_cols(3)
        sheet.merge_cells("B1:C1")
        sheet["A5"].font = openpyxl.styles.Font(bold=True)  # formatted, no value
        sheet["A6"] = "P2"
        book.save(path)
        wb, problems = read_workbook(path)
        assert problems == [] and list(wb.projects) == ["P1", "P2"]
        assert wb.projects["P1"].name == "Alpha"

    def test_hidden_rows_and_sheets_are_read_with_a_warning(self, tmp_path):
        path = small_book(tmp_path)
        book = openpyxl.load_workbook(path)
        book["Roles"].sheet_state = "hidden"
        book["Hours"].row_dimensions[2].hidden = True
        book.save(path)
        wb, problems = read_workbook(path)
        assert sorted((p.code, p.sheet, p.row) for p in problems) == [
            ("ROWS_HIDDEN", "Hours", 2),
            ("SHEET_HIDDEN", "Roles", None),
        ]
        assert wb.roles and wb.hours
        hidden = next(p for p in problems if p.code == "ROWS_HIDDEN")
        assert hidden.message == "1 hidden row (2) was read like the others; unhide it to check it"

    def test_header_below_a_title_and_an_excel_table(self, tmp_path):
        path = write_sheets(
            tmp_path / "t.xlsx",
            {
                "Projects": [
                    ["Agency projects 2024"],
                    [],
                    ["", "Project", "Name"],
                    ["", "P1", "Alpha"],
                ]
            },
        )
        book = openpyxl.load_workbook(path)
        book["Projects"].add_table(
            openpyxl.worksheet.table.Table(displayName="Projects1", ref="B3:C4")
        )
        book.save(path)
        wb, problems = read_workbook(path)
        assert [(p.code, p.row, p.severity.value) for p in problems] == [
            ("HEADER_NOT_IN_ROW_1", 3, "warning")
        ]
        assert wb.projects["P1"].name == "Alpha"

    def test_no_header_anywhere_is_a_clear_error(self, tmp_path):
        path = write_sheets(tmp_path / "t.xlsx", {"Projects": [["Totals"], ["P1", "Alpha"]]})
        _, problems = read_workbook(path)
        missing = next(p for p in problems if p.code == "COLUMN_MISSING")
        assert "rows 1 to 20" in missing.message and "row 1" in missing.message

    def test_formulas_with_cached_values_are_used(self, tmp_path):
        path = small_book(tmp_path)
        part = sheet_part(path, "Hours")
        # The Hours cell of H1 becomes a formula with a cached value, as Excel saves it.
        rewrite_part(
            path,
            part,
            lambda xml: xml.replace(
                '<c r="F2" t="n"><v>2</v></c>', '<c r="F2"><f>1+1</f><v>2</v></c>'
            ),
        )
        assert b"<f>1+1</f>" in zipfile.ZipFile(path).read(part)
        wb, problems = read_workbook(path)
        assert problems == [] and wb.hours[0].hours == 2

    @pytest.mark.parametrize(
        ("raw", "code"),
        [
            ("NaN", "VALUE_NOT_NUMBER"),
            ("INF", "VALUE_NOT_NUMBER"),
            ("-inf", "VALUE_NOT_NUMBER"),
            ("1E+300", "VALUE_TOO_PRECISE"),
            ("1E-300", "VALUE_TOO_PRECISE"),
        ],
    )
    def test_numbers_that_are_not_money(self, tmp_path, raw, code):
        path = small_book(tmp_path)
        rewrite_part(
            path,
            sheet_part(path, "Hours"),
            lambda xml: xml.replace(
                '<c r="F2" t="n"><v>2</v></c>', f'<c r="F2" t="n"><v>{raw}</v></c>'
            ),
        )
        _, problems = read_workbook(path)
        assert [(p.code, p.cell) for p in problems] == [(code, "F2")]

    @pytest.mark.parametrize("value", [date(1899, 12, 30), "1850-01-01", "0099-06-30"])
    def test_dates_before_1900(self, tmp_path, value):
        sheets = parse_sheets(SMALL)
        sheets["Hours"][1][4] = value
        _, problems = read_workbook(write_sheets(tmp_path / "d.xlsx", sheets))
        assert [(p.code, p.cell) for p in problems] == [("VALUE_NOT_DATE", "E2")]

    def test_date_serial_after_9999(self, tmp_path):
        path = small_book(tmp_path)
        part = sheet_part(path, "Hours")
        xml = zipfile.ZipFile(path).read(part).decode()
        style = xml.split('<c r="E2"', 1)[1].split('s="', 1)[1].split('"', 1)[0]
        rewrite_part(
            path,
            part,
            lambda text: text.replace(
                text[text.index('<c r="E2"') : text.index("</c>", text.index('<c r="E2"')) + 4],
                f'<c r="E2" s="{style}" t="n"><v>9999999</v></c>',
            ),
        )
        _, problems = read_workbook(path)
        assert [(p.code, p.cell) for p in problems] == [("VALUE_NOT_DATE", "E2")]
        assert "is not a date Excel can show" in problems[0].message


class TestReportCarriesNothingOnward:
    def test_formula_like_text_is_quoted_text(self, tmp_path):
        dangerous = [
            "=1+1",
            "+SUM(A1)",
            "-2+3",
            "@cmd",
            "\tTab",
            "\rCR",
            '=HYPERLINK("http://evil.example","x")',
        ]
        sheets = parse_sheets(SMALL)
        sheets["Tasks"][0].append("Name")
        sheets["Tasks"][1].append(None)
        for i, text in enumerate(dangerous, start=2):
            sheets["Tasks"].append(["P1", f"T{i}", "Role Hourly", text])
        path = write_sheets(tmp_path / "d.xlsx", sheets)
        book = openpyxl.load_workbook(path)
        for row in book["Tasks"].iter_rows(min_row=3):
            row[3].data_type = "s"  # a string cell, as a typed text would be
        book.save(path)
        outcome = build(path, tmp_path / "r.xlsx", ledger_path=tmp_path / "test-ledger.sqlite")
        assert outcome.ok, [p.line("d") for p in outcome.problems]
        report = openpyxl.load_workbook(tmp_path / "r.xlsx")
        names = {c.value: c for c in report["Tasks"]["C"]}
        for text in dangerous:
            if text[0] in "\t\r":  # the reader trims surrounding white space from text
                assert names[text.strip()].value == text.strip()
                continue
            cell = names[text]
            assert cell.data_type == "s" and cell.quotePrefix, text
        assert not any(ws._hyperlinks for ws in report.worksheets)


FUZZ_EXAMPLES = int(os.environ.get("XLFIN_FUZZ_EXAMPLES", "40"))
"""Bounded in CI; run deeper with XLFIN_FUZZ_EXAMPLES=1000 pytest tests/test_hostile.py."""
BASE_SHEETS = parse_sheets(SMALL)
VALUES = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 2), max_value=date(2100, 1, 1)),
    st.sampled_from(
        [
            "=1+1",
            "#REF!",
            "Role Hourly",
            "Billed",
            "Yes",
            "P1",
            "T1",
            "ann",
            "Dev",
            "1,234",
            "2024-02-30",
            "  P1 ",
            "",
        ]
    ),
)


@st.composite
def mutated(draw):
    sheets = {name: [list(row) for row in rows] for name, rows in BASE_SHEETS.items()}
    for _ in range(draw(st.integers(1, 6))):
        name = draw(st.sampled_from(sorted(sheets)))
        rows = sheets[name]
        action = draw(
            st.sampled_from(
                [
                    "cell",
                    "delete_row",
                    "duplicate_row",
                    "delete_sheet",
                    "duplicate_sheet",
                    "shuffle_columns",
                ]
            )
        )
        if action == "cell" and rows:
            row = draw(st.integers(0, len(rows) - 1))
            col = draw(st.integers(0, len(rows[row])))
            rows[row] += [None] * (col + 1 - len(rows[row]))
            rows[row][col] = draw(VALUES)
        elif action == "delete_row" and rows:
            del rows[draw(st.integers(0, len(rows) - 1))]
        elif action == "duplicate_row" and rows:
            rows.append(list(draw(st.sampled_from(rows))))
        elif action == "delete_sheet" and len(sheets) > 1:
            del sheets[name]
        elif action == "duplicate_sheet":
            sheets[name.upper() + " "] = [list(r) for r in rows]
        elif action == "shuffle_columns" and rows:
            order = draw(st.permutations(range(max(len(r) for r in rows))))
            sheets[name] = [[(r + [None] * len(order))[i] for i in order] for r in rows]
    return sheets


def _write_any(path: Path, sheets) -> Path:  # type: ignore[no-untyped-def]
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name[:31])
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    try:
                        sheet.cell(r, c, value)
                    except (ValueError, TypeError, IllegalCharacterError):
                        sheet.cell(r, c, "?")  # text openpyxl cannot write at all
    book.save(path)
    return path


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_mutated_workbooks_never_raise(sheets):
    folder = Path(tempfile.mkdtemp())
    try:
        wb, problems = read_workbook(_write_any(folder / "f.xlsx", sheets))
        if not has_errors(problems):
            compute(wb)  # a workbook that validates also computes
    finally:
        shutil.rmtree(folder)


SAMPLE_BYTES = (SAMPLES / "agency.xlsx").read_bytes()


def test_a_zip_directory_naming_an_unknown_zip_version_is_refused(tmp_path):
    # Found by the fuzz test below: zipfile raises NotImplementedError, not BadZipFile,
    # when a central directory entry asks for a zip version it does not know.
    data = bytearray(SAMPLE_BYTES)
    directory = data.index(b"PK\x01\x02")
    data[directory + 6] = 64  # "version needed to extract" = 6.4
    path = tmp_path / "c.xlsx"
    path.write_bytes(bytes(data))
    _, problems = read_workbook(path)
    assert [p.code for p in problems] == ["FILE_NOT_WORKBOOK"]
    assert "damaged or truncated zip" in problems[0].message


@settings(max_examples=FUZZ_EXAMPLES * 3 // 2, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, len(SAMPLE_BYTES) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=20,
    ),
    st.one_of(st.none(), st.integers(0, len(SAMPLE_BYTES))),
)
def test_fuzz_corrupted_zip_bytes_never_raise(flips, cut):
    data = bytearray(SAMPLE_BYTES)
    for position, value in flips:
        data[position] = value
    if cut is not None:
        data = data[:cut]
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "c.xlsx"
        path.write_bytes(bytes(data))
        read_workbook(path)  # problems or success, never an exception
    finally:
        shutil.rmtree(folder)


def test_random_garbage_files(tmp_path):
    rnd = random.Random(7)
    for i in range(20):
        path = tmp_path / f"g{i}.xlsx"
        path.write_bytes(bytes(rnd.getrandbits(8) for _ in range(rnd.randint(0, 5000))))
        _, problems = read_workbook(path)
        assert codes(problems) and problems[0].is_error


class TestUsedRange:
    """calamine lays a sheet's whole used range out in memory: one cell at XFD1048576 asked
    for 512 GB and aborted the process (SIGABRT, a Rust backtrace)."""

    def test_a_cell_at_the_last_cell_of_a_sheet_does_not_kill_the_process(self, tmp_path):
        import subprocess
        import sys

        path = tmp_path / "far.xlsx"
        book = openpyxl.load_workbook(SAMPLES / "agency.xlsx")
        book["Hours"]["XFD1048576"] = 1
        book.save(path)
        assert path.stat().st_size < 64 * 1024
        result = subprocess.run(
            [sys.executable, "-m", "xlfin", "validate", str(path)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        assert "panicked" not in result.stderr and result.stdout.strip() == "no problems"

    def test_the_stated_range_decides_the_engine(self, tmp_path, monkeypatch):
        import xlfin.reader.calamine_rows as calamine_rows

        used: list[str] = []
        real = calamine_rows.rows

        def spy(book, title, limits):
            used.append(title)
            return real(book, title, limits)

        monkeypatch.setattr(calamine_rows, "rows", spy)
        path = tmp_path / "b.xlsx"
        shutil.copy(SAMPLES / "agency.xlsx", path)
        part = sheet_part(path, "Hours")
        read_workbook(path, Limits(dense_cells=12))  # Settings is 6 × 2; Hours is far more
        assert "Hours" not in used and "Settings" in used
        used.clear()
        rewrite_part(path, part, lambda xml: re.sub(r"<dimension [^>]*/>", "", xml))
        assert read_workbook(path)[1] == []
        assert "Hours" not in used and "Projects" in used  # no stated range: cell by cell

    @pytest.mark.parametrize(
        ("ref", "cells"),
        [("A1", 1), ("A1:H120", 960), ("B2:C3", 4), ("A1:XFD1048576", 16384 * 1048576)],
    )
    def test_the_used_range_is_counted(self, tmp_path, ref, cells):
        from xlfin.reader.calamine_rows import dense_cells

        with zipfile.ZipFile(tmp_path / "s.zip", "w") as archive:
            archive.writestr("s.xml", f'<worksheet><dimension ref="{ref}"/><sheetData/>')
        with zipfile.ZipFile(tmp_path / "s.zip") as archive:
            assert dense_cells(archive, "s.xml") == cells


class TestCountedWhileParsing:
    def test_styles_are_counted_as_they_stream_and_refused_at_the_limit(self, tmp_path):
        """Ten million cell styles took 3.4 GB as a parsed tree before the limit refused
        them: they are counted while streamed. Here the XML is broken after the limit: a
        reader that parsed it all would call the file damaged, not over the limit."""
        path = small_book(tmp_path)
        styles = (
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<cellXfs count="40">' + "<xf/>" * 40 + "<xf><<broken"
        )
        rewrite_part(path, "xl/styles.xml", lambda xml: styles)
        message = refused(path, Limits(styles=30))
        assert message.startswith("FILE_UNSAFE") and "more than 30 cell styles" in message

    def test_shared_strings_over_their_limit_are_refused_before_they_are_read(self, tmp_path):
        path = excel_like(tmp_path)
        message = refused(path, Limits(strings_size=10))
        assert message.startswith("FILE_UNSAFE") and "--limit strings_size=" in message
