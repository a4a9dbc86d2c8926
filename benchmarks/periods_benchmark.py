"""Time-phased figures benchmark (finance model 14): a build with the By period sheet
against the same build without it.

    python benchmarks/periods_benchmark.py [--lines 100000] [--repeat 5] [--period Month]

It generates (or reuses) benchmarks/out/n<N>-s7-periods.xlsx — 200 projects at 100,000
lines (one per 500 lines), each about three years long, with the generator's task lengths
(a week to four years) — reads it once, then alternates, in this process: computing and
writing the report without the time-phased figures (no By period sheet), and with them.
Each run with them is divided by the mean of the runs without them just before and after
it; the median of those ratios is the figure (target <= 1.3).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import Shape, generate  # noqa: E402
from xlfin.core.compute import compute  # noqa: E402
from xlfin.reader import read_workbook  # noqa: E402
from xlfin.report.workbook import write_report  # noqa: E402

SHAPE = Shape("periods", projects="most")


def timed(workbook, periods: bool, folder: Path) -> float:  # type: ignore[no-untyped-def]
    gc.collect()
    start = time.perf_counter()
    results = compute(workbook, periods=periods)
    write_report(folder / "report.xlsx", workbook, results, list(results.problems),
                 datetime(2026, 1, 1))  # fmt: skip
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--period", default="Month", choices=["Week", "Month", "Quarter", "Year"])
    args = parser.parse_args()
    path = HERE / "out" / f"n{args.lines}-s7-periods.xlsx"
    if not path.exists():
        path.parent.mkdir(exist_ok=True)
        generate(path, args.lines, 7, SHAPE)
    workbook, _ = read_workbook(path)
    settings = workbook.settings.model_copy(update={"period": args.period})
    workbook = workbook.model_copy(update={"settings": settings})
    print(f"{path.name}: {len(workbook.projects)} projects, {len(workbook.hours):,} lines, "
          f"period {args.period}")  # fmt: skip
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        timed(workbook, True, folder)  # warm-up
        without = [timed(workbook, False, folder)]
        with_them = []
        for _ in range(args.repeat):
            with_them.append(timed(workbook, True, folder))
            without.append(timed(workbook, False, folder))
    ratios = [w / ((a + b) / 2) for w, a, b in zip(with_them, without, without[1:], strict=False)]
    median = statistics.median(ratios)
    print(
        f"  without By period: {min(without):.2f} s (of {', '.join(f'{t:.2f}' for t in without)})"
    )
    print(
        f"  with By period: {min(with_them):.2f} s (of {', '.join(f'{t:.2f}' for t in with_them)})"
    )
    print(f"  with / without: {', '.join(f'{r:.2f}' for r in ratios)} -> median {median:.2f} "
          f"(target <= 1.3): {'ok' if median <= 1.3 else 'SLOW'}")  # fmt: skip


if __name__ == "__main__":
    main()
