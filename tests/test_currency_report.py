"""The report of a workbook in three currencies (sample_workbooks/global.xlsx): each
project's figures in its currency, base-currency columns where projects are added, the
conversion shown on the Hours and Planned sheets, and a report that, recalculated by
LibreOffice, says what the JSON says."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from conftest import SAMPLES
from xlfin.pipeline import build

GENERATED_AT = datetime(2024, 7, 20, 9, 0)
MONEY = ("planned_cost", "actual_cost", "planned_revenue", "actual_revenue", "billed", "unbilled")
HEADERS = {
    "planned_cost": "Planned cost",
    "actual_cost": "Actual cost",
    "planned_revenue": "Planned revenue",
    "actual_revenue": "Actual revenue",
    "billed": "Billed",
    "unbilled": "Not yet billed",
}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("global")
    outcome = build(
        SAMPLES / "global.xlsx",
        folder / "global-billing.xlsx",
        folder / "global.json",
        generated_at=GENERATED_AT,
        ledger_path=folder / "ledger.sqlite",
    )
    assert outcome.ok, [p.line("global.xlsx") for p in outcome.problems]
    data = json.loads(outcome.summary.read_text(encoding="utf-8"))
    return outcome.report, data


def _table(rows: list[list[object]], header_text: str) -> tuple[list[object], list[list[object]]]:
    """The header row (the first whose first cell is `header_text`) and the rows below it,
    to the first blank one (the Summary has a Budget block further down)."""
    at = next(i for i, row in enumerate(rows) if row and row[0] == header_text)
    body = []
    for row in rows[at + 1 :]:
        if not row or row[0] in (None, ""):
            break
        body.append(row)
    return rows[at], body


def _summary_checks(rows: list[list[object]], data: dict, number) -> None:
    """The Summary as `rows` (cells as read) against the JSON: every project's figures in its
    currency and in the base, and the base totals."""
    header, body = _table(rows, "Project")
    col = {name: i for i, name in enumerate(header) if name}
    base = data["currency"]
    by_id = {row[0]: row for row in body if row and row[0]}
    for p in data["projects"]:
        row = by_id[p["project"]]
        assert row[col["Currency"]] == p["currency"]
        for key, name in HEADERS.items():
            assert number(row[col[name]]) == Decimal(p[key]), (p["project"], name)
            assert number(row[col[f"{name} ({base})"]]) == Decimal(p[f"{key}_base"])
    total = by_id["Total"]
    for key, name in HEADERS.items():
        assert number(total[col[f"{name} ({base})"]]) == Decimal(data["totals_base"][key])
        assert total[col[name]] in (None, "")  # amounts in several currencies: no total


def test_the_summary_shows_each_project_in_its_currency_and_adds_up_in_base(built):
    report, data = built
    ws = openpyxl.load_workbook(report, data_only=True)["Summary"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    _summary_checks(rows, data, lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    assert [p["currency"] for p in data["projects"]] == ["USD", "EUR", "GBP"]
    # Each project's amounts in its currency's format; the base columns in the base's.
    header, _ = _table(rows, "Project")
    cost, cost_base = header.index("Actual cost") + 1, header.index("Actual cost (USD)") + 1
    formats = {ws.cell(r, 1).value: ws.cell(r, cost).number_format for r in range(4, 7)}
    assert "€" in formats["P-EU"] and "£" in formats["P-UK"] and "$" in formats["P-US"]
    assert all("$" in ws.cell(r, cost_base).number_format for r in range(4, 7))
    # 2,140.00 USD: P-UK's 1,712.00 GBP at its own rate 0.80 (model 13.3).
    assert data["projects"][2]["actual_revenue_base"] == "2140.00"


def test_the_hours_sheet_shows_rate_currency_factor_and_amount(built):
    report, _ = built
    ws = openpyxl.load_workbook(report)["Hours"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header, body = _table(rows, "Entry")
    line = {row[0]: dict(zip(header, row, strict=True)) for row in body if row[0]}
    g007 = line["G-007"]  # 7.5 h by cat at 120 USD on a EUR project, 20 June: × 0.92
    assert (g007["Currency"], g007["Billing rate"], g007["Billing rate currency"]) == (
        "EUR",
        120,
        "USD",
    )
    assert g007["Billing exchange factor"] == pytest.approx(0.92)
    assert g007["Revenue"] == 828
    g005 = line["G-005"]  # Designer's EUR rate on the EUR project: not converted
    assert g005["Billing exchange factor"] is None and g005["Revenue"] == 852.5


def test_the_planned_sheet_splits_a_rate_period_where_the_exchange_rate_changes(built):
    report, _ = built
    ws = openpyxl.load_workbook(report)["Planned"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header, body = _table(rows, "Project")
    at = {name: i for i, name in enumerate(header)}
    # P-EU T2: cat at 120 USD, 10 June – 12 July: June at 0.92, July at 0.94.
    factors = [
        (row[at["From"]].date().isoformat(), round(row[at["Exchange factor"]], 4))
        for row in body
        if row[0] == "P-EU" and row[at["Task"]] == "T2" and row[at["Revenue or cost"]] == "Revenue"
    ]
    assert factors == [("2024-06-10", 0.92), ("2024-07-01", 0.94)]


def test_a_workbook_in_one_currency_has_no_currency_columns(tmp_path):
    outcome = build(SAMPLES / "agency.xlsx", tmp_path / "r.xlsx", ledger_path=tmp_path / "l")
    book = openpyxl.load_workbook(outcome.report)
    for name in ("Summary", "Tasks", "Hours", "Planned", "Expenses", "Rates"):
        headers = {c for row in book[name].iter_rows(max_row=3, values_only=True) for c in row}
        assert not headers & {"Currency", "Billing exchange factor", "Exchange factor"}, name


# -- LibreOffice ------------------------------------------------------------------------

SOFFICE = shutil.which("soffice")
RECALCULATE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""
"""A LibreOffice profile that recalculates every formula of an xlsx file when it loads it
(its default keeps the values the file holds)."""
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def recalculated(tmp_path: Path, *books: Path) -> Path:
    """Every sheet of `books` as CSV, as LibreOffice computes them (one file per sheet)."""
    profile = tmp_path / "profile" / "user"
    profile.mkdir(parents=True)
    (profile / "registrymodifications.xcu").write_text(RECALCULATE, encoding="utf-8")
    out = tmp_path / "csv"
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", CSV_ALL_SHEETS, "--outdir", str(out), *map(str, books)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return out


def _csv(path: Path) -> list[list[object]]:
    with path.open(encoding="utf-8", newline="") as f:
        return [list(row) for row in csv.reader(f)]


def _number(text: object) -> Decimal:
    return Decimal(str(text).replace(",", "")).quantize(Decimal("0.01"))


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_the_report_recalculated_by_libreoffice_equals_the_json(built, tmp_path):
    report, data = built
    # A control whose stored value is wrong proves that LibreOffice did recalculate.
    control = tmp_path / "control.xlsx"
    book = xlsxwriter.Workbook(str(control))
    book.add_worksheet("S").write_formula(0, 0, "=1+1", None, 3)
    book.close()
    out = recalculated(tmp_path, report, control)
    assert _csv(out / "control-S.csv") == [["2"]]
    stem = report.stem
    _summary_checks(_csv(out / f"{stem}-Summary.csv"), data, _number)
    # Every record's subtotals and total, recalculated, against the JSON.
    rows = _csv(out / f"{stem}-Billing records.csv")
    totals = {row[0][len("Total of ") :]: _number(row[-1]) for row in rows if row and
              row[0].startswith("Total of ")}  # fmt: skip
    expected = {
        r["billing_record"]: Decimal(r["total"])
        for p in data["projects"]
        for r in p["billing_records"]
    }
    assert totals == expected
    # The Tasks sheet's rows, in each project's currency.
    header, body = _table(_csv(out / f"{stem}-Tasks.csv"), "Project")
    tasks = {(row[0], row[2]): row for row in body if row and row[0]}
    for p in data["projects"]:
        for t in p["tasks"]:
            row = tasks[(p["project"], t["task"])]
            for key in ("planned_cost", "actual_cost", "planned_revenue", "actual_revenue"):
                assert _number(row[header.index(HEADERS[key])]) == Decimal(t[key])


# -- the ledger --------------------------------------------------------------------------


def _edited(path: Path, changes: dict[tuple[str, str, str], object]) -> Path:
    """A copy of global.xlsx with cells changed: (sheet, first cell of the row — the first
    row with it —, header)."""
    book = openpyxl.load_workbook(SAMPLES / "global.xlsx")
    for (sheet, key, header), value in changes.items():
        ws = book[sheet]
        headers = [c.value for c in ws[1]]
        row = next(r for r in ws.iter_rows(min_row=2) if r[0].value == key)
        row[headers.index(header)].value = value
    book.save(path)
    return path


def _build(path: Path, ledger: Path) -> dict:
    outcome = build(path, path.with_suffix(".out.xlsx"), path.with_suffix(".json"),
                    generated_at=GENERATED_AT, ledger_path=ledger)  # fmt: skip
    assert outcome.ok, [p.line(path.name) for p in outcome.problems]
    return json.loads(outcome.summary.read_text(encoding="utf-8"))


def _records(data: dict) -> dict[str, str]:
    return {r["billing_record"]: r["total"] for p in data["projects"] for r in p["billing_records"]}


def test_billed_amounts_keep_their_conversion_when_rates_change(tmp_path):
    """Billed records keep their amounts, exchange factor included (and an expense priced
    from units its amount); the unbilled ones move with the new rates."""
    ledger = tmp_path / "ledger.sqlite"
    uk_billed = {("Billing records", "B-UK-1", "Status"): "Billed",
                 ("Billing records", "B-UK-1", "Billing date"): datetime(2024, 6, 30)}  # fmt: skip
    before = _build(_edited(tmp_path / "global.xlsx", uk_billed), ledger)
    changed = {
        **uk_billed,
        ("Exchange rates", "EUR", "Rate"): 0.97,  # both EUR rows' first match: June
        ("Projects", "P-UK", "Exchange rate"): 0.85,
        ("Expense types", "Mileage", "Rate"): 0.70,
    }
    after = _build(_edited(tmp_path / "global.xlsx", changed), ledger)
    assert _records(before) == {"B-US-1": "750.00", "B-EU-1": "2554.40", "B-EU-2": "1134.50",
                                "B-UK-1": "1152.32"}  # fmt: skip
    # Frozen: B-EU-1 (G-007 at 120 USD × 0.92) and B-UK-1 (lines × 0.80, 120 miles ×
    # 0.67 USD × 0.80 = 64.32) as billed; B-EU-2, not billed, has only July lines (EUR 0.94,
    # unchanged).
    assert _records(after) == _records(before)
    p_eu, p_uk = after["projects"][1], after["projects"][2]
    # Unbilled lines moved: G-008 (8 July, EUR 0.94 unchanged) stays 564.00; G-011 on P-UK:
    # 6.5 h × 120 USD × 0.85 = 663.00 GBP (624.00 before).
    assert (before["projects"][2]["unbilled"], p_uk["unbilled"]) == ("624.00", "663.00")
    assert p_eu["unbilled"] == before["projects"][1]["unbilled"]
    from xlfin.ledger.store import Ledger

    with Ledger.open(ledger) as opened:
        [identity] = opened.workbooks()
        frozen = opened.current(identity)
    assert (frozen["B-EU-1"].currency, frozen["B-UK-1"].currency) == ("EUR", "GBP")
    g007 = next(x for x in frozen["B-EU-1"].lines if x.entry == "G-007")
    assert (g007.rate, g007.rate_currency, g007.amount) == (Decimal(120), "USD", Decimal("828.00"))
    assert g007.factor == Decimal("0.92")
    [mileage] = frozen["B-UK-1"].expenses
    assert (mileage.amount, mileage.units) == (Decimal("64.32"), Decimal(120))


def test_a_project_whose_currency_changed_after_billing_is_an_error(tmp_path):
    ledger = tmp_path / "ledger.sqlite"
    _build(_edited(tmp_path / "global.xlsx", {}), ledger)
    path = _edited(tmp_path / "global.xlsx", {("Projects", "P-EU", "Currency"): "GBP"})
    outcome = build(path, tmp_path / "out.xlsx", generated_at=GENERATED_AT, ledger_path=ledger)
    assert not outcome.ok
    [changed] = [p for p in outcome.problems if p.code == "BILLED_PROJECT_CURRENCY_CHANGED"]
    assert changed.cell == "F3" and "B-EU-1" in changed.message and "EUR" in changed.message
