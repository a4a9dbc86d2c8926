"""Scale benchmark: `xlfin build` against the floor of the libraries underneath, and a peer.

    python benchmarks/scale_benchmark.py [--sizes 100000 1000000] [--seed 7] [--repeat 5]

For each size N it generates (or reuses) benchmarks/out/n<N>.xlsx and measures, on the
same file and in the same run:

* xlfin: `xlfin build` in a child process (wall time and peak resident memory), a first
  build with an empty ledger each time, its modules compiled to bytecode beforehand as an
  installed xlfin's are;
* the floor: a process that reads every cell of the input with python-calamine, plus
  writes the report's own cells with xlsxwriter's public writers in constant-memory mode:
  each text and each number (with a number format, as every number of a report has) of
  the warm-up build's report, sheet by sheet and row by row as the report lays them out;
  started and timed like xlfin (Python's start and the imports of both libraries count),
  less the moments it takes to load those cells (`--layout-floor` also runs the floor
  measured on 2026-12-03, constants in the report's layout; `--by-type-floor` the one
  measured until then, as many numbers and texts but all the numbers first);
* the peer: a straightforward pandas computation of actual revenue with dated project
  rates (read_excel, merge_asof, groupby, to_excel).

Targets: xlfin <= 1.3 x floor at every size and shape (`--shapes`, benchmarks/generate.py),
peak memory < 1 GB at 1,000,000 lines, time(1,000,000) / time(100,000) <= 11, and faster
than the peer. xlfin and the floor run `--repeat` times after an untimed warm-up build,
alternating (floor, xlfin, floor, …, floor); each xlfin run is divided by the mean of the
floor runs just before and after it, and the median of those ratios is the figure that
counts (the fastest of each side is printed too). Times (scaling, the peer) are the
fastest runs. It prints the figures and a one-line verdict; `--phases` adds, per size and
shape, where one build's time goes (benchmarks/phases.py).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
MEMORY_MB = 1024
"""Peak resident memory allowed at 1,000,000 lines, on every shape."""

sys.path.insert(0, str(HERE))
from generate import SHAPES  # noqa: E402  (the generator beside this script)


def input_for(lines: int, seed: int, shape: str = "standard") -> Path:
    suffix = "" if shape == "standard" else f"-{shape}"
    path = OUT / f"n{lines}-s{seed}{suffix}.xlsx"
    if not path.exists():
        OUT.mkdir(exist_ok=True)
        started = time.perf_counter()
        command = [str(HERE / "generate.py"), str(lines), str(path), "--seed", str(seed)]
        run_child("the generator", [*command, "--shape", shape])
        print(f"  generated {path.name} in {time.perf_counter() - started:.1f} s")
    return path


def phases(path: Path, folder: Path) -> str:
    """One line: the seconds of each phase of a build of `path` (benchmarks/phases.py)."""
    command = [str(HERE / "phases.py"), str(path), str(folder / "phases.xlsx")]
    return run_child("the phases", command)[2].strip().splitlines()[-1]


def run_child(what: str, args: list[str]) -> tuple[float, float, str]:
    """(seconds, peak RSS in MB, output) of `python ARGS` in a child process of its own.

    xlfin, the floor and the cell count each run in a child started by this small parent:
    the peak memory of a child that exec's counts its parent's memory at the fork (Linux
    keeps the larger of the two), so nothing large may ever live in this process.
    """
    with tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, *args], stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{what} failed:\n{text[-4000:]}")
    return seconds, usage.ru_maxrss / 1024, text


COMPILE = r"""
import compileall, importlib.util, sys
spec = importlib.util.find_spec("xlfin")
sys.exit(0 if compileall.compile_dir(spec.submodule_search_locations[0], quiet=1) else 1)
"""


def compile_xlfin() -> None:
    """Compile xlfin's modules to bytecode once, as `pip install` does. A checkout installed
    with `pip install -e` in a shell where PYTHONDONTWRITEBYTECODE is set would otherwise
    compile its 9,000 lines on every run (0.1 s that no installed xlfin spends)."""
    run_child("compiling xlfin", ["-c", COMPILE])


def run_xlfin(path: Path, folder: Path) -> tuple[float, float, Path]:
    """(seconds, peak RSS in MB, report) of `xlfin build`, a first build each time."""
    report = folder / "report.xlsx"
    ledger = folder / "ledger.sqlite"
    ledger.unlink(missing_ok=True)  # every run is a first build: it freezes the Billed records
    command = ["-m", "xlfin", "build", str(path), "-o", str(report), "--quiet", "--ledger"]
    seconds, peak, _ = run_child("xlfin build", [*command, str(ledger)])
    return seconds, peak, report


LAYOUT = r"""
import json, marshal, sys
from datetime import date, datetime
from python_calamine import CalamineWorkbook
EPOCH = datetime(1899, 12, 30)
def number(value):  # a cell's number as xlsxwriter is given it (a date as its serial)
    if isinstance(value, datetime):
        return (value - EPOCH).total_seconds() / 86400
    if isinstance(value, date):
        return float((value - EPOCH.date()).days)
    return float(value)
