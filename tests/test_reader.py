"""The reader: the contract's names, typed cells, and a problem (with its cell) per mistake."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from conftest import codes, write_sheets, write_text_workbook
from xlfin.reader import read_workbook
from xlfin.reader.cells import (
    CellError,
    parse_number_text,
    read_bool,
    read_date,
    read_decimal,
    read_id,
)

P = "[Projects]\nProject\nP1\n"

# (code, workbook, where the problem must point: "Sheet!CELL", "Sheet" or None)
CASES = [
    ("SHEET_MISSING", "[Roles]\nRole\nDev\n", "Projects"),
    ("SHEET_UNKNOWN", P + "[Notes]\nAnything\n", "Notes"),
    ("SHEET_DUPLICATE", P + "[roles]\nRole\n[ROLES ]\nRole\n", "ROLES "),
    ("COLUMN_MISSING", P + "[Roles]\nCost rate\n10\n", "Roles"),
    ("COLUMN_UNKNOWN", P + "[Roles]\nRole | Colour\nDev | red\n", "Roles!B1"),
    ("COLUMN_DUPLICATE", P + "[Roles]\nRole | role\nDev | Dev\n", "Roles!B1"),
    ("CELL_REQUIRED", P + "[Roles]\nRole | Cost rate\n | 10\n", "Roles!A2"),
    ("VALUE_NOT_NUMBER", P + "[Roles]\nRole | Cost rate\nDev | ten\n", "Roles!B2"),
    ("VALUE_AMBIGUOUS_NUMBER", P + "[Roles]\nRole | Cost rate\nDev | 1,250\n", "Roles!B2"),
    ("VALUE_NOT_DATE", P + "[Roles]\nRole | Start date\nDev | 2024-13-01\n", "Roles!B2"),
    (
        "VALUE_NOT_YES_NO",
        "[Projects]\nProject | Company rates override\nP1 | maybe\n",
        "Projects!B2",
    ),
    ("VALUE_NEGATIVE", P + "[Roles]\nRole | Billing rate\nDev | -5\n", "Roles!B2"),
    (
        "VALUE_TOO_PRECISE",
        P + "[Roles]\nRole | Billing rate\nDev | 12345678901234567\n",
        "Roles!B2",
    ),
    ("CHOICE_UNKNOWN", P + "[Tasks]\nProject | Task | Cost type\nP1 | T1 | Cheap\n", "Tasks!C2"),
    ("FORMULA_NOT_COMPUTED", P + "[Roles]\nRole | Billing rate\nDev | =1+1\n", "Roles!B2"),
    ("CELL_ERROR_VALUE", P + "[Roles]\nRole | Billing rate\nDev | #DIV/0!\n", "Roles!B2"),
    ("ID_DUPLICATE", "[Projects]\nProject\nP1\nP1\n", "Projects!A3"),
    ("REFERENCE_UNKNOWN", P + "[Tasks]\nProject | Task\nP2 | T1\n", "Tasks!A2"),
    (
        "ROW_CONTRADICTS",
        P + "[Users]\nUser | Location | Billing rate\nu1 | Paris | 1\nu1 | Lyon | 2\n",
        "Users!B3",
    ),
    (
        "PERIOD_REVERSED",
        P + "[Roles]\nRole | Billing rate | Start date | End date\n"
        "Dev | 10 | 2024-02-01 | 2024-01-01\n",
        "Roles!D2",
    ),
    (
        "RATE_OVERLAP",
        P + "[Roles]\nRole | Billing rate | Start date | End date\n"
        "Dev | 10 | | 2024-01-31\nDev | 20 | 2024-01-15 |\n",
        "Roles!C3",
    ),
    (
        "RATE_GAP",
        P + "[Roles]\nRole | Billing rate | Start date | End date\n"
        "Dev | 10 | | 2024-01-31\nDev | 20 | 2024-02-05 |\n",
        "Roles!C3",
    ),
    (
        "PROJECT_RATE_TARGET",
        P + "[Project rates]\nProject | Role | User | Billing rate\nP1 | | | 10\n",
        "Project rates!B2",
    ),
    (
        "ASSIGNMENT_TARGET",
        P + "[Tasks]\nProject | Task\nP1 | T1\n[Assignments]\n"
        "Project | Task | User | Role\nP1 | T1 | |\n",
        "Assignments!C2",
    ),
    (
        "BILLING_RECORD_OTHER_PROJECT",
        "[Projects]\nProject\nP1\nP2\n[Billing records]\n"
        "Billing record | Project\nB1 | P2\n[Users]\nUser\nu1\n[Hours]\n"
        "Entry | Project | User | Date | Hours | Billing record\n"
        "H1 | P1 | u1 | 2024-01-02 | 1 | B1\n",
        "Hours!F2",
    ),
    (
        "CURRENCY_INVALID",
        P + "[Roles]\nRole\nDev\n[Rate cards]\n"
        "Rate card | Currency | Role | Billing rate\nRC | Euro | Dev | 10\n",
        "Rate cards!B2",
    ),
    (
        "EXCHANGE_RATE_BASE",
        P + "[Exchange rates]\nCurrency | Rate\nUSD | 1.1\n",
        "Exchange rates!B2",
    ),
    (
        "EXCHANGE_RATE_INVALID",
        P + "[Exchange rates]\nCurrency | Rate\nEUR | 0\n",
        "Exchange rates!B2",
    ),
    (
        "EXCHANGE_RATE_GAP",
        P + "[Exchange rates]\nCurrency | Rate | Start date | End date\n"
        "EUR | 0.9 | | 2024-06-30\nEUR | 0.95 | 2024-08-01 |\n",
        "Exchange rates!C3",
    ),
    (
        "EXCHANGE_RATE_MISSING",
        "[Projects]\nProject | Currency\nP1 | EUR\n",
        "Projects!B2",
    ),
    (
        "RECIPIENT_INVALID",
        "[Projects]\nProject | Report to\nP1 | Accounts Payable; ap@acme.example\n",
        "Projects!B2",
    ),
    ("SETTING_UNKNOWN", P + "[Settings]\nSetting | Value\nColour | blue\n", "Settings!A2"),
    ("SETTING_INVALID", P + "[Settings]\nSetting | Value\nDecimals | nine\n", "Settings!B2"),
    (
        "WORKING_DAYS_INVALID",
        P + "[Schedules]\nSchedule | Working days\nS | Mon,Funday\n",
        "Schedules!B2",
    ),
    (
        "TASK_DATES_MISSING",
        P + "[Roles]\nRole\nDev\n[Tasks]\nProject | Task | Planned hours"
        "\nP1 | T1 | 8\n[Assignments]\nProject | Task | Role\nP1 | T1 | Dev\n",
        "Tasks",
    ),
    (
        "TASK_DATES_REVERSED",
        P + "[Tasks]\nProject | Task | Planned start | Planned completion"
        "\nP1 | T1 | 2024-02-01 | 2024-01-01\n",
        "Tasks!D2",
    ),
]


@pytest.mark.parametrize(("code", "text", "where"), CASES, ids=[c[0] for c in CASES])
def test_problem_code(book, code, text, where):
    _, problems = book(text)
    found = [p for p in problems if p.code == code]
    assert found, f"expected {code}, got {[p.line('b') for p in problems]}"
    p = found[0]
    location = p.location("b").removeprefix("b:") if p.sheet else None
    assert location == where or location.startswith(f"{where}!")
    if where and "!" in where:
        assert p.cell == where.split("!")[1]


def test_a_duplicate_hour_entry_names_its_first_row(book):
    wb, problems = book(
        P + "[Users]\nUser\nu1\n[Hours]\nEntry | Project | User | Date | Hours\n"
        "H1 | P1 | u1 | 2024-01-02 | 1\nH2 | P1 | u1 | 2024-01-02 | 1\n"
        "H1 | P1 | u1 | 2024-01-03 | 2\n"
    )
    duplicates = [(p.cell, p.message) for p in problems if p.code == "ID_DUPLICATE"]
    assert duplicates == [("A4", "entry 'H1' is also in row 2")]
    assert [line.entry for line in wb.hours] == ["H1", "H2"]


def test_did_you_mean_ignores_case(book):
    _, problems = book(
        P + "[Roles]\nRole\nProject Manager\n[Users]\nUser | Primary role\nu1 | project manager\n"
    )
    assert "did you mean 'Project Manager'?" in problems[0].message


def test_unknown_choice_lists_the_valid_ones(book):
    _, problems = book(P + "[Tasks]\nProject | Task | Revenue type\nP1 | T1 | Hourly\n")
    assert "Role Hourly with Cap" in problems[0].message


def test_overlap_names_both_rows(book):
    _, problems = book(
        P + "[Users]\nUser | Billing rate | Start date | End date\n"
        "u1 | 10 | | 2024-01-31\nu1 | 20 | 2024-01-15 |\n"
    )
    assert problems[0].code == "RATE_OVERLAP"
    assert "row 2" in problems[0].message and problems[0].row == 3


def test_names_match_ignoring_case_spaces_and_order(book):
    wb, problems = book("""
        [ projects ]
        planned START | PROJECT  | Fixed Cost
        2024-06-03    | P1       | 1 234,50
        [ROLES]
        billing rate | role
        12,5         | Dev
    """)
    assert problems == []
    assert wb.projects["P1"].planned_start == date(2024, 6, 3)
    assert wb.projects["P1"].fixed_cost == Decimal("1234.50")
    assert wb.roles["Dev"].billing_rates[0].rate == Decimal("12.5")


def test_absent_sheets_are_empty(book):
    wb, problems = book(P)
    assert problems == [] and wb.roles == {} and wb.hours == ()


def test_ids_numbers_and_spaces(tmp_path):
    path = write_sheets(
        tmp_path / "b.xlsx",
        {
            "Projects": [["Project"], [12], [" P2 "]],
            "Tasks": [["Project", "Task"], [12.0, 1], ["P2", "T1"]],
        },
    )
    wb, problems = read_workbook(path)
    assert problems == []
    assert set(wb.projects) == {"12", "P2"}
    assert set(wb.tasks) == {("12", "1"), ("P2", "T1")}


def test_dated_user_rows(book):
    wb, problems = book(
        P
        + """
        [Roles]
        Role
        Dev
        [Users]
        User | Name | Primary role | Cost rate | Billing rate | Start date | End date
        u1   | Ann  | Dev          | 40        | 100          |            | 2024-06-30
        u1   |      |              |           | 110          | 2024-07-01 |
    """
    )
    assert problems == []
    user = wb.users["u1"]
    assert (user.name, user.primary_role) == ("Ann", "Dev")
    assert [p.rate for p in user.billing_rates] == [100, 110]
    assert [p.rate for p in user.cost_rates] == [40]  # a blank rate adds no period


def test_blank_rows_are_skipped(tmp_path):
    path = write_sheets(
        tmp_path / "b.xlsx", {"Projects": [["Project"], ["P1"], [None], ["  "], ["P2"]]}
    )
    wb, problems = read_workbook(path)
    assert problems == [] and list(wb.projects) == ["P1", "P2"]


def test_defaults(book):
    wb, _ = book(
        P + "[Tasks]\nProject | Task\nP1 | T1\n[Billing records]\n"
        "Billing record | Project\nB1 | P1\n"
    )
    t = wb.tasks[("P1", "T1")]
    assert (t.cost_type.value, t.revenue_type.value, t.status.value) == (
        "User Hourly",
        "User Hourly",
        "New",
    )
    assert wb.billing_records["B1"].status.value == "Not Billed"
    assert (wb.settings.currency, wb.settings.decimals) == ("USD", 2)


def test_all_problems_are_collected(tmp_path):
    path = write_text_workbook(
        tmp_path,
        P
        + """
        [Roles]
        Role | Cost rate | Billing rate
        Dev  | x         | y
        Ops  | -1        | 2024-01-01
    """,
    )
    _, problems = read_workbook(path)
    assert [p.cell for p in problems] == ["B2", "C2", "B3", "C3"]


class TestCells:
    @pytest.mark.parametrize(
        ("text", "value"),
        [
            ("1 234,50", "1234.50"),
            ("€12.50", "12.50"),
            ("12,5", "12.5"),
            ("1,234.50", "1234.50"),
            ("1.234,50", "1234.50"),
            ("(3.00)", "-3.00"),
            ("12.50 EUR", "12.50"),
            ("$1,234,567", "1234567"),
            ("0.125", "0.125"),
            ("1 234", "1234"),
            ("-7", "-7"),
        ],
    )
    def test_numbers_typed_as_text(self, text, value):
        assert parse_number_text(text) == Decimal(value)

    @pytest.mark.parametrize(
        ("text", "code"),
        [
            ("1,234", "VALUE_AMBIGUOUS_NUMBER"),
            ("1.234", "VALUE_AMBIGUOUS_NUMBER"),
            ("twelve", "VALUE_NOT_NUMBER"),
            ("1,2,3", "VALUE_NOT_NUMBER"),
            ("1.234.5", "VALUE_NOT_NUMBER"),
            ("", "VALUE_NOT_NUMBER"),
            ("€", "VALUE_NOT_NUMBER"),
        ],
    )
    def test_numbers_refused(self, text, code):
        with pytest.raises(CellError) as err:
            parse_number_text(text)
        assert err.value.code == code

    def test_floats_as_excel_shows_them(self):
        # shortest repr, never Decimal(float); binary noise past 15 digits is dropped
        assert read_decimal(164.4) == Decimal("164.4")
        assert read_decimal(0.1 + 0.2) == Decimal("0.3")
        assert read_decimal(1234567.891) == Decimal("1234567.891")
        assert read_decimal(7) == 7

    def test_dates(self):
        assert read_date("2024-06-30") == date(2024, 6, 30)
        assert read_date("2024-06-30T00:00:00") == date(2024, 6, 30)
        for bad in ("30/06/2024", "2024-02-30", 45000):
            with pytest.raises(CellError):
                read_date(bad)

    def test_booleans(self):
        for yes in ("Yes", "true", "Y", "1", "Oui", True, 1):
            assert read_bool(yes) is True
        for no in ("No", "FALSE", "n", "0", "non", False, 0):
            assert read_bool(no) is False

    def test_ids(self):
        assert read_id(12) == "12" and read_id(12.0) == "12" and read_id(" a ") == "a"
        assert read_id("   ") is None


class TestFiles:
    def test_missing(self, tmp_path):
        _, problems = read_workbook(tmp_path / "nope.xlsx")
        assert codes(problems) == ["FILE_NOT_FOUND"]

    @pytest.mark.parametrize(
        ("content", "code", "words"),
        [
            (b"", "FILE_NOT_WORKBOOK", "empty"),
            (b"Project,Name\nP1,x\n", "FILE_NOT_WORKBOOK", "CSV"),
            (b"just some notes\n", "FILE_NOT_WORKBOOK", "text file"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "FILE_LEGACY_XLS", ".xls"),
            (
                b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
                "FILE_ENCRYPTED",
                "password",
            ),
            (b"PK\x03\x04garbage", "FILE_NOT_WORKBOOK", "truncated"),
        ],
    )
    def test_not_workbooks(self, tmp_path, content, code, words):
        path = tmp_path / "book.xlsx"
        path.write_bytes(content)
        _, problems = read_workbook(path)
        assert codes(problems) == [code]
        assert words in problems[0].message

    def test_ods(self, tmp_path):
        import zipfile

        path = tmp_path / "book.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            z.writestr("content.xml", "<x/>")
        _, problems = read_workbook(path)
        assert "OpenDocument" in problems[0].message

    def test_damaged_package(self, tmp_path):
        import zipfile

        path = tmp_path / "book.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("xl/workbook.xml", "<not-a-workbook")
        _, problems = read_workbook(path)
        assert codes(problems) in (["FILE_UNREADABLE"], ["FILE_NOT_WORKBOOK"])


def test_a_fifo_named_like_a_workbook_is_refused_without_blocking(tmp_path):
    """Opening a FIFO for reading waits for a writer for ever; xlfin never opens one."""
    import os
    import subprocess
    import sys

    fifo = tmp_path / "x.xlsx"
    os.mkfifo(fifo)
    check = (
        "import sys; from xlfin.reader import read_workbook; "
        "print(read_workbook(sys.argv[1])[1][0].code)"
    )
    # In a child process: were it to block, the test fails at the generous timeout instead
    # of hanging the suite.
    result = subprocess.run(
        [sys.executable, "-c", check, str(fifo)], capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "FILE_NOT_WORKBOOK", result.stderr


def test_samples(tmp_path):
    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    _, problems = read_workbook(samples / "agency.xlsx")
    assert problems == []
    _, problems = read_workbook(samples / "broken.xlsx")
    assert {
        "COLUMN_MISSING",
        "REFERENCE_UNKNOWN",
        "VALUE_AMBIGUOUS_NUMBER",
        "VALUE_NEGATIVE",
        "VALUE_NOT_DATE",
        "ID_DUPLICATE",
        "CELL_REQUIRED",
        "FORMULA_NOT_COMPUTED",
        "BILLING_RECORD_OTHER_PROJECT",
        "CELL_ERROR_VALUE",
        "SHEET_UNKNOWN",
        "RATE_GAP",
        "VALUE_NOT_NUMBER",
        "RATE_OVERLAP",
        "COLUMN_UNKNOWN",
        "CHOICE_UNKNOWN",
        "TASK_DATES_REVERSED",
        "ROW_CONTRADICTS",
    } <= set(codes(problems))


def test_sample_is_reproducible(tmp_path):
    """The checked-in agency.xlsx holds what make_samples.py writes."""
    import importlib.util

    samples = Path(__file__).resolve().parent.parent / "sample_workbooks"
    spec = importlib.util.spec_from_file_location("make_samples", samples / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_agency(tmp_path / "agency.xlsx")

    def values(path):
        book = openpyxl.load_workbook(path, read_only=True)
        return {ws.title: list(ws.values) for ws in book.worksheets}

    assert values(tmp_path / "agency.xlsx") == values(samples / "agency.xlsx")


def test_a_remembered_value_never_stands_for_another_kind_of_cell(tmp_path):
    """Each distinct raw value is typed once per column; equal values of other kinds are not
    the same cell: True == 1 and an error cell #REF! == the text "#REF!" in Python."""
    path = write_sheets(
        tmp_path / "b.xlsx",
        {
            "Projects": [
                ["Project", "Name", "Fixed cost"],
                ["P1", "#REF!", 1],
                ["P2", "#REF!", True],
                ["P3", "ok", 8.0],
                ["P4", "ok", 8],
            ]
        },
    )
    book = openpyxl.load_workbook(path)
    book["Projects"]["B2"].data_type = "s"  # the text "#REF!", not the error
    book.save(path)
    wb, problems = read_workbook(path)
    assert [(p.code, p.cell) for p in problems] == [
        ("CELL_ERROR_VALUE", "B3"),
        ("VALUE_NOT_NUMBER", "C3"),
    ]
    assert wb.projects["P1"].name == "#REF!"
    assert wb.projects["P1"].fixed_cost == 1
    assert wb.projects["P3"].fixed_cost == wb.projects["P4"].fixed_cost == 8


