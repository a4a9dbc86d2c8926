"""The main job: workbook in, billing-record workbook (and JSON summary) out.

read -> compute -> write, each stage a function; problems are collected along the
way and no report is written when any of them is an error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from xlfin.core.compute import compute
from xlfin.core.results import Results
from xlfin.files import atomic_write
from xlfin.models import Workbook
from xlfin.problems import Problem, has_errors
from xlfin.reader import read_workbook
from xlfin.report.summary import summary
from xlfin.report.workbook import write_report


@dataclass(frozen=True)
class Outcome:
    """What a build did: the files it wrote (none when the input has errors) and why."""

    problems: list[Problem]
    report: Path | None = None
    summary: Path | None = None
    workbook: Workbook | None = None
    results: Results | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.report is not None


def default_report_path(workbook: Path) -> Path:
    """`agency.xlsx` -> `agency-billing.xlsx`, beside the input."""
    return workbook.with_name(f"{workbook.stem}-billing.xlsx")


def analyse(path: Path) -> tuple[Workbook | None, Results | None, list[Problem]]:
    """Read and compute; results are None when the input has errors."""
    workbook, problems = read_workbook(path)
    if has_errors(problems):
        return None, None, problems
    results = compute(workbook)
    return workbook, results, problems + list(results.problems)


def build(
    path: Path,
    report: Path | None = None,
    summary_path: Path | None = None,
    generated_at: datetime | None = None,
) -> Outcome:
    """Build the report of the workbook at `path`; the input is only read."""
    workbook, results, problems = analyse(path)
    if workbook is None or results is None or has_errors(problems):
        return Outcome(problems)
    report = report or default_report_path(path)
    when = generated_at or datetime.now().replace(microsecond=0)
    atomic_write(report, lambda tmp: write_report(tmp, workbook, results, problems, when))
    if summary_path is not None:
        text = json.dumps(summary(results, problems), indent=2, ensure_ascii=False) + "\n"
        atomic_write(summary_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Outcome(problems, report, summary_path, workbook, results)
