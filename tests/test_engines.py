"""One contract, two engines: calamine and openpyxl read every workbook the same.

`auto` reads with python-calamine each sheet that holds nothing calamine reads
differently, and with openpyxl the others; `openpyxl` reads every sheet with openpyxl.
Both must give identical models and identical problems. (The whole suite also passes
with XLFIN_ENGINE=openpyxl.)
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import pytest

import xlfin.reader.engine as engine
from conftest import SAMPLES, write_text_workbook
from test_reader import CASES
from xlfin.reader import read_workbook
from xlfin.template import write_template

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
    real = engine._calamine_rows

    def spy(book, title, limits):  # type: ignore[no-untyped-def]
        used.append(title)
        return real(book, title, limits)

    monkeypatch.setattr(engine, "_calamine_rows", spy)
    read_workbook(SAMPLES / "agency.xlsx", engine="auto")
    assert "Hours" in used and "Projects" in used
    used.clear()
    read_workbook(SAMPLES / "broken.xlsx", engine="auto")
    assert "Hours" not in used  # it holds a formula and an error value: openpyxl reads it


def test_the_quick_scan_cannot_miss_a_marker():
    """The scan looks for the exact markers only in blocks holding one of the hints."""
    for marker in engine.CALAMINE_CANNOT_SEE:
        assert any(hint in marker for hint in engine.MARKER_HINTS), marker


@pytest.mark.parametrize("marker", engine.CALAMINE_CANNOT_SEE)
def test_a_marker_deep_in_a_sheet_sends_it_to_openpyxl(tmp_path, marker):
    filler = b"<row>" + b"x" * (3 << 20) + b"</row>"  # the marker lands in the fourth block
    with zipfile.ZipFile(tmp_path / "book.zip", "w") as archive:
        archive.writestr("sheet.xml", filler + marker + b"</sheetData>")
    with zipfile.ZipFile(tmp_path / "book.zip") as archive:
        assert not engine._plain(archive, "sheet.xml", "Hours")
    with zipfile.ZipFile(tmp_path / "plain.zip", "w") as archive:
        archive.writestr("sheet.xml", filler + b"</sheetData>")
    with zipfile.ZipFile(tmp_path / "plain.zip") as archive:
        assert engine._plain(archive, "sheet.xml", "Hours")
