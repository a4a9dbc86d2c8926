"""Billed stays billed: the ledger, freezing, conflicts, reopening, faults and concurrency."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLES, parse_sheets, write_sheets
from xlfin.cli import main
from xlfin.ledger.store import MIGRATIONS, Ledger, LedgerError
from xlfin.pipeline import build

BOOK = """
    [Roles]
    Role | Billing rate
    Dev  | 100
    [Companies]
    Company
    C1
    [Company rates]
    Company | Role | Billing rate
    C1      | Dev  | 120
    [Users]
    User | Primary role
    ann  | Dev
    ben  | Dev
    [Projects]
    Project | Company | Company rates override
    P1      | C1      | No
    [Project rates]
    Project | Role | Billing rate
    P1      | Dev  | 130
    [Tasks]
    Project | Task | Revenue type | Cost type
    P1      | T1   | Role Hourly  | No Cost
    P1      | T2   | Role Hourly  | No Cost
    [Billing records]
    Billing record | Project | Status     | Billing date | Additional amount
    B1             | P1      | Billed     | 2024-06-30   | 10
    B2             | P1      | Not Billed |              | 0
    [Hours]
    Entry | Project | Task | User | Date       | Hours | Billing record
    H1    | P1      | T1   | ann  | 2024-06-03 | 2     | B1
    H2    | P1      | T1   | ann  | 2024-06-04 | 3     | B2
    H3    | P1      | T2   | ben  | 2024-06-05 | 1     |
    [Expenses]
    Expense | Project | Task | Actual amount | Billable | Billing record
    E1      | P1      | T1   | 50            | Yes      | B1
