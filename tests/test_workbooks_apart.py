"""Many clients, one folder: each workbook's billed records are its own in the ledger.

Two clients' workbooks with the same billing-record ids share a folder and its ledger;
they are built apart, together (parallel folder builds) and through a real watcher, in
either order, and each keeps its own frozen records.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import REPO, SAMPLES, parse_sheets, write_sheets
from test_inbox import Watcher
from test_ledger import AT, BOOK
from xlfin.cli import main
from xlfin.ledger.store import Ledger
from xlfin.pipeline import build
from xlfin.reader import read_workbook

SAMPLE_ID = "6f1c2a9e-4b7d-4c1e-9a55-2d8e0b3f7a10"
"""Settings › Workbook ID of sample_workbooks/agency.xlsx."""


def client(workbook_id: str | None, rate: int, hours: int, extra: int = 1) -> str:
    """BOOK as another client's workbook: its own id, project rate and billed hours (B1
    has H1), `extra` the unbilled hours of H3 (changed to make a new drop)."""
    text = BOOK.replace("P1      | Dev  | 130", f"P1      | Dev  | {rate}")
    text = text.replace(
        "H1    | P1      | T1   | ann  | 2024-06-03 | 2     | B1",
        f"H1    | P1      | T1   | ann  | 2024-06-03 | {hours}     | B1",
    )
    text = text.replace(
        "H3    | P1      | T2   | ben  | 2024-06-05 | 1     |",
        f"H3    | P1      | T2   | ben  | 2024-06-05 | {extra}     |",
    )
    if workbook_id is not None:
        text = f"[Settings]\nSetting | Value\nWorkbook ID | {workbook_id}\n" + text
    return text


ACME = ("acme-2024", 130, 2)  # B1 = 2 h × 130 + expense 50 + additional 10 = 320.00
GLOBEX = (None, 200, 5)  # no Workbook ID: kept under its file name; B1 = 1,060.00
TOTALS = {"file:globex.xlsx": Decimal("1060.00"), "acme-2024": Decimal("320.00")}


def write_clients(folder: Path, extra: int = 1) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [
        write_sheets(folder / "acme.xlsx", parse_sheets(client(*ACME, extra=extra))),
        write_sheets(folder / "globex.xlsx", parse_sheets(client(*GLOBEX, extra=extra))),
    ]


def frozen_totals(ledger: Path) -> dict[str, Decimal]:
    with Ledger.open(ledger) as book:
        records = book.all_current()
    assert sorted((r.workbook, r.billing_record) for r in records) == [
        ("acme-2024", "B1"),
        ("file:globex.xlsx", "B1"),
    ]
    return {r.workbook: r.total for r in records}


def test_two_clients_with_the_same_record_ids_built_apart_in_either_order(tmp_path):
    for round in range(20):
        folder = tmp_path / f"round-{round}"
        books = write_clients(folder)
        random.Random(round).shuffle(books)
        ledger = folder / "xlfin-ledger.sqlite"
        for path in books:
            outcome = build(path, folder / f"{path.stem}-r.xlsx", generated_at=AT)
            assert outcome.ok, [p.line(path.name) for p in outcome.problems if p.is_error]
            assert outcome.frozen == ["B1"]
        assert frozen_totals(ledger) == TOTALS
        for path in books:  # and again: each checks against its own records only
            assert build(path, folder / "again.xlsx", generated_at=AT).ok


@pytest.mark.slow
def test_two_clients_with_the_same_record_ids_built_together_in_parallel(tmp_path):
    runner = CliRunner()
    for round in range(20):
        folder = tmp_path / f"round-{round}"
        write_clients(folder)
        result = runner.invoke(main, ["build", str(folder), "--ledger", str(folder / "l.sqlite")])
        assert result.exit_code == 0, result.output
        assert frozen_totals(folder / "l.sqlite") == TOTALS


@pytest.mark.slow
def test_two_clients_with_the_same_record_ids_through_the_watcher(tmp_path):
    """One watcher, both workbooks dropped together 20 times (an unbilled cell changed
    each time, so each drop is built): every build of each passes its own frozen B1."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    ledger = tmp_path / "l.sqlite"
    watcher = Watcher(inbox, "--ledger", str(ledger))
    try:
        for round in range(20):
            staged = write_clients(tmp_path / "staging", extra=round + 1)
            random.Random(round).shuffle(staged)
            for path in staged:
                path.replace(inbox / path.name)
            watcher.wait_for("report written to", 2 * (round + 1), timeout=120)
    finally:
        assert watcher.stop() == 0
    assert "failed" not in watcher.text(), watcher.text()
    assert frozen_totals(ledger) == TOTALS