book = CalamineWorkbook.from_path(sys.argv[1])
sheets, numbers, strings = [], 0, 0
with open(sys.argv[3], "wb") as cells:
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        top, left = sheet.start if sheet.start else (0, 0)
        marshal.dump((name, top), cells)
        runs, last, chunk, seen = [], None, [], {}
        for row in sheet.iter_rows():
            kinds = "".join("." if v == "" else "s" if isinstance(v, str) else "n" for v in row)
            kinds = ("." * left + kinds).rstrip(".")
            numbers += kinds.count("n")
            strings += kinds.count("s")
            if kinds == last:
                runs[-1][1] += 1
            else:
                runs.append([kinds, 1])
                last = kinds
            # The row's texts, then its numbers, each with its column: xlfin's order. One
            # text object per distinct text of a chunk, as xlfin shares its texts.
            texts = tuple(
                (left + c, seen.setdefault(v, v)) for c, v in enumerate(row) if type(v) is str and v
            )
            values = tuple(
                (left + c, number(v)) for c, v in enumerate(row) if type(v) is not str
            )
            chunk.append((texts, values))
            if len(chunk) == 5000:
                marshal.dump(chunk, cells)
                chunk, seen = [], {}
        if chunk:
            marshal.dump(chunk, cells)
        sheets.append([name, runs])
with open(sys.argv[2], "w") as out:
    json.dump(sheets, out)
print(numbers, strings)
"""


def report_layout(report: Path, folder: Path) -> tuple[int, int, Path, Path]:
    """(numbers, strings, layout file, cells file) of the report. The layout: for each of
    its sheets, the kind of each cell of each row (number, text, blank). The cells: a
    sheet's name and first row, then its rows in chunks, each row its texts and its numbers
    (a date as its serial number) with their columns, for the floor to write the report's
    own cells."""
    layout, cells = folder / "layout.json", folder / "cells.marshal"
    args = ["-c", LAYOUT, str(report), str(layout), str(cells)]
    numbers, strings = run_child("the report's layout", args)[2].split()
    return int(numbers), int(strings), layout, cells


READ_AND_OPEN = r"""
import xlsxwriter
from python_calamine import CalamineWorkbook
book = CalamineWorkbook.from_path(path)
cells = 0
for name in book.sheet_names:
    for row in book.get_sheet_by_name(name).iter_rows():
        cells += len(row)
out = xlsxwriter.Workbook(out, {"constant_memory": True})
money = out.add_format({"num_format": "#,##0.00"})  # a report's numbers all have a format
"""
"""The floors' common part: read every input cell with calamine, open the output with
xlsxwriter in constant-memory mode and make the one number format."""


FLOOR = (
    r"""
import time
started = time.perf_counter()
import marshal, sys
path, report_cells, out = sys.argv[1], sys.argv[2], sys.argv[3]
loading = time.perf_counter() - started
"""
    + READ_AND_OPEN
    + r"""
with open(report_cells, "rb") as given:
    while True:
        began = time.perf_counter()
        try:
            chunk = marshal.load(given)
        except EOFError:
            break
        loading += time.perf_counter() - began
        if type(chunk) is tuple:  # a sheet: its name and first row
            name, row = chunk
            sheet = out.add_worksheet(name)
            write_string, write_number = sheet.write_string, sheet.write_number
            continue
        for texts, values in chunk:
            for col, text in texts:
                write_string(row, col, text)
            for col, value in values:
                write_number(row, col, value, money)
            row += 1
out.close()
print(loading)
"""
)
"""The floor: the report's own cells, its texts and numbers, row by row and sheet by
sheet. The time it takes to load them (a chunk of rows at a time) is measured and taken
off: xlfin has no such file to read."""


def floor(path: Path, cells: Path, folder: Path) -> float:
    """Seconds of a process that reads every input cell (calamine) and writes the report's
    own cells (xlsxwriter): its texts as texts, its numbers (dates included) as formatted
    numbers, row by row and sheet by sheet. Started and timed like `xlfin build`, less the
    time it takes to load the cells (which xlfin computes)."""
    args = [str(path), str(cells), str(folder / "floor.xlsx")]
    seconds, _, output = run_child("the floor", ["-c", FLOOR, *args])
    return seconds - float(output.split()[-1])


LAYOUT_FLOOR = (
    r"""
import time
started = time.perf_counter()
import json, sys
path, layout, out = sys.argv[1], sys.argv[2], sys.argv[3]
with open(layout) as given:
    sheets = json.load(given)
loading = time.perf_counter() - started
"""
    + READ_AND_OPEN
    + r"""
