"""Messages a person reads: counts in words, amounts as money, blanks called blank, output
that goes where it is asked and ends quietly when its reader stops reading."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from conftest import SAMPLES, parse_sheets, write_sheets
from test_ledger import Shop
from xlfin.cli import main


def run(*args: object):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, [str(a) for a in args])


def test_a_conflict_says_blank_for_an_empty_cell_and_amounts_as_money(tmp_path):
    shop = Shop(tmp_path)
    assert shop.build().ok
    outcome = (
        shop.edit(
            "B1             | P1      | Billed     | 2024-06-30   | 10",
            "B1             | P1      | Billed     |              | 10",
        )
        .edit("E1      | P1      | T1   | 50 ", "E1      | P1      | T1   | 118.4 ")
        .build()
    )
    messages = sorted(p.message for p in outcome.problems if p.is_error)
    assert any("was 2024-06-30 when billed on 2024-06-30, now blank" in m for m in messages)
    assert any("was 50.00 when billed on 2024-06-30, now 118.40" in m for m in messages)
    assert not any("None" in m or "118.4," in m for m in messages), messages


def test_counts_are_in_words(tmp_path):
    path = write_sheets(tmp_path / "one.xlsx", parse_sheets(
        "[Projects]\nProject\nP1\n[Tasks]\nProject | Task\nP1 | T1\n"
    ))  # fmt: skip
    result = run("build", path, "--no-ledger")
    assert result.exit_code == 0, result.output
    assert "(1 project, 1 task, no problems)" in result.output


def test_explain_writes_each_number_as_a_person_would(tmp_path):
    result = run(
        "explain", SAMPLES / "agency.xlsx", "--project", "P-100", "--entry", "H-002",
        "--ledger", tmp_path / "l.sqlite",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "cost: 7.5 h × 60/h (system, Roles row 5) = 450 -> rounded to 2 decimals: 450.00" in (
        result.output
    )
    assert "450.0 " not in result.output


def test_ledger_show_writes_every_amount_with_the_same_decimals(tmp_path):
    ledger = tmp_path / "l.sqlite"
    path = Path(tmp_path / "agency.xlsx")
    path.write_bytes((SAMPLES / "agency.xlsx").read_bytes())
    assert run("build", path, "--ledger", ledger).exit_code == 0
    shown = run("ledger", "show", "B-100-1", "--ledger", ledger).output
    assert "\t164.40\n" in shown
    assert "hours 4701.00 + expenses 164.40 + fixed 0.00 + additional 0.00 = total 4865.40" in shown


def test_json_dash_writes_the_summary_to_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = Path("agency.xlsx")
    path.write_bytes((SAMPLES / "agency.xlsx").read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "xlfin", "build", str(path), "--json", "-", "--no-ledger"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["currency"] == "USD"  # nothing else on standard output
    assert "wrote agency-billing.xlsx" in done.stderr
    assert not Path("-").exists()


def test_a_reader_that_stops_reading_ends_it_quietly(tmp_path):
    """`xlfin validate big.xlsx | head -1`: a real pipe closed after the first line."""
    rows = "\n".join(f"H{i} | P1 | u1 | 2024-06-03 | -1" for i in range(3000))
    path = write_sheets(tmp_path / "big.xlsx", parse_sheets(
        "[Projects]\nProject\nP1\n[Users]\nUser\nu1\n[Hours]\nEntry | Project | User | Date | "
        f"Hours\n{rows}\n"
    ))  # fmt: skip
    reader = subprocess.Popen(
        [sys.executable, "-m", "xlfin", "validate", str(path)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert reader.stdout is not None and reader.stderr is not None
    first = reader.stdout.readline()
    reader.stdout.close()  # as head does after its line
    err = reader.stderr.read().decode()
    reader.wait(timeout=120)
    assert b"VALUE_NEGATIVE" in first
    assert err == "", err
