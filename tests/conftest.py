"""Test helpers: workbooks written inline, as readable text, then read by the real reader.

    book = workbook_from(tmp_path, '''
        [Projects]
        Project | Planned start
        P1      | 2024-06-03
    ''')

A cell that looks like a number is written as a number, `2024-06-03` as a real
date, `=…` as a formula without a cached value, `#REF!` as an error value,
`'text` as text verbatim, and an empty cell as nothing.
"""

from __future__ import annotations

import io
import os
import re
import textwrap
import time
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from xlfin.core.compute import compute
from xlfin.core.results import ProjectResult, Results, TaskResult
from xlfin.models import Workbook
from xlfin.problems import Problem
from xlfin.reader import read_workbook

# A build's As of date defaults to its day in the workbook's time zone, from the local
# clock: the tests run in UTC, so that a build at a given local time has the same day on
# every machine.
os.environ["TZ"] = "UTC"
time.tzset()

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "sample_workbooks"

REPORTED: set[str] = set()
"""Every problem code that xlfin reported while the tests ran (see test_zz_catalogue.py)."""
RUN = {"full": True}
"""Whether this run collected every test module and deselected none."""


def _recording(init):  # type: ignore[no-untyped-def]
    def record(self, **data):  # type: ignore[no-untyped-def]
        init(self, **data)
        REPORTED.add(self.code)

    return record


# Problem instances are made in many modules; wrapping the class's __init__ sees them all.
Problem.__init__ = _recording(Problem.__init__)  # type: ignore[method-assign]


def pytest_collection_modifyitems(session, config, items):  # type: ignore[no-untyped-def]
    modules = {Path(str(item.fspath)).name for item in items}
    everything = {path.name for path in (REPO / "tests").glob("test_*.py")}
    RUN["full"] = RUN["full"] and modules == everything


def pytest_deselected(items):  # type: ignore[no-untyped-def]
    RUN["full"] = False


def cell_value(text: str) -> object:
    text = text.strip()
    if text == "":
        return None
    if text.startswith("'"):
        return text[1:]
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return text
    return text


def parse_sheets(text: str) -> dict[str, list[list[object]]]:
    sheets: dict[str, list[list[object]]] = {}
    current: list[list[object]] | None = None
    for line in textwrap.dedent(text).splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        header = re.fullmatch(r"\s*\[(.+)\]\s*", line)
        if header:
            current = sheets.setdefault(header[1], [])
            continue
        assert current is not None, f"row outside a sheet: {line!r}"
        current.append([cell_value(c) for c in line.split("|")])
    return sheets


def rewrite_part(path: Path, part: str, change) -> Path:  # type: ignore[no-untyped-def]
    """Rewrite one part of an .xlsx with `change(old text) -> new text`."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            out.writestr(info, data)
    return path


def write_sheets(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None:
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
    book.save(path)
    return path


def write_text_workbook(tmp_path: Path, text: str, name: str = "book.xlsx") -> Path:
    return write_sheets(tmp_path / name, parse_sheets(text))


def read_text(tmp_path: Path, text: str) -> tuple[Workbook, list[Problem]]:
    return read_workbook(write_text_workbook(tmp_path, text))


def codes(problems: list[Problem] | tuple[Problem, ...]) -> list[str]:
    return [p.code for p in problems]


def compute_text(tmp_path: Path, text: str) -> Results:
    """Read and compute an inline workbook that must have no reading error."""
    workbook, problems = read_text(tmp_path, text)
    errors = [p.line("book.xlsx") for p in problems if p.is_error]
    assert not errors, errors
    return compute(workbook)


def project(results: Results, project_id: str = "P1") -> ProjectResult:
    return next(p for p in results.projects if p.project.project == project_id)


def task(results: Results, task_id: str = "T1", project_id: str = "P1") -> TaskResult:
    return next(t for t in project(results, project_id).tasks if t.task.task == task_id)


@pytest.fixture(autouse=True)
def no_user_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the settings file of whoever runs the tests."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "user-config"))
    monkeypatch.delenv("XLFIN_CONFIG", raising=False)


@pytest.fixture(autouse=True)
def private_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own ledger, never one beside the sample workbooks."""
    path = tmp_path / "test-ledger.sqlite"
    monkeypatch.setenv("XLFIN_LEDGER", str(path))
    return path


@pytest.fixture
def book(tmp_path: Path):
    """`book(text)` -> (Workbook, problems) read from an inline workbook."""
    return lambda text: read_text(tmp_path, text)


@pytest.fixture
def results(tmp_path: Path):
    """`results(text)` -> Results computed from an inline workbook without errors."""
    return lambda text: compute_text(tmp_path, text)
