"""The workbook package: what a file is, the safety limits, the size-checked zip, and the
workbook's structure.

`open_workbook` recognizes what a file is before reading it, so that a legacy .xls, an
encrypted workbook or a renamed text file gets one clear problem instead of an
exception; then it reads the workbook's structure (its sheets, their states and parts,
its date system and styles) from the package's own XML, with defusedxml, every part
through a size-checked zip. Reading a sheet's rows is `engine.sheet_rows`.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse as safe_iterparse
from defusedxml.ElementTree import parse as safe_parse

from xlfin.problems import (
    FILE_ENCRYPTED,
    FILE_LEGACY_XLS,
    FILE_NOT_FOUND,
    FILE_NOT_WORKBOOK,
    FILE_UNREADABLE,
    FILE_UNSAFE,
    Problem,
    problem,
)

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
    strings_size: int = 512 * MB
    """Uncompressed bytes of the shared strings, which the reader holds in memory whole
    (several times their size: 2 GB of them took 6.6 GB)."""
    dense_cells: int = 25_000_000
    """Cells of a sheet's used range (its rows × columns) that the fast engine may lay out
    in memory at once; a sheet whose range is larger, or unstated, is read cell by cell."""

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


def refuse(code: str, message: str) -> UnreadableWorkbook:
    return UnreadableWorkbook(problem(code, message))


def unsafe(message: str) -> UnreadableWorkbook:
    return refuse(FILE_UNSAFE, message)


def identify(path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
    """Raise UnreadableWorkbook unless `path` looks like a safe .xlsx/.xlsm package."""
    if not path.exists():
        raise refuse(FILE_NOT_FOUND, f"{path} does not exist")
    if path.is_dir():
        raise refuse(FILE_NOT_WORKBOOK, f"{path} is a folder, not a workbook")
    if not path.is_file():  # a FIFO or a device would block the read, or never end
        raise refuse(FILE_NOT_WORKBOOK, f"{path} is not a regular file, not a workbook")
    size = path.stat().st_size
    if size > limits.file_size:
        raise unsafe(over(f"the file is {size // MB} MB", "file_size", limits.file_size))
    with path.open("rb") as stream:
        head = stream.read(4096)
    if not head:
        raise refuse(FILE_NOT_WORKBOOK, "the file is empty; save the workbook again from Excel")
    if head.startswith(OLE2_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in head or _ole_has_encryption(path):
            raise refuse(
                FILE_ENCRYPTED,
                "the workbook is password-protected; remove the password in Excel "
                "(File › Info › Protect Workbook) and save it",
            )
        raise refuse(
            FILE_LEGACY_XLS,
            "this is a legacy Excel 97–2003 (.xls) workbook; open it in Excel and save it as .xlsx",
        )
    if not head.startswith(ZIP_MAGIC):
        raise refuse(
            FILE_NOT_WORKBOOK,
            f"this is {_what_text_is(head)}, not an Excel workbook; open it in Excel and save "
            "it as .xlsx",
        )
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except Exception:  # BadZipFile, OSError, and NotImplementedError for a garbled version
        raise refuse(
            FILE_NOT_WORKBOOK,
            "the file is a damaged or truncated zip, not a readable workbook; save it again "
            "from Excel",
        ) from None
    _check_parts(infos, limits)
    names = {info.filename for info in infos}
    if "xl/workbook.xml" not in names:
        kind = "an OpenDocument spreadsheet (.ods)" if "content.xml" in names else "a zip file"
        raise refuse(
            FILE_NOT_WORKBOOK,
            f"this is {kind}, not an Excel workbook; open it in Excel and save it as .xlsx",
        )


def _check_parts(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse path-traversal names and declared sizes over the limits (zip bombs)."""
    if len(infos) > limits.parts:
        raise unsafe(over(f"the file holds {len(infos)} parts", "parts", limits.parts))
    total = 0
    for info in infos:
        name = info.filename
        if name.startswith(("/", "\\")) or ".." in re.split(r"[/\\]", name) or ":" in name:
            raise unsafe(
                f"the file holds a part named {name[:80]!r}, which points outside the "
                "workbook (a path-traversal attack); it is refused"
            )
        if info.file_size > limits.part_size:
            raise unsafe(
                over(
                    f"the part {name[:80]!r} would expand to {info.file_size // MB} MB (a zip "
                    "bomb?)",
                    "part_size",
                    limits.part_size,
                )
            )
        total += info.file_size
    if total > limits.total_size:
        raise unsafe(
            over(
                f"the workbook would expand to {total // MB} MB (a zip bomb?)",
                "total_size",
                limits.total_size,
            )
        )


