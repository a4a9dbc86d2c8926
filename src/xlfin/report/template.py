"""`xlfin template`: a ready-to-fill input workbook, built from the contract and templates/."""

from __future__ import annotations

import uuid
from importlib.resources import files
from pathlib import Path

import xlsxwriter

from xlfin.report.table import close_book
from xlfin.schema import SETTING_DEFAULTS, SHEETS, Kind, SettingName, SheetName

VALIDATION_ROWS = 5000
EXCEL_MESSAGE_LIMIT = 255


def _choose(choices: tuple[str, ...]) -> str:
    """The message of a drop-down's refusal: its values, while Excel's limit allows."""
    listed = "Choose one of: " + ", ".join(choices)
    return listed if len(listed) <= EXCEL_MESSAGE_LIMIT else "Choose one of the list's values."


def instructions() -> str:
    return files("xlfin.templates").joinpath("instructions.md").read_text(encoding="utf-8")


def write_template(path: Path) -> None:
    """Write the input template to `path`: instructions, then every contract sheet."""
    book = xlsxwriter.Workbook(str(path))
    try:
        header = book.add_format(
            {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
        )
        formats = {
            Kind.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
            Kind.MONEY: book.add_format({"num_format": "#,##0.00"}),
            Kind.RATE: book.add_format({"num_format": "#,##0.00"}),
            Kind.HOURS: book.add_format({"num_format": "0.00"}),
            Kind.ID: book.add_format({"num_format": "@"}),
            Kind.TEXT: book.add_format({"num_format": "@"}),
        }
        title = book.add_format({"bold": True, "font_size": 14})
        sheet = book.add_worksheet("Instructions")
        sheet.set_column(0, 0, 110)
        for row, line in enumerate(instructions().splitlines()):
            if line.startswith("# "):
                sheet.write_string(row, 0, line[2:], title)
            else:
                sheet.write_string(row, 0, line.removeprefix("## "))
        for spec in SHEETS:
            sheet = book.add_worksheet(spec.name)
            sheet.freeze_panes(1, 0)
            for col, column in enumerate(spec.columns):
                sheet.write_string(0, col, column.name, header)
                if column.description:
                    sheet.write_comment(0, col, column.description, {"x_scale": 2})
                sheet.set_column(col, col, column.width, formats.get(column.kind))
                if column.choices:
                    sheet.data_validation(
                        1,
                        col,
                        VALIDATION_ROWS,
                        col,
                        {
                            "validate": "list",
                            "source": list(column.choices),
                            "error_title": column.name,
                            "error_message": _choose(column.choices),
                        },
                    )
            if spec.name == SheetName.SETTINGS:
                # Each new workbook is someone of its own in the ledger: a fresh identity.
                values = {**SETTING_DEFAULTS, SettingName.WORKBOOK_ID: str(uuid.uuid4())}
                for row, (name, value) in enumerate(values.items(), start=1):
                    sheet.write_string(row, 0, name)
                    sheet.write_string(row, 1, value)
    finally:
        close_book(book, path)
