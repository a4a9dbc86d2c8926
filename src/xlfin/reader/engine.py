"""Opening a workbook and streaming its rows.

`open_workbook` recognizes what a file is before reading it, so that a legacy .xls, an
encrypted workbook or a renamed text file gets one clear problem instead of an
exception; then it reads the workbook's structure (its sheets, their states and parts,
its date system and styles) from the package's own XML, with defusedxml, every part
through a size-checked zip. `sheet_rows` streams a sheet's rows as (row number, values):
with python-calamine when the sheet holds nothing calamine reads differently, else with
openpyxl's own worksheet parser (`openpyxl_rows`, imported only then).
"""

from __future__ import annotations

import io
import os
import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import parse as safe_parse
from python_calamine import CalamineWorkbook

from xlfin.problems import Problem, problem

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What xlfin refuses to read. Raise them (`--limit NAME=VALUE`) for a file you trust."""

    file_size: int = 512 * MB
    """Bytes of the .xlsx file itself."""
    part_size: int = 2048 * MB
    """Uncompressed bytes of any one part (a sheet's XML, the shared strings)."""
    total_size: int = 4096 * MB
    """Uncompressed bytes of all parts together."""
    parts: int = 10_000
    sheets: int = 500
    styles: int = 65_000
    rows: int = 1_048_576
    """Rows per sheet (Excel's own limit)."""
    string_length: int = 32_767
    """Characters in one cell (Excel's own limit)."""

    @classmethod
    def parse(cls, settings: list[str] | tuple[str, ...]) -> Limits:
        """`["file_size=1GB", "rows=2000000"]` -> Limits; raises ValueError on a bad one."""
        values: dict[str, int] = {}
        names = {f.name for f in fields(cls)}
        for setting in settings:
            name, _, text = setting.partition("=")
            name = name.strip().replace("-", "_")
            if name not in names:
                raise ValueError(f"unknown limit {name!r}; limits: {', '.join(sorted(names))}")
            match = re.fullmatch(r"\s*(\d+)\s*([KMG]B?)?\s*", text.upper())
            if not match:
                raise ValueError(f"{setting!r}: give a whole number, optionally with KB, MB, GB")
            unit = {"K": 1024, "M": MB, "G": 1024 * MB}.get((match[2] or " ")[0], 1)
            values[name] = int(match[1]) * unit
        return replace(cls(), **values)


DEFAULT_LIMITS = Limits()


class UnreadableWorkbook(Exception):
    """The file cannot be read as a workbook; `problem` says why, in one line."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _refuse(code: str, message: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(problem(code, message))


def _unsafe(message: str) -> UnreadableWorkbook:
    return _refuse("FILE_UNSAFE", message)


def identify(path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnreadableWorkbook unless `path` looks like a safe .xlsx/.xlsm package."""
    if not path.exists():
        raise _refuse("FILE_NOT_FOUND", f"{path} does not exist")
    if path.is_dir():
        raise _refuse("FILE_NOT_WORKBOOK", f"{path} is a folder, not a workbook")
    size = path.stat().st_size
    if size > limits.file_size:
        raise _unsafe(_over(f"the file is {size // MB} MB", "file_size", limits.file_size))
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
        raise _refuse(
            "FILE_NOT_WORKBOOK",
            f"this is {_what_text_is(head)}, not an Excel workbook; open it in Excel and save "
            "it as .xlsx",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except Exception:  # BadZipFile, OSError, and NotImplementedError for a garbled version
        raise _refuse(
            "FILE_NOT_WORKBOOK",
            "the file is a damaged or truncated zip, not a readable workbook; save it again "
            "from Excel",
        ) from None
    _check_parts(infos, limits)
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        kind = "an OpenDocument spreadsheet (.ods)" if "content.xml" in names else "a zip file"
        raise _refuse(
            "FILE_NOT_WORKBOOK",
            f"this is {kind}, not an Excel workbook; open it in Excel and save it as .xlsx",
        )


def _check_parts(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse path-traversal names and declared sizes over the limits (zip bombs)."""
    if len(infos) > limits.parts:
        raise _unsafe(_over(f"the file holds {len(infos)} parts", "parts", limits.parts))
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) or ":" in name:
            raise _unsafe(
                f"the file holds a part named {name[:80]!r}, which points outside the "
                "workbook (a path-traversal attack); it is refused"
            )
        if info.file_size > limits.part_size:
            raise _unsafe(
                _over(
                    f"the part {name[:80]!r} would expand to {info.file_size // MB} MB (a zip "
                    "bomb?)",
                    "part_size",
                    limits.part_size,
                )
            )
        total += info.file_size
    if total > limits.total_size:
        raise _unsafe(
            _over(
                f"the workbook would expand to {total // MB} MB (a zip bomb?)",
                "total_size",
                limits.total_size,
            )
        )


def _over(what: str, name: str, limit: int) -> str:
    """`… over the limit of 500; if you trust the file, raise it with --limit sheets=…`."""
    shown = f"{limit // MB} MB" if name.endswith("_size") and limit >= MB else f"{limit:,}"
    return (
        f"{what}, over the limit of {shown}; if you trust the file, raise it with --limit {name}=…"
    )


def _ole_has_encryption(path: Path) -> bool:
    marker = "EncryptionInfo".encode("utf-16-le")
    with path.open("rb") as stream:
        return marker in stream.read(1 << 20)


def _what_text_is(head: bytes) -> str:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return "not a workbook"
    first = text.splitlines()[0] if text.splitlines() else ""
    if first.count(",") or first.count(";") or first.count("\t"):
        return "a CSV (comma-separated text) file"
    if text.lstrip().lower().startswith(("<html", "<!doctype html")):
        return "a web page (HTML)"
    return "a text file"


class _BoundedStream(io.RawIOBase):
    """A part's stream that refuses to expand past its declared size or the part limit."""

    def __init__(self, stream: IO[bytes], name: str, allowed: int) -> None:
        self.stream = stream
        self.name_in_zip = name
        self.allowed = allowed
        self.seen = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        data = self.stream.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.allowed:
            raise _unsafe(
                f"the part {self.name_in_zip!r} expands past its declared size or the "
                "part limit (a zip bomb?); it is refused"
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


class _SafeZipFile(zipfile.ZipFile):
    """A ZipFile whose parts are read through _BoundedStream."""

    limits: Limits = DEFAULT_LIMITS

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):  # type: ignore[override]
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        allowed = min(info.file_size, self.limits.part_size)
        return io.BufferedReader(_BoundedStream(stream, info.filename, allowed), 1 << 16)


def _is_entity_attack(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


ENGINES = ("auto", "openpyxl")
"""auto: python-calamine for every sheet it reads exactly (no formulas, error cells,
hidden rows or DTDs), openpyxl for the others; openpyxl: openpyxl for every sheet."""


def default_engine() -> str:
    engine = os.environ.get("XLFIN_ENGINE", "auto")
    return engine if engine in ENGINES else "auto"


SHEET_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELATIONSHIP_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PACKAGE_RELATIONSHIP = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
STYLES_PART = "xl/styles.xml"
"""Where Excel (and openpyxl) keep the workbook, its relationships and its styles."""


@dataclass(frozen=True)
class Worksheet:
    """One sheet of an open Book: its title, its state and its part in the package."""

    parent: Book
    title: str
    sheet_state: str
    member: str
    plain_target: bool = True
    """The relationship names the part without "." or ".." steps, as calamine finds it."""
    chart: bool = False
    """A chart sheet: no cells."""


class Book:
    """An open workbook: its sheets as its own XML lists them, and its parts through the
    size-checked zip. The few parts read here are parsed with defusedxml (an entity
    declaration is refused); the sheets are read by `sheet_rows`."""

    def __init__(self, path: Path, limits: Limits, engine: str) -> None:
        self.path = path
        self.limits = limits
        self.engine = engine
        self.archive = _SafeZipFile(path)
        self.archive.limits = limits
        self.members = set(self.archive.namelist())
        self.sheets: dict[str, Worksheet] = {}
        self.date1904 = False
        self.strings_path: str | None = None
        self.styles_path = STYLES_PART if STYLES_PART in self.members else None
        self.parser_inputs: Any = None
        """openpyxl_rows.ParserInputs, loaded for the first sheet openpyxl reads."""
        self.calamine: CalamineWorkbook | None = None

    @property
    def sheetnames(self) -> list[str]:
        return list(self.sheets)

    def __getitem__(self, title: str) -> Worksheet:
        return self.sheets[title]

    def close(self) -> None:
        self.archive.close()

    def xml(self, member: str) -> Any:
        """The root element of one part, parsed with defusedxml."""
        with self.archive.open(member) as stream:
            return safe_parse(stream).getroot()

    def read_structure(self) -> None:
        """The sheets (title, state, part), the date system, the shared strings' part, and
        the number of cell styles, as openpyxl's reader finds them."""
        relationships: dict[str, tuple[str, str, bool]] = {}
        if WORKBOOK_RELS in self.members:
            for rel in self.xml(WORKBOOK_RELS).iter(PACKAGE_RELATIONSHIP):
                target = rel.get("Target") or ""
                if rel.get("TargetMode") == "External":
                    continue
                target = target[1:] if target.startswith("/") else posixpath.join("xl", target)
                member = posixpath.normpath(target)
                kind = rel.get("Type") or ""
                relationships[rel.get("Id") or ""] = (kind, member, member == target)
        for kind, target, _ in relationships.values():
            if kind.endswith("/sharedStrings") and target in self.members:
                self.strings_path = target
        workbook = self.xml(WORKBOOK_PART)
        properties = workbook.find(f"{SHEET_MAIN}workbookPr")
        if properties is not None:
            self.date1904 = properties.get("date1904", "").lower() in ("1", "true")
        for sheet in workbook.iter(f"{SHEET_MAIN}sheet"):
            title, rel_id = sheet.get("name"), sheet.get(RELATIONSHIP_ID)
            if not rel_id:
                continue  # openpyxl drops such a sheet too (old .xlsm files hold them)
            if title is None or rel_id not in relationships:
                named = "without a name" if title is None else repr(title)
                raise _refuse(
                    "FILE_UNREADABLE",
                    f"the workbook lists a sheet {named} whose part cannot be found; open it "
                    "in Excel and save it again",
                )
            if title in self.sheets:
                raise _refuse(
                    "FILE_UNREADABLE",
                    f"the workbook lists two sheets named {title!r}; open it in Excel and "
                    "save it again",
                )
            kind, member, plain = relationships[rel_id]
            if member in self.members:  # openpyxl skips a sheet whose part is missing
                state = sheet.get("state") or "visible"
                chart = kind.endswith("/chartsheet")
                self.sheets[title] = Worksheet(self, title, state, member, plain, chart)
        if len(self.sheets) > self.limits.sheets:
            raise _unsafe(
                _over(f"the workbook has {len(self.sheets)} sheets", "sheets", self.limits.sheets)
            )
        if self.styles_path:
            formats = self.xml(self.styles_path).find(f"{SHEET_MAIN}cellXfs")
            count = 0 if formats is None else len(formats)
            if count > self.limits.styles:
                raise _unsafe(
                    _over(f"the workbook has {count} cell styles", "styles", self.limits.styles)
                )
        if self.strings_path:
            with self.archive.open(self.strings_path) as stream:
                prolog = stream.read(4096)
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog or b"<!doctype" in prolog:
                # calamine would read it; openpyxl (defusedxml) refuses it now, as an attack
                self.openpyxl_inputs()

    def openpyxl_inputs(self) -> Any:
        """The shared strings and date styles, parsed by openpyxl (imported only now)."""
        if self.parser_inputs is None:
            from xlfin.reader import openpyxl_rows

            self.parser_inputs = openpyxl_rows.load_parser_inputs(self)
        return self.parser_inputs


@contextmanager
def open_workbook(
    path: Path, limits: Limits = DEFAULT_LIMITS, engine: str | None = None
) -> Iterator[Book]:
    """The workbook, its structure read and checked, its parts size-checked; closed on
    exit. `engine` chooses how sheet rows are read (see `sheet_rows`)."""
    identify(path, limits)
    try:
        book = Book(path, limits, engine or default_engine())
    except Exception as exc:
        raise _unreadable(exc) from exc
    try:
        try:
            book.read_structure()
        except UnreadableWorkbook:
            raise
        except Exception as exc:  # damaged XML or packages raise many kinds
            raise _unreadable(exc) from exc
        yield book
    finally:
        book.close()


def _unreadable(exc: Exception) -> UnreadableWorkbook:
    if _is_entity_attack(exc):
        return _unsafe(
            "the workbook's XML declares entities (an entity-expansion or external-entity "
            "attack); it is refused and nothing was expanded or fetched"
        )
    return _refuse(
        "FILE_UNREADABLE",
        f"the workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}); open it in "
        "Excel and save it again",
    )


Cells = list[object]
"""A row's values by position: column A first; None or "" for a blank cell."""


def iter_rows(
    worksheet: Worksheet, limits: Limits = DEFAULT_LIMITS, hidden: list[int] | None = None
) -> Iterator[tuple[int, Cells]]:
    """(row number, values from column A) for every row in the sheet's XML, in order, read
    by openpyxl's parser (see openpyxl_rows).

    Hidden rows are appended to `hidden`. A sheet that cannot be read to its end raises
    UnreadableWorkbook, so that nothing is built from half of it.
    """
    try:
        from xlfin.reader.openpyxl_rows import parse_rows

        inputs = worksheet.parent.openpyxl_inputs()
        for row_number, values in parse_rows(worksheet, inputs, hidden):
            if row_number > limits.rows:
                raise _unsafe(
                    _over(f"sheet {worksheet.title!r} has more rows", "rows", limits.rows)
                )
            yield row_number, values
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        if _is_entity_attack(exc):
            raise _unsafe(
                f"sheet {worksheet.title!r} declares XML entities (an attack); the "
                "workbook is refused"
            ) from exc
        raise _refuse(
            "FILE_UNREADABLE",
            f"sheet {worksheet.title!r} cannot be read to its end "
            f"({type(exc).__name__}: {str(exc)[:200]}); nothing was built from it; "
            "open the file in Excel and save it again",
        ) from exc


# -- the second engine: python-calamine, for the sheets it reads exactly ---------------------

CALAMINE_CANNOT_SEE = (
    b"<f>",
    b"<f ",
    b't="e"',
    b'hidden="1"',
    b'hidden="true"',
    b"<!DOCTYPE",
    b"<!ENTITY",
    b"<!doctype",
)
"""What calamine reads differently: formulas (an uncomputed one reads as blank), error
cells (blank), hidden rows (not reported), DTDs (refused by openpyxl as attacks)."""
MARKER_HINTS = ((b"f", b"<f"), (b"e", b't="e"'), (b"e", b'hidden="'), (b"!", b"<!"))
"""Each marker above contains one of these hints, and each hint its byte. A search for
one byte is a memchr, thirty times faster than one for two bytes of which the first is
"<" (in every tag): a plain sheet's rows, as Excel writes them, rarely hold an "f" or a
"!" at all."""


def sheet_rows(
    worksheet: Worksheet, limits: Limits = DEFAULT_LIMITS, hidden: list[int] | None = None
) -> Iterator[tuple[int, Cells]]:
    """A sheet's rows as `iter_rows` gives them, by the fastest engine that reads the sheet
    exactly: calamine when the sheet holds nothing it reads differently, else openpyxl.
    Both engines give the same rows; a test checks it on every sample and test workbook."""
    book = worksheet.parent
    if (
        book.engine == "auto"
        and worksheet.plain_target
        and _plain(book.archive, worksheet.member, worksheet.title)
    ):
        return _calamine_rows(book, worksheet.title, limits)
    return iter_rows(worksheet, limits, hidden)


def _plain(archive: zipfile.ZipFile, member: str, title: str) -> bool:
    """True when the sheet's XML holds nothing calamine reads differently. The scan goes
    through the size-checked zip, so it also refuses a part that lies about its size."""
    try:
        with archive.open(member) as stream:
            tail = b""
            while chunk := stream.read(1 << 20):
                block = tail + chunk
                # Quick searches first (a byte, then its hint); the exact markers only then.
                if any(byte in block and hint in block for byte, hint in MARKER_HINTS) and any(
                    marker in block for marker in CALAMINE_CANNOT_SEE
                ):
                    return False
                tail = block[-16:]
    except UnreadableWorkbook:
        raise
    except Exception as exc:
        raise _refuse(
            "FILE_UNREADABLE",
            f"sheet {title!r} cannot be read ({type(exc).__name__}"
            f": {str(exc)[:200]}); open the file in Excel and save it again",
        ) from exc
    return True


def as_openpyxl_reads(value: object) -> object:
    """A value read by calamine as openpyxl reads the same cell: calamine gives every number
    as a float and a date without time as a date; openpyxl gives "8" as 8 and a datetime."""
    kind = type(value)
    if kind is float:
        if value.is_integer() and -1e15 < value < 1e15:  # type: ignore[attr-defined]
            return int(value)  # type: ignore[call-overload]
    elif kind is date:
        return datetime(value.year, value.month, value.day)  # type: ignore[attr-defined]
    return value


def _calamine_rows(book: Book, title: str, limits: Limits) -> Iterator[tuple[int, Cells]]:
    try:
        calamine = book.calamine
        if calamine is None:
            calamine = book.calamine = CalamineWorkbook.from_path(str(book.path))
        sheet = calamine.get_sheet_by_name(title)
        pad = [None] * (sheet.start[1] if sheet.start else 0)
        for index, row in enumerate(sheet.iter_rows()):
            if index >= limits.rows:
                raise _unsafe(_over(f"sheet {title!r} has more rows", "rows", limits.rows))
            # Values as calamine gives them ("" for blank): the reader passes each distinct
            # one through `as_openpyxl_reads` before typing it.
            yield index + 1, pad + row if pad else row
    except (UnreadableWorkbook, GeneratorExit):
        raise
    except Exception as exc:
        raise _refuse(
            "FILE_UNREADABLE",
            f"sheet {title!r} cannot be read to its end "
            f"({type(exc).__name__}: {str(exc)[:200]}); nothing was built from it; "
            "open the file in Excel and save it again",
        ) from exc
