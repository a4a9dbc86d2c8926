"""Excel's row limit, end to end: an Hours sheet of 1,048,576 rows is read whole, and the
report's Hours sheet, one row too short for it, continues on `Hours (2)`.

    python benchmarks/row_limit_check.py [--seed 7]

Generates (or reuses) benchmarks/out/n1048575-s7.xlsx: a header and 1,048,575 hour lines,
the most a sheet holds. Builds it with `xlfin build` in a child process (wall time and peak
memory printed), then checks with python-calamine that every entry of the input is in the
report exactly once, across `Hours` and `Hours (2)`, that the first sheet is full to the
last row with a totals row saying where it continues, and that the second says what it
continues. Prints the figures and a one-line verdict; exits 1 if a check fails. Takes two
to three minutes on a 2-core machine, so it is not part of the test suite.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from scale_benchmark import compile_xlfin, input_for, run_child, run_xlfin

EXCEL_ROWS = 1_048_576

CHECK = r"""
import sys
from python_calamine import CalamineWorkbook
source, report = sys.argv[1], sys.argv[2]
rows = CalamineWorkbook.from_path(source).get_sheet_by_name("Hours").to_python()
entry = rows[0].index("Entry")
entries = [r[entry] for r in rows[1:]]
book = CalamineWorkbook.from_path(report)
parts = [name for name in book.sheet_names if name.startswith("Hours")]
found, sheets = [], []
for name in parts:
    data = book.get_sheet_by_name(name).to_python()
    header = next(i for i, r in enumerate(data) if r and r[0] == "Entry")
    sheets.append((name, len(data), str(data[0][0]), str(data[-1][0])))
    found += [r[0] for r in data[header + 1 : -1] if r and r[0]]
print(len(rows), len(entries), len(set(entries)), len(found), len(set(found)),
      int(set(found) == set(entries)))
for name, height, first, last in sheets:
    print(f"{name}\t{height}\t{first}\t{last}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    path = input_for(EXCEL_ROWS - 1, args.seed)
    compile_xlfin()
    with tempfile.TemporaryDirectory() as folder:
        seconds, peak, report = run_xlfin(path, Path(folder))
        output = run_child("the check", ["-c", CHECK, str(path), str(report)])[2].splitlines()
    rows, entries, distinct, found, found_distinct, same = map(int, output[0].split())
    sheets = [line.split("\t") for line in output[1:]]
    print(f"input: {path.name}, Hours sheet of {rows:,} rows ({entries:,} hour lines)")
    print(f"xlfin build: {seconds:.1f} s, peak memory {peak:.0f} MB")
    for name, height, first, last in sheets:
        print(f"  report sheet {name!r}: {int(height):,} rows; first cell {first!r}; last {last!r}")
    failures = []
    if rows != EXCEL_ROWS:
        failures.append(f"the input has {rows:,} rows, not {EXCEL_ROWS:,}")
    if not (found == found_distinct == distinct == entries and same):
        failures.append(f"the report holds {found:,} entries ({found_distinct:,} distinct)")
    if [s[0] for s in sheets] != ["Hours", "Hours (2)"]:
        failures.append(f"the report's hour sheets are {[s[0] for s in sheets]}")
    elif int(sheets[0][1]) != EXCEL_ROWS or "continued on Hours (2)" not in sheets[0][3]:
        failures.append("the first Hours sheet is not full, or does not say where it continues")
    elif "continued" not in sheets[1][2]:
        failures.append("Hours (2) does not say what it continues")
    if failures:
        print("verdict: FAIL — " + "; ".join(failures))
        sys.exit(1)
    print(f"verdict: PASS — all {entries:,} hour lines read and reported exactly once")


if __name__ == "__main__":
    main()
