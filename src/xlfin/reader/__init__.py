"""The reader: workbook -> frozen models + problems."""

from xlfin.reader.assemble import read_workbook

__all__ = ["read_workbook"]
