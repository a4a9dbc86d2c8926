"""The scale benchmark's floor writes the report's own cells: the same sheets, the same
texts and numbers in the same places, so that xlfin is measured against what writing this
very report costs the libraries underneath."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
import scale_benchmark
from generate import SHAPES, generate

EPOCH = datetime(1899, 12, 30)


def cells(path: Path) -> dict[str, list[list[object]]]:
    """Each sheet's rows as calamine reads them, a date as its serial number, numbers to
    six decimals (a time of day is spelt differently as a date and as a number)."""
    book = CalamineWorkbook.from_path(str(path))
    sheets = {}
    for name in book.sheet_names:
        rows = []
        for row in book.get_sheet_by_name(name).to_python(skip_empty_area=False):
            rows.append(
                [
                    round((v - EPOCH).total_seconds() / 86400, 6)
                    if isinstance(v, datetime)
                    else float((v - EPOCH.date()).days)
                    if isinstance(v, date)
                    else round(v, 6)
                    if isinstance(v, float)
                    else v
                    for v in row
                ]
            )
        sheets[name] = rows
    return sheets


def test_the_floor_writes_the_reports_own_cells(tmp_path):
    source = generate(tmp_path / "in.xlsx", 3000, seed=3, shape=SHAPES["expenses"])
    _, _, report = scale_benchmark.run_xlfin(source, tmp_path)
    numbers, strings, _, report_cells = scale_benchmark.report_layout(report, tmp_path)
    assert scale_benchmark.floor(source, report_cells, tmp_path) > 0

    written, expected = cells(tmp_path / "floor.xlsx"), cells(report)
    assert list(written) == list(expected)
    for name, rows in expected.items():
        assert written[name] == rows, name
    assert numbers > 3000 and strings > 3000 * 8  # an Hours row holds numbers and texts


def test_the_layout_floor_writes_a_cell_where_the_report_has_one(tmp_path):
    source = generate(tmp_path / "in.xlsx", 500, seed=3)
    _, _, report = scale_benchmark.run_xlfin(source, tmp_path)
    _, _, layout, _ = scale_benchmark.report_layout(report, tmp_path)
    scale_benchmark.layout_floor(source, layout, tmp_path)

    written, expected = cells(tmp_path / "floor-layout.xlsx"), cells(report)
    assert list(written) == list(expected)
    for name, rows in expected.items():
        kinds = [[type(v) is str and v != "" for v in row] for row in rows]
        assert [[type(v) is str and v != "" for v in row] for row in written[name]] == kinds