for name, runs in sheets:
    sheet = out.add_worksheet(name)
    row = 0
    for kinds, count in runs:
        texts = [c for c, kind in enumerate(kinds) if kind == "s"]
        numbers = [c for c, kind in enumerate(kinds) if kind == "n"]
        for r in range(row, row + count):
            for col in texts:
                sheet.write_string(r, col, "text value")
            for col in numbers:
                sheet.write_number(r, col, 1234.5, money)
        row += count
out.close()
print(loading)
"""
)


def layout_floor(path: Path, layout: Path, folder: Path) -> float:
    """The floor as it was measured on 2026-12-03: the report's layout, a constant text
    ("text value") where the report has a text and a constant formatted number (1234.5)
    where it has a number. Constants are cheaper to write than the report's values (a
    short text to escape, a short number to spell), so this floor is lower than the
    report's own; it is kept to compare with those figures (`--layout-floor`)."""
    args = [str(path), str(layout), str(folder / "floor-layout.xlsx")]
    seconds, _, output = run_child("the layout floor", ["-c", LAYOUT_FLOOR, *args])
    return seconds - float(output.split()[-1])


BY_TYPE_FLOOR = (
    r"""
import sys
path, numbers, strings, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
"""
    + READ_AND_OPEN
    + r"""
sheet = out.add_worksheet()
width = 17
written = 0
row = 0
while written < numbers + strings:
    for col in range(width):
        if written < numbers:
            sheet.write_number(row, col, 1234.5, money)
        elif written < numbers + strings:
            sheet.write_string(row, col, "text value")
        written += 1
    row += 1
    if row >= 1_048_575:
        sheet, row = out.add_worksheet(), 0
out.close()
"""
)


def by_type_floor(path: Path, numbers: int, strings: int, folder: Path) -> float:
    """The floor as it was measured until 2026-12-03: as many numbers and texts as the
    report holds, but all the numbers first, then all the texts, 17 to a row on one sheet.
    A row of one kind is cheaper to write than a row that mixes texts and numbers (the
    interpreter's specialised paths stay warm), so this floor is lower than any report's;
    it is kept to compare with the earlier figures (`--by-type-floor`)."""
    args = [str(path), str(numbers), str(strings), str(folder / "floor-by-type.xlsx")]
    return run_child("the by-type floor", ["-c", BY_TYPE_FLOOR, *args])[0]


PEER = r"""
import sys, pandas as pd
path, out = sys.argv[1], sys.argv[2]
sheets = pd.read_excel(path, sheet_name=["Hours", "Project rates", "Roles", "Users", "Tasks"],
                       engine="calamine")
hours = sheets["Hours"]
users = sheets["Users"][["User", "Primary role"]].drop_duplicates("User")
hours = hours.merge(users, on="User", how="left")
hours["Role used"] = hours["Role"].fillna(hours["Primary role"])
rates = sheets["Project rates"].dropna(subset=["Role"]).copy()
rates["Start date"] = pd.to_datetime(rates["Start date"]).fillna(pd.Timestamp("1900-01-01"))
hours["Date"] = pd.to_datetime(hours["Date"])
hours = hours.sort_values("Date")
rates = rates.sort_values("Start date")
left = hours.rename(columns={"Role": "Line role", "Role used": "Role"})
priced = pd.merge_asof(left, rates[["Project", "Role", "Billing rate", "Start date"]],
                       left_on="Date", right_on="Start date", by=["Project", "Role"],
                       direction="backward")
system = sheets["Roles"][["Role", "Billing rate"]].rename(columns={"Billing rate": "System"})
priced = priced.merge(system, on="Role", how="left")
priced["Rate"] = priced["Billing rate"].fillna(priced["System"])
priced["Revenue"] = (priced["Hours"] * priced["Rate"]).round(2)
priced.loc[priced["Billable"] != "Yes", "Revenue"] = 0
tasks = priced.groupby(["Project", "Task"], as_index=False)[["Hours", "Revenue"]].sum()
with pd.ExcelWriter(out, engine="xlsxwriter") as writer:
    priced.to_excel(writer, sheet_name="Hours", index=False)
    tasks.to_excel(writer, sheet_name="Tasks", index=False)
"""