def test_a_conflict_names_only_the_workbooks_own_records(tmp_path):
    acme, globex = write_clients(tmp_path)
    assert build(acme, tmp_path / "a.xlsx").ok and build(globex, tmp_path / "g.xlsx").ok
    text = client(*GLOBEX).replace("| 5     | B1", "| 6     | B1")  # a billed line edited
    write_sheets(globex, parse_sheets(text))
    outcome = build(globex, tmp_path / "g.xlsx")
    changed = [p for p in outcome.problems if p.is_error]
    assert [p.code for p in changed] == ["BILLED_LINE_CHANGED"]
    assert "5" in changed[0].message and "130" not in changed[0].message


def test_a_workbook_without_an_id_is_told_how_to_pin_one_and_its_records_follow(tmp_path):
    path = write_sheets(tmp_path / "book.xlsx", parse_sheets(BOOK))
    ledger = tmp_path / "l.sqlite"
    first = build(path, tmp_path / "r.xlsx", ledger_path=ledger, generated_at=AT)
    [missing] = [p for p in first.problems if p.code == "WORKBOOK_ID_MISSING"]
    assert missing.sheet == "Settings" and "book.xlsx" in missing.message
    suggested = missing.message.rsplit("Workbook ID = ", 1)[1]
    assert str(uuid.UUID(suggested)) == suggested  # a fresh one, ready to paste
    pinned = f"[Settings]\nSetting | Value\nWorkbook ID | {suggested}\n" + BOOK
    renamed = write_sheets(tmp_path / "book.xlsx", parse_sheets(pinned))
    second = build(renamed, tmp_path / "r.xlsx", ledger_path=ledger, generated_at=AT)
    assert second.ok and second.frozen == []  # B1 was not frozen again at today's rates
    [adopted] = [p for p in second.problems if p.code == "WORKBOOK_ID_ADOPTED"]
    assert "B1" in adopted.message
    with Ledger.open(ledger) as book:
        assert book.workbooks() == [suggested]
        assert [e[1] for e in book.events(suggested, "B1")] == ["frozen", "adopted"]
    third = build(renamed, tmp_path / "r.xlsx", ledger_path=ledger, generated_at=AT)
    assert third.ok and "WORKBOOK_ID_ADOPTED" not in [p.code for p in third.problems]


def test_a_ledger_from_before_workbook_ids_is_migrated_and_adopted(tmp_path):
    """tests/data/ledger-v1-agency.sqlite was written by xlfin before records were kept by
    workbook: the sample built, B-100-1 reopened ("credit note CN-7") and built again."""
    ledger = tmp_path / "xlfin-ledger.sqlite"
    shutil.copy(REPO / "tests" / "data" / "ledger-v1-agency.sqlite", ledger)
    with sqlite3.connect(ledger) as db:
        assert "workbook" not in [r[1] for r in db.execute("PRAGMA table_info(records)")]
    with Ledger.open(ledger) as book:
        assert [(r.workbook, r.billing_record, r.version, r.total) for r in book.all_current()] == [
            ("file:agency.xlsx", "B-100-1", 2, Decimal("4865.40")),
            ("file:agency.xlsx", "B-200-1", 1, Decimal("2528.50")),
        ]
        history = book.history("file:agency.xlsx", "B-100-1")
        assert [(v.version, v.reopen_reason) for v in history] == [
            (1, "credit note CN-7"),
            (2, None),
        ]
        assert len(history[1].lines) == 5
        assert [e[1] for e in book.events("file:agency.xlsx", "B-100-1")] == [
            "frozen",
            "reopened",
            "frozen",
        ]
    path = shutil.copy(SAMPLES / "agency.xlsx", tmp_path / "agency.xlsx")
    outcome = build(Path(path), tmp_path / "r.xlsx", ledger_path=ledger)
    assert outcome.ok and outcome.frozen == []
    assert "WORKBOOK_ID_ADOPTED" in [p.code for p in outcome.problems]
    with Ledger.open(ledger) as book:
        assert book.workbooks() == [SAMPLE_ID]
        assert len(book.history(SAMPLE_ID, "B-100-1")) == 2


