"""Opening a workbook and streaming its rows, with openpyxl in read-only mode.

`open_workbook` recognizes what a file is before handing it to openpyxl, so that a
legacy .xls, an encrypted workbook or a renamed text file gets one clear problem
instead of an exception. `iter_rows` streams a sheet's rows as (row number, values)
with openpyxl's own worksheet parser, hooked so that a formula cell whose value was
never computed is told apart from a blank cell, and an error value (#REF!) from text.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

from xlfin.problems import Problem, problem
from xlfin.reader.cells import NOT_COMPUTED, ErrorValue

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; `problem` says why, in one line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _refuse(code: str, message: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(problem(code, message))


def identify(path: Path) -> None:
    """Raise UnreadableWorkbook unless `path` looks like an .xlsx/.xlsm package."""
    if not path.exists():
        raise _refuse("FILE_NOT_FOUND", f"{path} does not exist")
    if path.is_dir():
        raise _refuse("FILE_NOT_WORKBOOK", f"{path} is a folder, not a workbook")
    with path.open("rb") as stream:
        head = stream.read(4096)
    if not head:
        raise _refuse("FILE_NOT_WORKBOOK", "the file is empty; save the workbook again from Excel")
    if head.startswith(OLE2_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in head or _ole_has_encryption(path):
            raise _refuse(
                "FILE_ENCRYPTED",
                "the workbook is password-protected; remove the password in Excel "
                "(File › Info › Protect Workbook) and save it",
            )
        raise _refuse(
            "FILE_LEGACY_XLS",
            "this is a legacy Excel 97–2003 (.xls) workbook; open it in Excel and save it as .xlsx",
        )
    if not head.startswith(ZIP_MAGIC):
        kind = "a text file" if _looks_like_text(head) else "not a workbook"
        raise _refuse(
            "FILE_NOT_WORKBOOK",
            f"this is {kind}, not an Excel workbook; open it in Excel and save it as .xlsx",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        raise _refuse(
            "FILE_NOT_WORKBOOK",
            "the file is a damaged or truncated zip, not a readable workbook; save it again "
            "from Excel",
        ) from None
    if "xl/workbook.xml" not in names:
        kind = "an OpenDocument spreadsheet (.ods)" if "content.xml" in names else "a zip file"
        raise _refuse(
            "FILE_NOT_WORKBOOK",
            f"this is {kind}, not an Excel workbook; open it in Excel and save it as .xlsx",
        )


def _ole_has_encryption(path: Path) -> bool:
    marker = "EncryptionInfo".encode("utf-16-le")
    with path.open("rb") as stream:
        return marker in stream.read(1 << 20)


def _looks_like_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def open_workbook(path: Path) -> Iterator[Any]:
    """The openpyxl workbook, read-only and values-only; closed on exit."""
    identify(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except UnreadableWorkbook:
        raise
    except Exception as exc:  # openpyxl raises many kinds on damaged packages
        raise _refuse(
            "FILE_UNREADABLE",
            f"the workbook cannot be read ({type(exc).__name__}: {exc}); open it in Excel and "
            "save it again",
        ) from exc
    try:
        yield book
    finally:
        book.close()


class _Parser(WorkSheetParser):
    """openpyxl's parser, telling uncomputed formulas and error values apart."""

    def parse_cell(self, element):  # type: ignore[no-untyped-def]
        cell = super().parse_cell(element)
        value = cell["value"]
        if value is None:
            if element.find(FORMULA_TAG) is not None and not element.findtext(VALUE_TAG):
                cell["value"] = NOT_COMPUTED
        elif cell["data_type"] == "e":
            cell["value"] = ErrorValue(value)
        return cell


def iter_rows(worksheet: Any) -> Iterator[tuple[int, dict[int, object]]]:
    """(row number, {column number: value}) for every row that has a cell, in order."""
    book = worksheet.parent
    with worksheet._get_source() as source:
        parser = _Parser(
            source,
            worksheet._shared_strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for row_number, cells in parser.parse():
            values = {c["column"]: c["value"] for c in cells if c["value"] is not None}
            yield row_number, values