@pytest.mark.parametrize(
    ("cell", "addresses", "bad"),
    [
        (
            '"Doe, John" <john@acme.example>; ap@globex.example',
            ('"Doe, John" <john@acme.example>', "ap@globex.example"),
            [],
        ),
        (
            "Jane Doe <jane@acme.example>, cfo@acme.example",
            ("Jane Doe <jane@acme.example>", "cfo@acme.example"),
            [],
        ),
        ("Accounts Payable", (), ["Accounts Payable"]),
        ("john@, a@b.example c@d.example", (), ["john@", "a@b.example c@d.example"]),
        ("foo@bar@baz.example", (), ["foo@bar@baz.example"]),
        ("Jöhn <jo@exämple.com>", ("Jöhn <jo@xn--exmple-cua.com>",), []),  # IDNA
        (" ; , ", (), []),
    ],
)
def test_report_to_is_parsed_as_addresses_never_guessed(cell, addresses, bad):
    from xlfin.reader.cells import read_addresses

    assert read_addresses(cell) == (addresses, bad)


def test_a_name_with_a_comma_is_one_recipient_and_a_bare_name_none(book):
    wb, problems = book(
        '[Projects]\nProject | Report to\nP1 | "Doe, John" <john@acme.example>; Accounts\n'
    )
    assert wb.projects["P1"].report_to == ('"Doe, John" <john@acme.example>',)
    assert [(p.code, p.cell) for p in problems] == [("RECIPIENT_INVALID", "B2")]