"""
AT = datetime(2024, 7, 1, 12, 0)


class Shop:
    """One workbook rebuilt again and again against one ledger, as a finance user does."""

    def __init__(self, folder: Path, text: str = BOOK) -> None:
        self.folder = folder
        self.ledger = folder / "ledger.sqlite"
        self.text = text

    def edit(self, old: str, new: str) -> Shop:
        assert old in self.text, old
        self.text = self.text.replace(old, new, 1)
        return self

    def build(self, **kwargs):
        path = write_sheets(self.folder / "book.xlsx", parse_sheets(self.text))
        return build(
            path, self.folder / "report.xlsx", generated_at=AT, ledger_path=self.ledger, **kwargs
        )


def revenue(outcome) -> dict[str, Decimal]:
    lines = [r for p in outcome.results.projects for t in p.tasks for r in t.lines]
    return {r.line.entry: r.revenue for r in lines}


def record(outcome, rid):
    return next(
        r for p in outcome.results.projects for r in p.records if r.record.billing_record == rid
    )


def test_billed_record_keeps_its_amounts_after_a_rate_change(tmp_path):
    shop = Shop(tmp_path)
    first = shop.build()
    assert first.ok and first.frozen == ["B1"]
    assert revenue(first) == {"H1": 260, "H2": 390, "H3": 130}
    assert record(first, "B1").total == Decimal("320.00")  # 260 + 50 + 10

    second = shop.edit("P1      | Dev  | 130", "P1      | Dev  | 150").build()
    assert second.ok and second.frozen == []
    assert revenue(second) == {"H1": 260, "H2": 450, "H3": 150}  # only billed H1 stays
    b1 = record(second, "B1")
    assert (b1.total, b1.today_total) == (Decimal("320.00"), Decimal("360.00"))
    project = second.results.projects[0]
    assert project.actual_revenue == 260 + 450 + 150
    assert record(second, "B2").total == 450  # unbilled record moves with the rates


def test_report_marks_frozen_lines_and_shows_todays_total(tmp_path):
    import openpyxl

    shop = Shop(tmp_path)
    shop.build()
    shop.edit("P1      | Dev  | 130", "P1      | Dev  | 150").build()
    book = openpyxl.load_workbook(tmp_path / "report.xlsx")
    hours = book["Hours"]
    assert hours["R2"].value == "billed 2024-06-30"
    assert hours["N2"].value == "frozen 2024-06-30: project override (Project rates row 2)"
    assert hours["P2"].value == 260
    texts = [(c.value, c.row) for c in book["Billing records"]["A"] if c.value]
    today_row = next(row for value, row in texts if value.startswith("At today's rates"))
    assert book["Billing records"][f"I{today_row}"].value == 360


def test_company_rates_override_recalculates_all_but_billed(tmp_path):
    shop = Shop(tmp_path)
    assert revenue(shop.build()) == {"H1": 260, "H2": 390, "H3": 130}  # project rate 130
    after = shop.edit("P1      | C1      | No", "P1      | C1      | Yes").build()
    assert revenue(after) == {"H1": 260, "H2": 360, "H3": 120}  # company 120, H1 frozen


CONFLICTS = [
    (
        "H1    | P1      | T1   | ann  | 2024-06-03 | 2 ",
        "H1    | P1      | T1   | ann  | 2024-06-03 | 2.5 ",
        "BILLED_LINE_CHANGED",
        "Hours!F2",
    ),
    ("ann  | 2024-06-03", "ann  | 2024-06-10", "BILLED_LINE_CHANGED", "Hours!E2"),
    ("T1   | ann  | 2024-06-03", "T1   | ben  | 2024-06-03", "BILLED_LINE_CHANGED", "Hours!D2"),
    (
        "P1      | T1   | ann  | 2024-06-03",
        "P1      | T2   | ann  | 2024-06-03",
        "BILLED_LINE_CHANGED",
        "Hours!C2",
    ),
    (
        "    H1    | P1      | T1   | ann  | 2024-06-03 | 2     | B1\n",
        "",
        "BILLED_LINE_REMOVED",
        "Hours",
    ),
    ("2024-06-03 | 2     | B1", "2024-06-03 | 2     | B2", "BILLED_LINE_REMOVED", "Hours!G2"),
    ("2024-06-04 | 3     | B2", "2024-06-04 | 3     | B1", "BILLED_LINE_ADDED", "Hours!G3"),
    (
        "B1             | P1      | Billed ",
        "B1             | P1      | Not Billed ",
        "BILLED_RECORD_UNBILLED",
        "Billing records!C2",
    ),
    ("2024-06-30   | 10", "2024-06-30   | 20", "BILLED_RECORD_CHANGED", "Billing records!E2"),
    (
        "T1   | 50            | Yes      | B1",
        "T1   | 55            | Yes      | B1",
        "BILLED_RECORD_CHANGED",
        "Expenses!D2",
    ),
    (
        "E1      | P1      | T1   | 50            | Yes      | B1",
        "E1      | P1      | T1   | 50            | Yes      | B1\n    E2 | P1 | T2 | 5 | Yes | B1",
        "BILLED_LINE_ADDED",
        "Expenses!F3",
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "code", "where"), CONFLICTS, ids=[f"{c[2]}-{c[3]}" for c in CONFLICTS]
)
def test_conflicts_are_errors_at_the_cells(tmp_path, old, new, code, where):
    shop = Shop(tmp_path)
    assert shop.build().ok
    (tmp_path / "report.xlsx").unlink()
    outcome = shop.edit(old, new).build()
    assert not outcome.ok
    assert not (tmp_path / "report.xlsx").exists()
    found = [p for p in outcome.problems if p.code == code]
    assert found, [p.line("b") for p in outcome.problems]
    assert found[0].location("b").removeprefix("b:") == where
    assert found[0].is_error


def test_deleted_billed_record(tmp_path):
    shop = Shop(tmp_path)
    shop.build()
    outcome = (
        shop.edit("    B1             | P1      | Billed     | 2024-06-30   | 10\n", "")
        .edit("2024-06-03 | 2     | B1", "2024-06-03 | 2     |")
        .edit("T1   | 50            | Yes      | B1", "T1   | 50            | Yes      |")
        .build()
    )
    assert "BILLED_RECORD_DELETED" in [p.code for p in outcome.problems]
    deleted = next(p for p in outcome.problems if p.code == "BILLED_RECORD_DELETED")
    assert "total 320.00" in deleted.message and deleted.sheet == "Billing records"


def test_deleted_record_still_referenced_names_what_was_billed(tmp_path):
    shop = Shop(tmp_path)
    shop.build()
    outcome = shop.edit(
        "    B1             | P1      | Billed     | 2024-06-30   | 10\n", ""
    ).build()
    codes = {p.code for p in outcome.problems}
    assert {"REFERENCE_UNKNOWN", "BILLED_RECORD_DELETED"} <= codes


def test_reopen_keeps_history_and_refreezes(tmp_path):
    shop = Shop(tmp_path)
    shop.build()
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["ledger", "reopen", "B1", "--reason", "credit note CN-7", "--ledger", str(shop.ledger)],
    )
    assert result.exit_code == 0, result.output
    second = shop.edit("P1      | Dev  | 130", "P1      | Dev  | 150").build()
    assert second.frozen == ["B1"]
    assert revenue(second)["H1"] == 300
    with Ledger.open(shop.ledger) as ledger:
        versions = ledger.history("file:book.xlsx", "B1")
        events = ledger.events("file:book.xlsx", "B1")
    assert [(v.version, v.total, v.reopen_reason) for v in versions] == [
        (1, Decimal("320.00"), "credit note CN-7"),
        (2, Decimal("360.00"), None),
    ]
    assert [(e[0], e[1]) for e in events] == [(1, "frozen"), (1, "reopened"), (2, "frozen")]
    result = runner.invoke(main, ["ledger", "show", "B1", "--ledger", str(shop.ledger)])
    assert "reopened" in result.output and "credit note CN-7" in result.output


def test_reopen_unknown_record(tmp_path):
    shop = Shop(tmp_path)
    shop.build()
    result = CliRunner().invoke(
        main, ["ledger", "reopen", "B9", "--reason", "x", "--ledger", str(shop.ledger)]
    )
    assert result.exit_code == 1 and "'B9' is not in the ledger" in result.output


def test_ledger_list_and_show(tmp_path):
    shop = Shop(tmp_path)
    shop.build()
    runner = CliRunner()
    listed = runner.invoke(
        main, ["ledger", "list", "--ledger", str(shop.ledger), "--format", "json"]
    )
    data = json.loads(listed.output)["records"]
    assert [(r["billing_record"], r["total"], r["lines"]) for r in data] == [("B1", "320.00", 1)]
    shown = runner.invoke(
        main, ["ledger", "show", "B1", "--ledger", str(shop.ledger), "--format", "json"]
    )
    version = json.loads(shown.output)["versions"][0]
    assert version["lines"][0]["entry"] == "H1" and version["lines"][0]["amount"] == "260.00"
    assert version["source_name"] == "book.xlsx" and len(version["source_sha256"]) == 64
    text = runner.invoke(main, ["ledger", "list", "--ledger", str(shop.ledger)]).output
    assert "B1\tP1\tbilled 2024-06-30\ttotal 320.00" in text
    assert (
        runner.invoke(main, ["ledger", "list", "--ledger", str(tmp_path / "none.sqlite")]).exit_code
        == 2
    )


def test_amounts_are_stored_as_exact_text(tmp_path):
    shop = Shop(tmp_path)
    shop.build()
    db = sqlite3.connect(shop.ledger)
    types = {
        r[0]
        for r in db.execute(
            "SELECT typeof(amount) FROM record_lines UNION SELECT typeof(total) FROM records"
        )
    }
    assert types == {"text"}
    columns = [
        r
        for t in ("records", "record_lines", "record_expenses", "record_fixed")
        for r in db.execute(f"PRAGMA table_info({t})")
    ]
    assert not [c for c in columns if c[2].upper() == "REAL"]


def test_no_ledger_warns_on_every_billed_record(tmp_path):
    outcome = Shop(tmp_path).build(use_ledger=False)
    assert outcome.ok
    warnings = [p for p in outcome.problems if p.code == "LEDGER_DISABLED"]
    assert [(w.cell, w.severity.value) for w in warnings] == [("C2", "warning")]
    assert not (tmp_path / "ledger.sqlite").exists()


def test_default_ledger_beside_the_workbook(tmp_path, monkeypatch):
    monkeypatch.delenv("XLFIN_LEDGER")
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(BOOK))
    result = CliRunner().invoke(main, ["build", str(path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "xlfin-ledger.sqlite").exists()
    assert "froze billed records in the ledger: B1" in result.output


class TestStore:
    def test_migrations_from_an_empty_file(self, tmp_path):
        path = tmp_path / "l.sqlite"
        path.touch()
        with Ledger.open(path) as ledger:
            assert ledger.migrations() == [name for name, _ in MIGRATIONS]
            assert ledger.current("file:book.xlsx") == {}
        application_id = sqlite3.connect(path).execute("PRAGMA application_id").fetchone()[0]
        assert application_id == 0x78666E31

    def test_rerunning_a_migration_does_nothing(self, tmp_path):
        path = tmp_path / "l.sqlite"
        with Ledger.open(path) as ledger:
            name, statements = MIGRATIONS[0]
            assert ledger.apply_migration(name, statements) is False
        with Ledger.open(path) as ledger:  # opening again migrates nothing and fails nothing
            assert ledger.migrations() == [name for name, _ in MIGRATIONS]

    def test_a_failing_migration_leaves_nothing(self, tmp_path):
        path = tmp_path / "l.sqlite"
        with Ledger.open(path) as ledger:
            with pytest.raises(sqlite3.OperationalError):
                ledger.apply_migration("0099_broken", ("CREATE TABLE t (x)", "SELECT nope"))
            assert ledger.migrations() == [name for name, _ in MIGRATIONS]
            assert not ledger.db.execute("SELECT 1 FROM sqlite_master WHERE name = 't'").fetchone()

    def test_newer_ledger_is_refused(self, tmp_path):
        path = tmp_path / "l.sqlite"
        with Ledger.open(path) as ledger:
            ledger.apply_migration("9999_future", ("CREATE TABLE future (x)",))
        with pytest.raises(LedgerError, match="newer xlfin"), Ledger.open(path):
            pass

    @pytest.mark.parametrize(
        "content", [b"not a database at all", b"SQLite format 3\x00" + b"\xff" * 200]
    )
    def test_corrupt_file_is_refused_and_untouched(self, tmp_path, content):
        path = tmp_path / "l.sqlite"
        path.write_bytes(content)
        with pytest.raises(LedgerError), Ledger.open(path):
            pass
        assert path.read_bytes() == content
        shop = Shop(tmp_path)
        shop.ledger = path
        assert [p.code for p in shop.build().problems] == ["LEDGER_UNREADABLE"]
        assert path.read_bytes() == content

    def test_foreign_sqlite_is_refused_and_untouched(self, tmp_path):
        path = tmp_path / "other.sqlite"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE customers (name TEXT)")
        db.commit()
        db.close()
        before = path.read_bytes()
        shop = Shop(tmp_path)
        shop.ledger = path
        outcome = shop.build()
        assert [p.code for p in outcome.problems] == ["LEDGER_UNREADABLE"]
        assert "another program" in outcome.problems[0].message
        assert path.read_bytes() == before
        result = CliRunner().invoke(main, ["ledger", "list", "--ledger", str(path)])
        assert result.exit_code == 1 and "Traceback" not in result.output


BUILD_SCRIPT = """
import sys
from pathlib import Path
from xlfin.pipeline import build
outcome = build(Path(sys.argv[1]), Path(sys.argv[2]), ledger_path=Path(sys.argv[3]))
print(",".join(outcome.frozen))
sys.exit(0 if outcome.ok else 1)
"""


def test_two_builds_at_once_freeze_each_record_once(tmp_path):
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(BOOK))
    ledger = tmp_path / "ledger.sqlite"
    runs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                BUILD_SCRIPT,
                str(path),
                str(tmp_path / f"r{i}.xlsx"),
                str(ledger),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0].strip() for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    assert sorted(outputs) == ["", "B1"]  # exactly one of them froze B1
    db = sqlite3.connect(ledger)
    assert db.execute("SELECT COUNT(*) FROM records").fetchone()[0] == 1
    assert db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1


class _Interleaved:
    """A connection that lets something happen right after its first look at the file."""

    def __init__(self, connection, meanwhile):
        self.connection, self.meanwhile = connection, meanwhile

    def execute(self, sql, *args):
        cursor = self.connection.execute(sql, *args)
        if sql.startswith("PRAGMA application_id") and self.meanwhile:
            self.meanwhile, meanwhile = None, self.meanwhile
            rows = cursor.fetchall()  # the look is over: its statement holds no lock now
            meanwhile()
            return _Rows(rows)
        return cursor

    def __getattr__(self, name):
        return getattr(self.connection, name)


class _Rows:
    def __init__(self, rows):
        self.rows = rows

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self):
        return self.rows


def test_a_new_ledger_created_by_two_builds_at_once_is_refused_by_neither(tmp_path, monkeypatch):
    # The race CI once hit: build A looks at the new file (no application id yet), build B
    # migrates it, then A sees xlfin's tables without the id and took it for another
    # program's database. A's look and first write are one transaction now, so B waits.
    import xlfin.ledger.store as store

    path = tmp_path / "ledger.sqlite"
    connect = sqlite3.connect
    other: dict[str, object] = {}

    def meanwhile():
        # B comes in between A's look and A's first write. Told not to wait, B finds the
        # file held by A (with two separate looks, B would migrate it here instead).
        waits, store.BUSY_TIMEOUT_SECONDS = store.BUSY_TIMEOUT_SECONDS, 0
        try:
            with Ledger.open(path) as ledger:
                other["early"] = ledger.migrations()
        except LedgerError as exc:
            other["early"] = str(exc)
        finally:
            store.BUSY_TIMEOUT_SECONDS = waits

    def first_interleaved(*args, **kwargs):
        monkeypatch.setattr(sqlite3, "connect", connect)
        return _Interleaved(connect(*args, **kwargs), meanwhile)

    monkeypatch.setattr(sqlite3, "connect", first_interleaved)
    with Ledger.open(path) as ledger:
        assert ledger.migrations() == [name for name, _ in MIGRATIONS]
    assert "is locked by another build or program" in str(other["early"])
    with Ledger.open(path) as ledger:  # B, waiting as a real build does, then gets in
        assert ledger.migrations() == [name for name, _ in MIGRATIONS]


KILLED_SCRIPT = """
import sys, time
from pathlib import Path
import xlfin.ledger.store as store
real = store.Ledger.freeze
def slow_freeze(self, workbook, records):
    with self.transaction() as db:
        db.execute("INSERT INTO events (workbook, billing_record, version, event, at) "
                   "VALUES (?, 'B1', 1, 'frozen', 'now')", (workbook,))
        Path(sys.argv[4]).write_text("inside")
        time.sleep(60)
