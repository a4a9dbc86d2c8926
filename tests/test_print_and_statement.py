"""Reports that print, statements that add up, and Summary totals a reader can rebuild.

The page setup is read back through openpyxl (what Excel and LibreOffice print from):
each billing record starts a page, the pages are one wide, notes stay inside the print
area, long text wraps, and no body text is under 9 points.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import SAMPLES
from xlfin.pipeline import build
from xlfin.report.statement import sheet_title, write_statement

AT = datetime(2024, 7, 1, 9, 0)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    outcome = build(
        SAMPLES / "agency.xlsx", folder / "r.xlsx", generated_at=AT, ledger_path=folder / "l.sqlite"
    )
    assert outcome.ok
    return outcome


def block_starts(ws) -> list[int]:  # type: ignore[no-untyped-def]
    return [
        c.row for c in ws["A"] if isinstance(c.value, str) and c.value.startswith("Billing record ")
    ]


def fonts_of(ws) -> set[float]:  # type: ignore[no-untyped-def]
    return {float(c.font.sz or 11) for row in ws.iter_rows() for c in row if c.value is not None}


def test_each_billing_record_starts_a_page_one_page_wide(built):
    book = openpyxl.load_workbook(built.report)
    ws = book["Billing records"]
    starts = block_starts(ws)
    assert len(starts) == 5  # B-100-1, B-100-2, B-200-1, B-200-2, B-300-1
    breaks = [b.id for b in ws.row_breaks.brk]
    assert breaks == [s - 1 for s in starts[1:]]  # a break above every block but the first
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # fitToWidth 1 is the file format's default, left out of the file
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_area.split("!")[1].startswith("$A$1:$I$")  # the 9 columns of a block
    assert min(fonts_of(ws)) >= 9
    assert "&P of &N" in ws.oddFooter.right.text and ws.oddHeader.right.text == "agency.xlsx"


@pytest.mark.parametrize(
    ("limit", "value", "parts"),
    [
        ("MAX_PAGE_BREAKS", 2, [3, 2]),  # a break before each block but a sheet's first
        ("MAX_ROWS", 60, [2, 2, 1]),  # blocks of 28, 26, 27, 21 and 23 rows, from row 3
    ],
)
def test_records_past_what_a_sheet_holds_continue_on_the_next(tmp_path, monkeypatch, limit,
                                                              value, parts):  # fmt: skip
    """Excel keeps 1,023 manual page breaks per sheet (xlsxwriter drops the rest) and
    1,048,576 rows: the blocks after that go on `Billing records (2)`, …, each whole, each
    still on a page of its own."""
    import xlfin.report.records
    import xlfin.report.table

    module = xlfin.report.records if limit == "MAX_PAGE_BREAKS" else xlfin.report.table
    monkeypatch.setattr(module, limit, value)
    outcome = build(
        SAMPLES / "agency.xlsx", tmp_path / "r.xlsx", generated_at=AT, ledger_path=tmp_path / "l"
    )
    assert outcome.ok
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    names = [n for n in book.sheetnames if n.startswith("Billing records")]
    assert names == [
        "Billing records",
        *(f"Billing records ({k})" for k in range(2, 1 + len(parts))),
    ]
    found = []
    for name in names:
        ws = book[name]
        starts = block_starts(ws)
        assert [b.id for b in ws.row_breaks.brk] == [s - 1 for s in starts[1:]]
        assert limit != "MAX_ROWS" or ws.max_row <= value
        found.append(len(starts))
        titles = [ws.cell(s, 1).value for s in starts]
        assert all(t.startswith("Billing record B-") for t in titles)
    assert found == parts
    all_titles = [book[n].cell(s, 1).value for n in names for s in block_starts(book[n])]
    assert all_titles == [f"Billing record {r}" for r in
                          ("B-100-1", "B-100-2", "B-200-1", "B-200-2", "B-300-1")]  # fmt: skip


def test_notes_never_widen_the_printed_page(built):
    """The note under a frozen record's total sits inside the record's columns (it used to
    be in column J, outside the table, and shrank the whole sheet to a 6 pt font)."""
    ws = openpyxl.load_workbook(built.report)["Billing records"]
    assert ws.max_column == 9
    note = next(c for row in ws.iter_rows() for c in row if str(c.value).startswith("What the"))
    merged = next(r for r in ws.merged_cells.ranges if note.coordinate in r)
    assert (merged.min_col, merged.max_col) == (1, 9)


def test_long_text_wraps_in_a_row_tall_enough_or_fits_its_column(built):
    """A record's rate sources wrap in rows tall enough for them; the Hours sheet's (a
    million rows, where a format and a height per row cost time) fit columns made for
    them, so no text runs into the next column."""
    book = openpyxl.load_workbook(built.report)
    records = book["Billing records"]
    wrapped = [
        c
        for row in records.iter_rows()
        for c in row
        if c.column == 8 and isinstance(c.value, str) and len(c.value) > 40
    ]
    assert wrapped
    for cell in wrapped:
        assert cell.alignment.wrap_text, cell.coordinate
        assert (records.row_dimensions[cell.row].height or 15) >= 30, cell.coordinate
    hours = book["Hours"]
    header = [c.value for c in hours[1]]
    for name in ("Cost rate source", "Billing rate source"):
        column = header.index(name) + 1
        letter = openpyxl.utils.get_column_letter(column)
        width = hours.column_dimensions[letter].width
        texts = [r[0].value for r in hours.iter_rows(min_row=2, min_col=column, max_col=column)]
        assert max(len(t) for t in texts if isinstance(t, str)) <= width, name


def test_the_statement_prints_each_record_on_its_own_sheet(built, tmp_path):
    results = built.results
    path = tmp_path / "statement.xlsx"
    write_statement(path, built.workbook, results, AT)
    book = openpyxl.load_workbook(path)
    records = [r.record.billing_record for p in results.projects for r in p.records]
    assert book.sheetnames == ["Statement", *records, "Not yet billed"]
    for name in records:
        ws = book[name]
        assert block_starts(ws) == [1]
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)
        assert f"Billing record {name}" in ws.oddHeader.center.text
        headers = next(c.row for c in ws["A"] if c.value == "Entry")
        assert ws.print_title_rows == f"${headers}:${headers}"  # repeated on every page
        assert ws.oddHeader.left.text == "Northwind Creative LLC"
        assert "&P of &N" in ws.oddFooter.right.text
        assert min(fonts_of(ws)) >= 9


def test_the_statement_adds_up_to_the_projects_billed_and_unbilled(built, tmp_path):
    path = tmp_path / "statement.xlsx"
    write_statement(path, built.workbook, built.results, AT)
    book = openpyxl.load_workbook(path, data_only=True)
    front = list(book["Statement"].iter_rows(values_only=True))
    total = next(r for r in front if r[0] == "Total")
    projects = built.results.projects
    assert Decimal(str(total[2])) == sum(p.billed for p in projects)
    assert Decimal(str(total[3])) == sum(p.unbilled for p in projects)
    open_rows = list(book["Not yet billed"].iter_rows(values_only=True))
    open_total = next(r for r in open_rows if r[0] == "Total")
    assert Decimal(str(open_total[8])) == sum(p.unbilled for p in projects)
    for p in projects:
        for rec in p.records:
            rows = list(book[rec.record.billing_record].iter_rows(values_only=True))
            last = next(r for r in rows if r[0] == f"Total of {rec.record.billing_record}")
            assert Decimal(str(last[7])) == rec.total


def test_every_summary_figure_is_the_sum_of_cells_a_reader_can_see(built):
    """Planned and actual cost, planned revenue: the project's tasks (Tasks sheet), its own
    hours and expenses (Hours and Expenses sheets, no task) and its fixed amounts (Summary
    columns of their own)."""
    book = openpyxl.load_workbook(built.report, data_only=True)

    def table(name: str, header_row: int) -> list[dict[str, object]]:
        rows = list(book[name].iter_rows(min_row=header_row, values_only=True))
        heads = rows[0]
        return [dict(zip(heads, r, strict=True)) for r in rows[1:] if r[1] and r[0] != "Total"]

    summary, tasks = table("Summary", 3), table("Tasks", 1)
    hours, expenses = table("Hours", 1), table("Expenses", 1)
    d = lambda v: Decimal(str(v or 0))  # noqa: E731
    for p in summary:
        if p["Project"] == "Total":
            continue
        mine = [t for t in tasks if t["Project"] == p["Project"]]
        own_hours = [h for h in hours if h["Project"] == p["Project"] and not h["Task"]]
        own_expenses = [e for e in expenses if e["Project"] == p["Project"] and not e["Task"]]
        fixed_cost, fixed_revenue = d(p["of which fixed cost"]), d(p["of which fixed revenue"])
        assert (
            d(p["Planned cost"])
            == sum(d(t["Planned cost"]) for t in mine)
            + sum(d(e["Planned amount"]) for e in own_expenses)
            + fixed_cost
        )
        assert (
            d(p["Actual cost"])
            == sum(d(t["Actual cost"]) for t in mine)
            + sum(d(h["Cost"]) for h in own_hours)
            + sum(d(e["Actual amount"]) for e in own_expenses)
            + fixed_cost
        )
        assert d(p["Planned revenue"]) == sum(d(t["Planned revenue"]) for t in mine) + fixed_revenue
    assert any(d(p["of which fixed cost"]) for p in summary)
    assert any(d(p["of which fixed revenue"]) for p in summary)
    assert {p["Company name"] for p in summary if p["Project"] != "Total"} == {
        "Acme Corporation",
        "Globex Inc.",
        "Initech LLC",
    }


@pytest.mark.parametrize(
    ("record", "taken", "expected"),
    [
        ("B-100-1", set(), "B-100-1"),
        ("B/1:2", set(), "B_1_2"),
        ("x" * 40, set(), "x" * 31),
        ("B1", {"b1"}, "B1 (2)"),
    ],
)
def test_record_sheet_names_are_ones_excel_accepts(record, taken, expected):
    assert sheet_title(record, set(taken)) == expected


def test_a_statement_without_an_agency_name_still_names_the_client(built, tmp_path):
    workbook = built.workbook.model_copy(
        update={"settings": built.workbook.settings.model_copy(update={"agency_name": None})}
    )
    path = Path(tmp_path / "s.xlsx")
    write_statement(path, workbook, built.results, AT)
    ws = openpyxl.load_workbook(path)["Statement"]
    assert ws["A1"].value.startswith("Statement for Acme Corporation")


def test_a_statement_lists_as_not_yet_billed_only_what_may_be_billed_now(tmp_path):
    """On a project requiring time approval, Submitted and Rejected lines are not yet
    billable (model 18): the statement's Not yet billed sheet agrees with the roll-up."""
    from conftest import compute_text, read_text
    from test_model_round2 import APPROVAL

    results = compute_text(tmp_path, APPROVAL)
    workbook, _ = read_text(tmp_path, APPROVAL)
    path = tmp_path / "statement.xlsx"
    write_statement(path, workbook, results, AT)
    rows = list(openpyxl.load_workbook(path, data_only=True)["Not yet billed"].values)
    total = next(r for r in rows if r[0] == "Total")
    assert Decimal(str(total[8])) == results.projects[0].unbilled == Decimal("400.00")
    assert [r[1] for r in rows[3:] if r[0] == "P1"] == ["L1"]
