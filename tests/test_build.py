"""`xlfin build`: the report workbook, its JSON summary, explain, and the command itself.

The golden files under tests/golden/ list every cell of the sample's report (value and
number format), one per line, so that a person can review a change to the report as a
diff. Regenerate them with `python tests/golden/update.py` after a deliberate change.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from openpyxl.utils import range_boundaries

from conftest import SAMPLES, write_text_workbook
from xlfin.cli import main
from xlfin.pipeline import build

GOLDEN = Path(__file__).resolve().parent / "golden"


def LEDGER(folder: Path) -> Path:
    """The test's own ledger (conftest's private_ledger), never one beside the samples."""
    return folder / "test-ledger.sqlite"


GENERATED_AT = datetime(2024, 7, 1, 9, 30)


def report_lines(path: Path) -> list[str]:
    """Every non-empty cell of a report: `Sheet!A1<TAB>value<TAB>number format`.

    A number is shown to the 15 significant digits Excel keeps: `12510`, `12510.0` and
    `12510.00` in the file are one number, and so is a 16th digit that Excel drops."""
    book = openpyxl.load_workbook(path)
    out = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                value = cell.value
                if isinstance(value, datetime):
                    shown = value.date().isoformat()
                elif isinstance(value, str):
                    shown = json.dumps(value, ensure_ascii=False)
                else:  # a number as Excel holds it, 15 digits, however the XML spells it
                    shown = f"{value:.15g}"
                out.append(f"{ws.title}!{cell.coordinate}\t{shown}\t{cell.number_format}")
    return out


@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    folder = tmp_path_factory.mktemp("agency")
    outcome = build(
        SAMPLES / "agency.xlsx",
        folder / "agency-billing.xlsx",
        folder / "agency.json",
        generated_at=GENERATED_AT,
        ledger_path=folder / "ledger.sqlite",
    )
    assert outcome.ok, [p.line("agency.xlsx") for p in outcome.problems]
    return outcome


def test_golden_report(agency):
    expected = (GOLDEN / "agency-report.txt").read_text(encoding="utf-8").splitlines()
    assert report_lines(agency.report) == expected


def test_golden_summary(agency):
    expected = json.loads((GOLDEN / "agency-summary.json").read_text(encoding="utf-8"))
    assert json.loads(agency.summary.read_text(encoding="utf-8")) == expected


def test_report_sheets(agency):
    book = openpyxl.load_workbook(agency.report)
    assert book.sheetnames == [
        "Summary",
        "Tasks",
        "Hours",
        "Planned",
        "By period",
        "Expenses",
        "Billing records",
        "Rates",
    ]
    assert book.properties.title.endswith("agency.xlsx")
    assert book.properties.created == GENERATED_AT
    summary = book["Summary"]
    assert summary.freeze_panes == "A4"
    assert summary.page_setup.orientation == "landscape"
    assert summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.page_setup.fitToHeight == 0  # one page wide, as many pages tall as needed
    assert summary.auto_filter.ref == "A3:AB6"
    assert len(summary._charts) == 1


def formula_cells(path: Path):
    """(sheet, cell, formula, cached value, values of the cells it adds up) of every total."""
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    for ws in formulas.worksheets:
        cached = values[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                if not (isinstance(cell.value, str) and cell.value.startswith("=")):
                    continue
                covered = []
                for ref in re.findall(r"[A-Z]+\d+(?::[A-Z]+\d+)?", cell.value.split("IF(")[0]):
                    min_col, min_row, max_col, max_row = range_boundaries(ref)
                    for r in range(min_row, max_row + 1):
                        for c in range(min_col, max_col + 1):
                            covered.append(cached.cell(r, c).value)
                yield ws.title, cell.coordinate, cell.value, cached[cell.coordinate].value, covered


def test_every_sum_caches_the_sum_of_its_cells(agency):
    checked = 0
    for sheet, coordinate, formula, value, covered in formula_cells(agency.report):
        if formula.startswith("=IF("):
            continue  # a margin: checked below
        total = sum(Decimal(str(v)) for v in covered if isinstance(v, (int, float)))
        assert Decimal(str(value)) == total, f"{sheet}!{coordinate} {formula}"
        checked += 1
    assert checked > 30


def test_report_totals_equal_the_json_summary(agency):
    summary = json.loads(agency.summary.read_text(encoding="utf-8"))
    sheet = openpyxl.load_workbook(agency.report, data_only=True)["Summary"]
    rows = {r[0]: r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]}
    for project in summary["projects"]:
        row = rows[project["project"]]
        assert row[3] == project["company_name"] and row[3]  # the name beside the id
        for col, key in (
            (4, "planned_hours"),
            (5, "actual_hours"),
            (6, "planned_cost"),
            (7, "actual_cost"),
            (8, "fixed_cost"),
            (9, "planned_revenue"),
            (10, "actual_revenue"),
            (11, "fixed_revenue"),
            (14, "actual_expenses_billable"),
            (15, "actual_expenses_not_billable"),
            (16, "billed"),
            (17, "unbilled"),
        ):
            assert Decimal(str(row[col])) == Decimal(project[key]), (project["project"], key)
    total = rows["Total"]
    assert Decimal(str(total[10])) == sum(Decimal(p["actual_revenue"]) for p in summary["projects"])


def test_summary_json_shape(agency):
    data = json.loads(agency.summary.read_text(encoding="utf-8"))
    assert data["currency"] == "USD" and data["problems"] == []
    p100 = data["projects"][0]
    assert (p100["project"], p100["planned_cost"], p100["actual_hours"]) == (
        "P-100",
        "12510.00",
        "110.25",
    )
    record = p100["billing_records"][0]
    assert record == {
        "billing_record": "B-100-1",
        "status": "Billed",
        "billing_date": "2024-06-30",
        "invoice_id": "INV-2024-0611",
        "hours_amount": "4701.00",
        "expenses_amount": "164.40",
        "fixed_amount": "0.00",
        "additional_amount": "0.00",
        "total": "4865.40",
    }


HOSTILE = """
    [Users]
    User | Billing rate
    u1   | 10
    [Projects]
    Project | Name | Planned start | Planned completion
    P1      | =HYPERLINK("http://evil.example","click") | 2024-06-03 | 2024-06-07
    [Tasks]
    Project | Task | Name
    P1      | T1   | '+1
    P1      | T2   | '-2+3
    P1      | T3   | '@SUM(A1)
    [Hours]
    Entry | Project | Task | User | Date       | Hours
    '=1+1 | P1      | T1   | u1   | 2024-06-03 | 1