store.Ledger.freeze = slow_freeze
from xlfin.pipeline import build
build(Path(sys.argv[1]), Path(sys.argv[2]), ledger_path=Path(sys.argv[3]))
"""


def test_a_killed_build_leaves_the_ledger_as_it_was(tmp_path):
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(BOOK))
    ledger, flag = tmp_path / "ledger.sqlite", tmp_path / "inside"
    run = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_SCRIPT,
            str(path),
            str(tmp_path / "r.xlsx"),
            str(ledger),
            str(flag),
        ]
    )
    deadline = time.monotonic() + 60
    while not flag.exists() and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.05)
    assert flag.exists(), "the build never reached the freezing transaction"
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    with Ledger.open(ledger) as opened:
        assert opened.current("file:book.xlsx") == {}
        assert opened.db.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 0
    assert not (tmp_path / "r.xlsx").exists()
    outcome = build(path, tmp_path / "r.xlsx", ledger_path=ledger)  # and the next build works
    assert outcome.ok and outcome.frozen == ["B1"]


CAPPED = BOOK.replace(
    """
    Project | Task | Revenue type | Cost type
    P1      | T1   | Role Hourly  | No Cost
""",
    """
    Project | Task | Revenue type         | Cost type | Fixed amount
    P1      | T1   | Role Hourly with Cap | No Cost   | 500
