"""One contract, two engines: calamine and openpyxl read every workbook the same.

`auto` reads with python-calamine each sheet that holds nothing calamine reads
differently, and with openpyxl the others; `openpyxl` reads every sheet with openpyxl.
Both must give identical models and identical problems. (The whole suite also passes
with XLFIN_ENGINE=openpyxl.)
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

import xlfin.reader.calamine_rows as calamine_rows
import xlfin.reader.package as package
from conftest import SAMPLES, rewrite_part, write_text_workbook
from test_reader import CASES
from xlfin.reader import read_workbook
from xlfin.report.template import write_template

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
from generate import generate


def both(path: Path):
    auto = read_workbook(path, engine="auto")
    plain = read_workbook(path, engine="openpyxl")
    return auto, plain


def assert_same(path: Path) -> None:
    (wb_a, problems_a), (wb_o, problems_o) = both(path)
    assert problems_a == problems_o
    assert wb_a.model_dump() == wb_o.model_dump()


@pytest.mark.parametrize("name", ["agency.xlsx", "broken.xlsx"])
def test_samples(name):
    assert_same(SAMPLES / name)


def test_template(tmp_path):
    write_template(tmp_path / "t.xlsx")
    assert_same(tmp_path / "t.xlsx")


@pytest.mark.parametrize(("code", "text", "where"), CASES, ids=[c[0] for c in CASES])
def test_problem_workbooks(tmp_path, code, text, where):
    assert_same(write_text_workbook(tmp_path, text))


def test_generated_workbook(tmp_path):
    path = generate(tmp_path / "g.xlsx", 3000, seed=3)
    assert_same(path)


def test_calamine_is_really_used(monkeypatch):
    used: list[str] = []
    real = calamine_rows.rows

    def spy(book, title, limits):  # type: ignore[no-untyped-def]
        used.append(title)
        return real(book, title, limits)

    monkeypatch.setattr(calamine_rows, "rows", spy)
    read_workbook(SAMPLES / "agency.xlsx", engine="auto")
    assert "Hours" in used and "Projects" in used
    used.clear()
    read_workbook(SAMPLES / "broken.xlsx", engine="auto")
    assert "Hours" not in used  # it holds a formula and an error value: openpyxl reads it


def test_the_quick_scan_cannot_miss_a_marker():
    """The scan looks for the exact markers only in blocks holding one of the hints."""
    for marker in calamine_rows.CALAMINE_CANNOT_SEE:
        assert any(hint in marker for _, hint in calamine_rows.MARKER_HINTS), marker
    for byte, hint in calamine_rows.MARKER_HINTS:
        assert len(byte) == 1 and byte in hint


@pytest.mark.parametrize("marker", calamine_rows.CALAMINE_CANNOT_SEE)
def test_a_marker_deep_in_a_sheet_sends_it_to_openpyxl(tmp_path, marker):
    filler = b"<row>" + b"x" * (3 << 20) + b"</row>"  # the marker lands in the fourth block
    with zipfile.ZipFile(tmp_path / "book.zip", "w") as archive:
        archive.writestr("sheet.xml", filler + marker + b"</sheetData>")
    with zipfile.ZipFile(tmp_path / "book.zip") as archive:
        assert not calamine_rows.is_plain(archive, "sheet.xml", "Hours")
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as archive:
        archive.writestr("sheet.xml", filler + b"</sheetData>")
    with zipfile.ZipFile(tmp_path / "plain.zip") as archive:
        assert calamine_rows.is_plain(archive, "sheet.xml", "Hours")


def structure_as_openpyxl_reads_it(path: Path) -> list[tuple[str, str, str]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return [
            (ws.title, ws.sheet_state, ws._worksheet_path.lstrip("/")) for ws in book.worksheets
        ]
    finally:
        book.close()


def structure_as_xlfin_reads_it(path: Path) -> list[tuple[str, str, str]]:
    with package.open_workbook(path) as book:
        return [(ws.title, ws.sheet_state, ws.member) for ws in book.sheets.values()]


def relocated(path: Path, prefix: str) -> Path:
    """A copy of the agency sample at `path`, its sheets' targets prefixed with `prefix`."""
    shutil.copy(SAMPLES / "agency.xlsx", path)
    return rewrite_part(
        path,
        "xl/_rels/workbook.xml.rels",
        lambda xml: re.sub(r'Target="([^"]+)"', lambda m: f'Target="{prefix}{m[1]}"', xml),
    )


def test_the_structure_is_read_as_openpyxl_reads_it(tmp_path):
    """Sheet titles, states and parts come from the workbook's own XML, read by xlfin:
    the same as openpyxl finds them, with relative and absolute targets, hidden sheets."""
    import openpyxl

    write_template(tmp_path / "t.xlsx")
    hidden = tmp_path / "hidden.xlsx"
    book = openpyxl.load_workbook(SAMPLES / "agency.xlsx")
    book["Roles"].sheet_state = "hidden"
    book["Users"].sheet_state = "veryHidden"
    book.save(hidden)
    absolute = relocated(tmp_path / "abs.xlsx", "/xl/")
    dotted = relocated(tmp_path / "dotted.xlsx", "../xl/./")
    paths = [SAMPLES / "agency.xlsx", SAMPLES / "broken.xlsx", tmp_path / "t.xlsx"]
    for path in [*paths, hidden, absolute, dotted]:
        ours = structure_as_xlfin_reads_it(path)
        assert ours == structure_as_openpyxl_reads_it(path), path.name
        assert ours and all(member.startswith("xl/worksheets/") for _, _, member in ours)
    assert ("Users", "veryHidden") in {(t, s) for t, s, _ in structure_as_xlfin_reads_it(hidden)}
    assert read_workbook(absolute)[1] == [] and read_workbook(dotted)[1] == []


def test_openpyxl_is_loaded_only_for_a_sheet_that_needs_it():
    """Every sheet of the agency sample is plain: openpyxl (and numpy, which openpyxl
    imports when it is installed) stays unloaded. The broken sample has a formula."""
    import subprocess

    check = (
        "import sys; from xlfin.reader import read_workbook; "
        "read_workbook(sys.argv[1]); print('openpyxl' in sys.modules)"
    )
    for name, loaded in (("agency.xlsx", "False"), ("broken.xlsx", "True")):
        result = subprocess.run(
            [sys.executable, "-c", check, str(SAMPLES / name)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "XLFIN_ENGINE": "auto"},
        )
        assert result.stdout.strip() == loaded, (name, result.stderr)
