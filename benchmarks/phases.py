"""Where a build's time goes: read, compute, each report sheet, close — in one process.

    python benchmarks/phases.py INPUT.xlsx [REPORT.xlsx]

Runs the stages `xlfin build` runs (without the ledger, which a first build of a workbook
without Billed records does not touch), timing each, and prints one line per phase and the
peak resident memory. The scale benchmark runs it in a child process per shape.
"""

from __future__ import annotations

import gc
import resource
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def main() -> None:
    started = time.perf_counter()
    gc.disable()  # as the xlfin program runs a one-shot build (src/xlfin/program.py)
    from xlfin.core.compute import compute
    from xlfin.reader.assemble import read_workbook
    from xlfin.report.table import close_book
    from xlfin.report.workbook import ReportWriter

    source = Path(sys.argv[1])
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "report.xlsx"
    phases: list[tuple[str, float]] = [("imports", time.perf_counter() - started)]

    def timed(name: str, step):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        value = step()
        phases.append((name, time.perf_counter() - began))
        return value

    workbook, problems = timed("read", lambda: read_workbook(source))
    results = timed("compute", lambda: compute(workbook))
    writer = ReportWriter(out, workbook, results, [*problems, *results.problems], datetime.now())
    for sheet in (
        "summary_sheet",
        "tasks_sheet",
        "hours_sheet",
        "planned_sheet",
        "periods_sheet",
        "expenses_sheet",
        "records_sheet",
        "rates_sheet",
        "problems_sheet",
    ):
        timed(f"write {sheet.removesuffix('_sheet')}", getattr(writer, sheet))
    timed("close", lambda: close_book(writer.book, out))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    total = time.perf_counter() - started
    print(" ".join(f"{name}={seconds:.2f}" for name, seconds in phases), end=" ")
    print(f"total={total:.2f} peak_mb={peak:.0f} lines={len(workbook.hours)}")


if __name__ == "__main__":
    main()