def test_the_readme_folder_example_gives_broken_xlsx_its_own_errors_alone(tmp_path):
    folder = tmp_path / "samples"
    folder.mkdir()
    for name in ("agency.xlsx", "broken.xlsx"):
        shutil.copy(SAMPLES / name, folder / name)
    runner = CliRunner()
    ledger = folder / "xlfin-ledger.sqlite"
    assert (
        runner.invoke(main, ["build", str(folder / "agency.xlsx"), "--ledger", ledger]).exit_code
        == 0
    )
    alone = runner.invoke(main, ["validate", str(SAMPLES / "broken.xlsx"), "--no-ledger"])
    result = runner.invoke(main, ["build", str(folder), "--ledger", ledger])
    assert result.exit_code == 1
    problems = (folder / "broken-problems.txt").read_text(encoding="utf-8").splitlines()
    assert "BILLED_" not in "\n".join(problems)
    assert problems[-1] == alone.output.splitlines()[-1]  # the same count: its own errors


def test_template_gives_each_new_workbook_an_identity_of_its_own(tmp_path):
    ids = []
    for name in ("a.xlsx", "b.xlsx"):
        assert CliRunner().invoke(main, ["template", str(tmp_path / name)]).exit_code == 0
        workbook, _ = read_workbook(tmp_path / name)
        ids.append(workbook.settings.workbook_id)
    assert all(str(uuid.UUID(i)) == i for i in ids) and ids[0] != ids[1]


class TestLedgerCommands:
    def built(self, folder: Path) -> list[Path]:
        books = write_clients(folder)
        for path in books:
            assert build(path, folder / f"{path.stem}-r.xlsx").ok
        return books

    def test_workbook_finds_its_ledger_beside_it_and_shows_only_its_records(
        self, tmp_path, monkeypatch
    ):
        monkeypatch.delenv("XLFIN_LEDGER")
        acme, _ = self.built(tmp_path / "clients")
        monkeypatch.chdir(tmp_path)  # not where the ledger is
        runner = CliRunner()
        listed = runner.invoke(main, ["ledger", "list", "--workbook", str(acme)])
        assert listed.exit_code == 0, listed.output
        assert listed.output.splitlines()[0].startswith("acme-2024\tB1\tP1")
        assert listed.output.splitlines()[-1] == "1 frozen record"
        by_id = runner.invoke(
            main,
            ["ledger", "list", "--workbook", "file:globex.xlsx", "--ledger",
             str(tmp_path / "clients" / "xlfin-ledger.sqlite")],
        )  # fmt: skip
        assert "total 1060.00" in by_id.output and "320.00" not in by_id.output

    def test_a_record_of_two_workbooks_is_never_guessed(self, tmp_path, monkeypatch):
        monkeypatch.delenv("XLFIN_LEDGER")
        acme, globex = self.built(tmp_path)
        monkeypatch.chdir(tmp_path)
        runner = CliRunner()
        unsure = runner.invoke(main, ["ledger", "reopen", "B1", "--reason", "credit note"])
        assert unsure.exit_code == 1
        assert "is a record of 2 workbooks" in unsure.output and "--workbook" in unsure.output
        done = runner.invoke(
            main, ["ledger", "reopen", "B1", "--reason", "credit note", "--workbook", str(acme)]
        )
        assert done.exit_code == 0, done.output
        with Ledger.open(tmp_path / "xlfin-ledger.sqlite") as book:
            assert list(book.current("acme-2024")) == []
            assert list(book.current("file:globex.xlsx")) == ["B1"]  # the other's, untouched
        shown = runner.invoke(main, ["ledger", "show", "B1", "--workbook", str(globex)])
        assert "B1 v1 of file:globex.xlsx (current)" in shown.output


def test_the_folder_build_example_of_the_docs_is_what_a_real_run_prints(tmp_path, monkeypatch):
    """docs/inbox-and-email.md shows the output of `xlfin build` on the samples' folder,
    after the README's quick start has frozen agency.xlsx's records: it is this run's."""
    doc = (REPO / "docs" / "inbox-and-email.md").read_text(encoding="utf-8")
    shown = doc.split("It prints one\nline per workbook, then a count")[1]
    shown = shown.split("```\n", 2)[1].splitlines()
    assert len(shown) == 4 and shown[-1] == "2 built, 1 failed"
    monkeypatch.delenv("XLFIN_LEDGER")
    shutil.copytree(SAMPLES, tmp_path / "sample_workbooks", ignore=shutil.ignore_patterns("*.py"))
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    quick = runner.invoke(main, ["build", "sample_workbooks/agency.xlsx", "-o", "report.xlsx"])
    assert quick.exit_code == 0, quick.output
    result = runner.invoke(main, ["build", "sample_workbooks", "--out", "out"])
    assert result.exit_code == 1
    said = [line for line in result.output.splitlines() if not line.startswith("[")]
    assert sorted(said[:-1]) == sorted(shown[:-1]) and said[-1] == shown[-1]  # as done