def run_peer(path: Path, folder: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", PEER, str(path), str(folder / "peer.xlsx")],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.exit(f"the pandas peer failed:\n{result.stderr[-2000:]}")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument(
        "--shapes",
        nargs="+",
        default=["standard"],
        choices=[*SHAPES, "all"],
        help="workbook shapes (benchmarks/generate.py); all: every one",
    )
    parser.add_argument(
        "--phases", action="store_true", help="also time each phase of a build, per sheet"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-peer", action="store_true", help="skip the pandas peer")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs of xlfin and of the floor, alternating"
    )
    parser.add_argument(
        "--layout-floor",
        action="store_true",
        help="also run the floor as measured on 2026-12-03 (constants in the report's layout)",
    )
    parser.add_argument(
        "--by-type-floor",
        action="store_true",
        help="also run the floor as measured until 2026-12-03 (numbers first, then texts)",
    )
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    shapes = list(SHAPES) if "all" in args.shapes else args.shapes
    verdicts: list[str] = []
    compile_xlfin()
    for shape in shapes:
        print(f"shape: {shape}")
        verdicts += measure_shape(shape, args)
    failed = [v for v in verdicts if any(w in v for w in ("SLOW", "OVER", "NOT", "SLOWER"))]
    print(f"verdict: {'PASS' if not failed else 'FAIL'} — " + "; ".join(verdicts))


def measure_shape(shape: str, args: argparse.Namespace) -> list[str]:
    """Every size of one shape: the figures printed, the verdicts returned."""
    verdicts: list[str] = []
    times: dict[int, float] = {}
    for lines in args.sizes:
        print(f"N = {lines:,} ({shape})")
        path = input_for(lines, args.seed, shape)
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            # A first, untimed build warms the file cache for both sides (the input, the
            # modules) and gives the report whose cells the floor writes. Then the runs
            # alternate floor, xlfin, floor, …, floor: this VM's speed drifts by a fifth
            # from minute to minute, so each xlfin run is set against the mean of the
            # floor runs just before and after it, and the median of those ratios decides.
            warm = run_xlfin(path, folder)
            numbers, strings, layout, cells = report_layout(warm[2], folder)
            # Each floor: (what it writes, a run of it).
            sides: dict[str, tuple[str, Callable[[], float]]] = {
                "floor": ("the report's own cells", partial(floor, path, cells, folder))
            }
            if args.layout_floor:
                sides["layout floor"] = (
                    "constants in the report's layout",
                    partial(layout_floor, path, layout, folder),
                )
            if args.by_type_floor:
                sides["by-type floor"] = (
                    "its numbers, then its texts",
                    partial(by_type_floor, path, numbers, strings, folder),
                )
            floors: dict[str, list[float]] = {name: [run()] for name, (_, run) in sides.items()}
            runs = []
            for _ in range(args.repeat):
                runs.append(run_xlfin(path, folder))
                for name, (_, run) in sides.items():
                    floors[name].append(run())
            seconds = min(seconds for seconds, _, _ in runs)
            peak = max(peak for _, peak, _ in [warm, *runs])
            peer = None if args.no_peer else run_peer(path, folder)
            if args.phases:
                print(f"  phases: {phases(path, folder)}")
        times[lines] = seconds
        print(
            f"  xlfin build: {seconds:.1f} s (fastest of {args.repeat}: "
            f"{', '.join(f'{r[0]:.1f}' for r in runs)}), peak memory {peak:,.0f} MB "
            f"(of {', '.join(f'{r[1]:,.0f}' for r in [warm, *runs])})"
        )
        medians = {}
        for name, times_of in floors.items():
            ratios = [run[0] / ((times_of[i] + times_of[i + 1]) / 2) for i, run in enumerate(runs)]
            medians[name] = statistics.median(ratios)
            what = sides[name][0]
            print(
                f"  {name} (calamine read + xlsxwriter {numbers + strings:,} cells, {what}): "
                f"{min(times_of):.1f} s (of {', '.join(f'{f:.1f}' for f in times_of)})"
            )
            print(
                f"  xlfin / {name}, each run against the {name} runs beside it: "
                f"{', '.join(f'{r:.2f}' for r in ratios)} -> median {medians[name]:.3f}"
                f"{' (target <= 1.3)' if name == 'floor' else ''}; "
                f"fastest against fastest: {seconds / min(times_of):.2f}"
            )
        ratio = medians["floor"]
        verdict = "ok" if ratio <= 1.3 else "SLOW"
        verdicts.append(f"{shape} N={lines:,}: {verdict} (median {ratio:.2f}x floor)")
        if peer is not None:
            print(f"  pandas peer: {peer:.1f} s -> xlfin is {peer / seconds:.2f}x as fast")
            verdicts.append("faster than pandas" if seconds < peer else "SLOWER than pandas")
        if lines >= 1_000_000:
            good = peak < MEMORY_MB
            verdicts.append(f"{shape} memory {'ok' if good else 'OVER'} ({peak:,.0f} MB)")
    if 100_000 in times and 1_000_000 in times:
        scaling = times[1_000_000] / times[100_000]
        print(f"scaling: time(1,000,000) / time(100,000) = {scaling:.1f} (target <= 11)")
        good = scaling <= 11
        verdicts.append(f"{shape} scaling {'ok' if good else 'NOT LINEAR'} ({scaling:.1f})")
    return verdicts


if __name__ == "__main__":
    main()
