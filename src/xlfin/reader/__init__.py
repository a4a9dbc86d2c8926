"""The reader: workbook -> frozen models + problems."""

from xlfin.reader.build import read_workbook

__all__ = ["read_workbook"]