"""


def test_input_text_is_never_a_formula(tmp_path):
    from conftest import parse_sheets, write_sheets

    sheets = parse_sheets(HOSTILE)
    path = write_sheets(tmp_path / "hostile.xlsx", sheets)
    # openpyxl would store '=…' as a formula; make the name a plain string cell instead.
    book = openpyxl.load_workbook(path)
    book["Projects"]["B2"].data_type = "s"
    book["Hours"]["A2"].data_type = "s"
    book.save(path)
    outcome = build(
        path, tmp_path / "out.xlsx", generated_at=GENERATED_AT, ledger_path=LEDGER(tmp_path)
    )
    assert outcome.ok, [p.line("h") for p in outcome.problems]
    report = openpyxl.load_workbook(tmp_path / "out.xlsx")
    texts = {
        c.value
        for ws in report.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "s"
    }
    for text in ('=HYPERLINK("http://evil.example","click")', "+1", "-2+3", "@SUM(A1)", "=1+1"):
        assert text in texts
    formulas = [
        c.value
        for ws in report.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f"
    ]
    assert all(
        f.startswith(("=SUM(", "=IF(", "=0")) or re.fullmatch(r"=(I\d+\+?)+", f) for f in formulas
    ), formulas
    assert not any(ws._hyperlinks for ws in report.worksheets)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_build_command_default_path(tmp_path):
    source = tmp_path / "agency.xlsx"
    source.write_bytes((SAMPLES / "agency.xlsx").read_bytes())
    before = source.read_bytes()
    result = run("build", source)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "agency-billing.xlsx").exists()
    assert "wrote" in result.output and "3 projects" in result.output
    assert source.read_bytes() == before  # the input is never modified
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_build_with_errors_writes_nothing(tmp_path):
    result = run(
        "build", SAMPLES / "broken.xlsx", "-o", tmp_path / "r.xlsx", "--json", tmp_path / "r.json"
    )
    assert result.exit_code == 1
    assert "broken.xlsx:Hours!G3: error VALUE_NEGATIVE" in result.output
    assert "no report written" in result.output
    assert list(tmp_path.iterdir()) == []


def test_build_warnings_are_printed_and_listed(tmp_path):
    path = write_text_workbook(
        tmp_path,
        """
        [Projects]
        Project | Colour
        P1      | red
    """,
    )
    result = run("build", path, "-o", tmp_path / "r.xlsx")
    assert result.exit_code == 0
    assert "COLUMN_UNKNOWN" in result.output
    problems = openpyxl.load_workbook(tmp_path / "r.xlsx")["Problems"]
    assert problems["B2"].value == "COLUMN_UNKNOWN" and problems["D2"].value == "B1"


def test_build_refuses_to_overwrite_its_input(tmp_path):
    source = tmp_path / "a.xlsx"
    source.write_bytes((SAMPLES / "agency.xlsx").read_bytes())
    assert run("build", source, "-o", source).exit_code == 2


def test_crash_leaves_no_half_written_report(tmp_path, monkeypatch):
    import xlfin.pipeline

    target = tmp_path / "r.xlsx"
    target.write_bytes(b"previous report")

    def crash(path, *args):
        path.write_bytes(b"half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(xlfin.pipeline, "write_report", crash)
    with pytest.raises(RuntimeError):
        build(SAMPLES / "agency.xlsx", target, ledger_path=LEDGER(tmp_path))
    assert target.read_bytes() == b"previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.xlsx", "test-ledger.sqlite"]


def test_explain_task_and_entry():
    result = run("explain", SAMPLES / "agency.xlsx", "--project", "P-300", "--task", "T1")
    assert result.exit_code == 0, result.output
    text = result.output
    assert "7 of 19 working days" in text and "12 of 19 working days" in text
    assert "135/h (project override, Project rates row 3)" in text
    assert "planned revenue (exact sum, rounded once) 22,105.26" in text
    result = run("explain", SAMPLES / "agency.xlsx", "--project", "P-100", "--entry", "H-011")
    assert "40 h × 125/h (company, Company rates row 3) = 5000" in result.output
    assert "role: Developer (from the assignment)" in result.output


def test_explain_unknown_things():
    result = run("explain", SAMPLES / "agency.xlsx", "--project", "P-999")
    assert result.exit_code == 1 and "P-100" in result.output
    result = run("explain", SAMPLES / "agency.xlsx", "--project", "P-100", "--task", "T9")
    assert result.exit_code == 1 and "T1" in result.output
    assert run("explain", SAMPLES / "broken.xlsx", "--project", "P-100").exit_code == 1


def test_a_table_longer_than_a_sheet_continues(tmp_path, monkeypatch):
    import xlfin.report.table

    monkeypatch.setattr(xlfin.report.table, "MAX_ROWS", 12)
    outcome = build(
        SAMPLES / "agency.xlsx",
        tmp_path / "r.xlsx",
        generated_at=GENERATED_AT,
        ledger_path=LEDGER(tmp_path),
    )
    assert outcome.ok
    book = openpyxl.load_workbook(tmp_path / "r.xlsx", data_only=True)
    parts = [name for name in book.sheetnames if name.startswith("Hours")]
    assert parts == ["Hours", "Hours (2)", "Hours (3)", "Hours (4)"]
    entries, revenue = [], Decimal(0)
    for name in parts:
        sheet = book[name]
        assert sheet.max_row <= 12
        rows = list(sheet.iter_rows(values_only=True))
        header = next(i for i, r in enumerate(rows) if r[0] == "Entry")
        for row in rows[header + 1 :]:
            if row[0] and str(row[0]).startswith("H-"):
                entries.append(row[0])
            elif row[0] and str(row[0]).startswith("Total"):
                revenue += Decimal(str(row[15]))
    assert book["Hours (2)"]["A1"].value == "Hours, continued (part 2)"
    expected = [
        x.line.entry
        for p in outcome.results.projects
        for lines in [*(t.lines for t in p.tasks), p.project_lines]
        for x in lines
    ]
    assert sorted(entries) == sorted(expected)
    assert len(entries) == 27  # nothing dropped
    projects = outcome.results.projects
    fixed = sum(t.fixed_realized for p in projects for t in p.tasks) + sum(
        p.fixed_revenue for p in projects if p.project.status.value == "Complete"
    )
    assert revenue == sum(p.actual_revenue for p in projects) - fixed


def test_progress_is_told_each_step_with_counts(tmp_path):
    heard: list[str] = []
    build(
        SAMPLES / "agency.xlsx",
        tmp_path / "r.xlsx",
        progress=heard.append,
        ledger_path=LEDGER(tmp_path),
    )
    assert heard == [
        "reading agency.xlsx",
        "read 3 projects, 11 tasks, 27 hour lines, 6 expenses",
        "computing",
        "writing r.xlsx (27 hour lines)",
    ]


def test_quiet_build_prints_nothing(tmp_path):
    source = tmp_path / "agency.xlsx"
    source.write_bytes((SAMPLES / "agency.xlsx").read_bytes())
    result = run("build", source, "--quiet")
    assert result.exit_code == 0 and result.output == ""


def test_written_files_are_readable_like_any_new_file(tmp_path):
    """Not owner-only like the temporary file they are written to: a report in a shared
    folder is for the people who share it. A file replaced keeps its permissions."""
    from xlfin.files import UMASK, atomic_write

    new = tmp_path / "new.txt"
    atomic_write(new, lambda path: path.write_text("x"))
    assert new.stat().st_mode & 0o777 == 0o666 & ~UMASK
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write(kept, lambda path: path.write_text("new"))
    assert (kept.read_text(), kept.stat().st_mode & 0o777) == ("new", 0o640)


def test_the_rates_sheet_lists_levels_in_the_order_the_core_tries_them(agency):
    """For every project, role and location, the Rates sheet's rows (those of that location
    and of any location) are the periods of the chain the core looks the rate up in."""
    from xlfin.core.rates import RateBook

    sheet = openpyxl.load_workbook(agency.report, read_only=True)["Rates"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] and r[7]]
    hierarchy = ("assignment", "job role for billing")  # model 17's own rows: below
    rows = [r for r in rows if not r[2].startswith(hierarchy)]
    book = RateBook(agency.workbook)
    checked = 0
    roles = {(r[0], r[1]) for r in rows if not r[1].startswith("user ")}
    for project_id, role in roles:
        group = [r for r in rows if (r[0], r[1]) == (project_id, role)]
        project = agency.workbook.projects[project_id]
        for location in {r[3] for r in group} | {None}:
            listed = [r[7] for r in group if r[3] in (None, location)]
            chain = book.billing_for_role(project, role, location)
            tried = [f"{p.sheet} row {p.row}" for _, line in chain.levels for p in line.periods]
            assert listed == tried, (project_id, role, location)
            checked += 1
    assert checked > len(roles)  # a location-specific card line was checked too


def test_the_rates_sheet_lists_billing_roles_and_assignment_rates(agency):
    """Model 17's inputs that decide a User and Role Hourly rate are on the Rates sheet: the
    sample's job role for billing of bob on P-300 from 19 August, and his assignment's cost
    rate on T4, each naming its input row."""
    import datetime as dt

    sheet = openpyxl.load_workbook(agency.report, read_only=True)["Rates"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0] == "P-300"]
    assert ("P-300", "user bob", "job role for billing: Project Manager", None, None,
            dt.datetime(2024, 8, 19), None, "Billing roles row 2") in rows  # fmt: skip
    assert ("P-300", "user bob", "assignment (cost, task T4)", None, 52, None, None,
            "Assignments row 14") in rows  # fmt: skip


def test_each_number_cell_holds_its_own_amount_as_written(tmp_path):
    """The writer converts each distinct amount to a double once: an amount equal to one
    written before is the same double, and a fraction is rounded to its column's decimals
    first (12345/1000 is money 12.35, even after the rate 12.345 was written)."""
    from fractions import Fraction

    from xlfin.report.table import Col, TableWriter, close_book

    writer = TableWriter(tmp_path / "t.xlsx", "USD", 2, "test")
    cols = (Col("Rate", "rate", 10), Col("Amount", "money", 10), Col("Hours", "hours", 8))
    sheet, header = writer.new_sheet("T", cols, None)
    write_row = writer.row_writer(sheet, cols)
    rows = [
        (Decimal("12.345"), Decimal("1.50"), Decimal("7.5")),
        (Decimal("12.3450"), Fraction(12345, 1000), Fraction(15, 2)),
        (Decimal("-0.00"), Decimal("0"), Fraction(1, 3)),
        (Decimal("1.5"), Decimal("-1.50"), Decimal("7.500000")),
    ]
    for r, values in enumerate(rows, header + 1):
        write_row(r, values)
    close_book(writer.book, writer.path)
    read = list(openpyxl.load_workbook(writer.path).active.iter_rows(values_only=True))
    assert read[header + 1 :] == [
        (12.345, 1.5, 7.5),
        (12.345, 12.35, 7.5),
        (0, 0, 0.333333),
        (1.5, -1.5, 7.5),
    ]