""",
)
"""T1 capped at 500: H1 (260, in B1) and H2 (390, cut to 240, in B2)."""


def test_freezing_marks_the_results_exactly_as_computing_again(tmp_path):
    """A build that freezes records marks the results it froze them from (`with_frozen`)
    instead of computing twice; that must equal computing again from the ledger, also in a
    capped task whose cap cuts a billed line, and give way to computing again when the
    ledger holds something else."""
    from xlfin.core.compute import compute, with_frozen
    from xlfin.ledger.records import frozen_lines, to_freeze
    from xlfin.reader import read_workbook

    shop = Shop(tmp_path, CAPPED)
    frozen: dict = {}
    for edit in (
        None,
        (
            "B2             | P1      | Not Billed |              |",
            "B2 | P1 | Billed | 2024-07-31 |",
        ),
    ):
        if edit:
            shop.edit(*edit)
        workbook, problems = read_workbook(
            write_sheets(tmp_path / "b.xlsx", parse_sheets(shop.text))
        )
        assert not [p for p in problems if p.is_error]
        before = compute(workbook, frozen_lines(frozen.values()))
        for new in to_freeze(before, frozen, "b.xlsx", "0" * 64, AT):
            frozen[new.billing_record] = new
        lines = frozen_lines(frozen.values())
        assert with_frozen(before, lines) == compute(workbook, lines)
    after = compute(workbook, lines)
    capped = {r.line.entry: r for r in after.projects[0].tasks[0].lines}
    assert capped["H2"].revenue < capped["H2"].today  # the cap cut the billed line H2
    assert set(lines) == {"H1", "H2"}

    moved = dict(lines, H2=replace(lines["H2"], revenue=lines["H2"].revenue + 1))
    assert with_frozen(before, moved) is None  # another build froze another amount
    assert with_frozen(after, {"H2": lines["H2"]}) is None  # H1 was reopened meanwhile
    ghost = dict(lines, H9=replace(lines["H2"], entry="H9"))
    assert with_frozen(before, ghost) is None  # a frozen line no record here holds
    # Task lines that are not the very results the records hold: compute again.
    [project] = before.projects
    copied = replace(
        project,
        tasks=tuple(replace(t, lines=tuple(type(r)(*r) for r in t.lines)) for t in project.tasks),
    )
    assert with_frozen(before, lines) is not None
    assert with_frozen(replace(before, projects=(copied,)), lines) is None


def test_a_ledger_locked_by_another_process_is_one_line_after_a_bounded_wait(tmp_path, monkeypatch):
    import xlfin.ledger.store as store

    path = tmp_path / "ledger.sqlite"
    with Ledger.open(path):
        pass  # a real ledger
    holder = subprocess.Popen(  # another program holding it, in its own process
        [sys.executable, "-c",
         "import sqlite3, sys, time; db = sqlite3.connect(sys.argv[1], isolation_level=None); "
         "db.execute('BEGIN EXCLUSIVE'); print('held', flush=True); time.sleep(600)",
         str(path)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    monkeypatch.setattr(store, "BUSY_TIMEOUT_SECONDS", 1)
    try:
        assert holder.stdout.readline().strip() == "held"
        result = CliRunner().invoke(
            main, ["build", str(SAMPLES / "agency.xlsx"), "-o", str(tmp_path / "r.xlsx"),
                   "--ledger", str(path)],
        )  # fmt: skip
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 1
    assert "is locked by another build or program (waited 1 s)" in result.output
    assert "no report written: the ledger cannot be used" in result.output
    assert not (tmp_path / "r.xlsx").exists()


def test_validate_checks_the_workbook_against_its_ledger(tmp_path):
    """A billed line edited after the build: validate says so, as build would (it used to
    say "no problems"); --no-ledger checks the workbook alone; the ledger is only read."""
    shop = Shop(tmp_path)
    assert shop.build().ok
    before = shop.ledger.read_bytes()
    shop.edit(
        "H1    | P1      | T1   | ann  | 2024-06-03 | 2",
        "H1    | P1      | T1   | ann  | 2024-06-03 | 5",
    )
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(shop.text))
    result = CliRunner().invoke(main, ["validate", str(path), "--ledger", str(shop.ledger)])
    assert result.exit_code == 1
    assert "book.xlsx:Hours!F2: error BILLED_LINE_CHANGED" in result.output
    alone = CliRunner().invoke(
        main, ["validate", str(path), "--ledger", str(shop.ledger), "--no-ledger"]
    )
    assert alone.exit_code == 0 and "BILLED_LINE_CHANGED" not in alone.output
    assert shop.ledger.read_bytes() == before  # read, never written