def over(what: str, name: str, limit: int) -> str:
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

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        self.seen += len(data)
        if self.seen > self.allowed:
            raise unsafe(
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

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        stream = super().open(name, mode, pwd, force_zip64=force_zip64)
        if mode != "r":
            return stream
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        allowed = min(info.file_size, self.limits.part_size)
        return io.BufferedReader(_BoundedStream(stream, info.filename, allowed), 1 << 16)


def is_entity_attack(exc: BaseException | None) -> bool:
    while exc is not None:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


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
        self.engine_state: dict[str, Any] = {}
        """What a sheet-row engine loads once per workbook (calamine's open workbook,
        openpyxl's shared strings and date styles), by engine name."""

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

    def count_styles(self) -> None:
        """Refuse more cell styles than the limit, counted while the styles are streamed:
        ten million of them would take gigabytes as a parsed tree."""
        count, depth, in_formats = 0, 0, False
        with self.archive.open(self.styles_path) as stream:
            for event, element in safe_iterparse(stream, events=("start", "end")):
                if event == "start":
                    depth += 1
                    if depth == 2 and element.tag == f"{SHEET_MAIN}cellXfs":
                        in_formats = True
                    elif in_formats and depth == 3:
                        count += 1
                        if count > self.limits.styles:
                            raise unsafe(
                                over(
                                    f"the workbook has more than {self.limits.styles:,} cell "
                                    "styles",
                                    "styles",
                                    self.limits.styles,
                                )
                            )
                else:
                    if depth == 2:
                        in_formats = False
                    depth -= 1
                    element.clear()

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
                raise refuse(
                    FILE_UNREADABLE,
                    f"the workbook lists a sheet {named} whose part cannot be found; open it "
                    "in Excel and save it again",
                )
            if title in self.sheets:
                raise refuse(
                    FILE_UNREADABLE,
                    f"the workbook lists two sheets named {title!r}; open it in Excel and "
                    "save it again",
                )
            kind, member, plain = relationships[rel_id]
            if member in self.members:  # openpyxl skips a sheet whose part is missing
                state = sheet.get("state") or "visible"
                chart = kind.endswith("/chartsheet")
                self.sheets[title] = Worksheet(self, title, state, member, plain, chart)
        if len(self.sheets) > self.limits.sheets:
            raise unsafe(
                over(f"the workbook has {len(self.sheets)} sheets", "sheets", self.limits.sheets)
            )
        if self.styles_path:
            self.count_styles()
        if self.strings_path:
            size = self.archive.getinfo(self.strings_path).file_size
            if size > self.limits.strings_size:
                raise unsafe(
                    over(
                        f"the shared strings would expand to {size // MB} MB",
                        "strings_size",
                        self.limits.strings_size,
                    )
                )
            with self.archive.open(self.strings_path) as stream:
                prolog = stream.read(4096)
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog or b"<!doctype" in prolog:
                # calamine would read it; parsed with defusedxml, an entity is refused now
                self.xml(self.strings_path)


@contextmanager
def open_workbook(
    path: Path, limits: Limits = DEFAULT_LIMITS, engine: str = "auto"
) -> Iterator[Book]:
    """The workbook, its structure read and checked, its parts size-checked; closed on
    exit. `engine` chooses how sheet rows are read (see `engine.sheet_rows`)."""
    identify(path, limits)
    try:
        book = Book(path, limits, engine)
    except Exception as exc:
        raise unreadable(exc) from exc
    try:
        try:
            book.read_structure()
        except UnreadableWorkbook:
            raise
        except Exception as exc:  # damaged XML or packages raise many kinds
            raise unreadable(exc) from exc
        yield book
    finally:
        book.close()


def unreadable(exc: Exception) -> UnreadableWorkbook:
    if is_entity_attack(exc):
        return unsafe(
            "the workbook's XML declares entities (an entity-expansion or external-entity "
            "attack); it is refused and nothing was expanded or fetched"
        )
    return refuse(
        FILE_UNREADABLE,
        f"the workbook cannot be read ({type(exc).__name__}: {str(exc)[:200]}); open it in "
        "Excel and save it again",
    )


Cells = list[object]
"""A row's values by position: column A first; None or "" for a blank cell."""
