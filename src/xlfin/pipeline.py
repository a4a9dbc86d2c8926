"""The main job: workbook in, billing-record workbook (and JSON summary) out.

read -> check against the ledger -> compute (billed lines frozen) -> freeze newly
Billed records -> write. Problems are collected along the way, and no report is
written (and nothing frozen) when any of them is an error.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import localcontext
from pathlib import Path
from zoneinfo import ZoneInfo

from xlfin.core.compute import compute, with_frozen
from xlfin.core.money import MONEY
from xlfin.core.results import Results
from xlfin.files import atomic_write, sha256
from xlfin.ledger.records import conflicts, frozen_expenses, frozen_lines, to_freeze
from xlfin.ledger.store import LEDGER_NAME, Ledger, LedgerError
from xlfin.models import BillingStatus, Settings, Workbook, file_identity
from xlfin.problems import (
    LEDGER_DISABLED,
    LEDGER_UNREADABLE,
    WORKBOOK_ID_ADOPTED,
    WORKBOOK_ID_MISSING,
    Problem,
    has_errors,
    problem,
    problem_at,
)
from xlfin.reader import read_workbook
from xlfin.reader.package import DEFAULT_LIMITS, Limits
from xlfin.report.summary import summary
from xlfin.report.workbook import write_report
from xlfin.schema import SheetName
from xlfin.words import counted

REPORT_SUFFIX = "-billing.xlsx"
"""A report's name is its workbook's stem and this (`agency.xlsx` -> `agency-billing.xlsx`)."""
Progress = Callable[[str], None]


def _silent(message: str) -> None:
    """The progress of a build that nobody watches."""


def _nothing() -> None:
    """What happens between stages of a build run inside another program: nothing."""


after_reading: Callable[[], None] = _nothing
"""Called once a workbook is read, when what only reading needed (the reading library's
copy of every sheet) is freed: the xlfin program hands that memory back to the system
there (`xlfin.program`); a library user's build leaves its process alone."""


@dataclass(frozen=True)
class Outcome:
    """What a build did: the files it wrote (none when the input has errors) and why."""

    problems: list[Problem]
    report: Path | None = None
    summary: Path | None = None
    workbook: Workbook | None = None
    results: Results | None = field(default=None, repr=False)
    frozen: list[str] = field(default_factory=list)
    """Billing records this build froze in the ledger."""

    @property
    def ok(self) -> bool:
        return self.report is not None


def default_report_path(workbook: Path, folder: Path | None = None, part: str = "") -> Path:
    """`agency.xlsx` -> `agency-billing.xlsx` (with `part` "P-100": `agency-P-100-billing.xlsx`),
    in `folder` (default: beside the input)."""
    stem = f"{workbook.stem}-{part}" if part else workbook.stem
    return (folder or workbook.parent) / f"{stem}{REPORT_SUFFIX}"


def default_ledger_path(workbook: Path) -> Path:
    """`xlfin-ledger.sqlite` beside the input workbook."""
    return workbook.with_name(LEDGER_NAME)


def unledgered(workbook: Workbook) -> list[Problem]:
    """LEDGER_DISABLED on every Billed record of a build without a ledger."""
    return [
        problem_at(
            LEDGER_DISABLED,
            f"billing record {r.billing_record!r} is Billed but this "
            "build has no ledger: its amounts are today's, not frozen",
            SheetName.BILLING_RECORDS,
            r.row,
            "status",
            workbook.layout.get(SheetName.BILLING_RECORDS),
        )
        for r in workbook.billing_records.values()
        if r.status is BillingStatus.BILLED
    ]


def ledger_problem(exc: LedgerError) -> Problem:
    return problem(LEDGER_UNREADABLE, str(exc))


@dataclass
class Analysis:
    workbook: Workbook | None
    results: Results | None
    problems: list[Problem]
    frozen: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.results is not None and not has_errors(self.problems)


def analyse(
    path: Path,
    ledger_path: Path | None = None,
    use_ledger: bool = True,
    freeze: bool = True,
    at: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    engine: str = "auto",
    as_of: date | None = None,
) -> Analysis:
    """Read, check against the ledger, compute and (with `freeze`) freeze Billed records.

    Without `freeze` the ledger is only read, and only if it exists. `progress`, when
    given, hears what is being done, with counts. `as_of` overrides Settings › As of date.
    """
    with localcontext(MONEY):
        return _analyse(
            path, ledger_path, use_ledger, freeze, at, limits, progress, engine, as_of
        )  # fmt: skip


def as_of_date(settings: Settings, given: date | None, at: datetime | None) -> date:
    """The date the report stands at: `--as-of`, else Settings › As of date, else the day
    of `at` (the build's time, default now) in the workbook's time zone."""
    if given is not None:
        return given
    if settings.as_of_date is not None:
        return settings.as_of_date
    moment = at or datetime.now()
    return moment.astimezone(ZoneInfo(settings.time_zone)).date()


def _analyse(
    path: Path,
    ledger_path: Path | None,
    use_ledger: bool,
    freeze: bool,
    at: datetime | None,
    limits: Limits,
    progress: Progress | None,
    engine: str,
    as_of: date | None = None,
) -> Analysis:
    say = progress or _silent
    say(f"reading {path.name}")
    workbook, read_problems = read_workbook(path, limits, engine)
    after_reading()
    say(
        f"read {counted(len(workbook.projects), 'project')}, "
        f"{counted(len(workbook.tasks), 'task')}, {counted(len(workbook.hours), 'hour line')}, "
        f"{counted(len(workbook.expenses), 'expense')}"
    )
    if not has_errors(read_problems):
        say("computing")
    ledger_path = ledger_path or default_ledger_path(path)
    if has_errors(read_problems):
        # What was billed explains errors best (a deleted record is also a broken reference).
        if use_ledger and ledger_path.exists() and workbook.projects:
            read_problems = read_problems + _conflicts_only(workbook, ledger_path)
        return Analysis(None, None, read_problems)
    when = as_of_date(workbook.settings, as_of, at)
    if not use_ledger:
        results = compute(workbook, as_of=when)
        problems = read_problems + unledgered(workbook) + list(results.problems)
        return Analysis(workbook, results, problems)
    if not freeze and not ledger_path.exists():
        results = compute(workbook, as_of=when)
        return Analysis(workbook, results, read_problems + list(results.problems))
    try:
        with Ledger.open(ledger_path) as ledger:
            return _with_ledger(
                path,
                workbook,
                read_problems,
                ledger,
                freeze,
                at or datetime.now().replace(microsecond=0),
                when,
            )
    except LedgerError as exc:
        return Analysis(workbook, None, [*read_problems, ledger_problem(exc)])


def _conflicts_only(workbook: Workbook, ledger_path: Path) -> list[Problem]:
    try:
        with Ledger.open(ledger_path) as ledger:
            identity, _ = ledger_identity(workbook, ledger, datetime.now(), adopt=False)
            return conflicts(workbook, ledger.current(identity))
    except LedgerError as exc:
        return [ledger_problem(exc)]


def ledger_identity(
    workbook: Workbook, ledger: Ledger, at: datetime, adopt: bool
) -> tuple[str, list[Problem]]:
    """Under which identity the ledger keeps the workbook's records, and what to say of it:
    a warning when it has Billed records but no Workbook ID (they are kept under its file
    name); once it has one, the records kept under its file name before are moved to it
    (with `adopt`; said once) or, without, read from there."""
    by_name = file_identity(workbook.source)
    settings = workbook.layout.get(SheetName.SETTINGS)
    if workbook.settings.workbook_id is None:
        if not any(r.status is BillingStatus.BILLED for r in workbook.billing_records.values()):
            return by_name, []
        return by_name, [
            problem_at(
                WORKBOOK_ID_MISSING,
                f"no Workbook ID: the ledger keeps this workbook's billed records under its file "
                f"name ({workbook.source}), which a renamed copy would not find; pin it with a "
                f"Settings row: Workbook ID = {uuid.uuid4()}",
                SheetName.SETTINGS,
                None,
                None,
                settings,
            )
        ]
    if not adopt:
        if not ledger.current(workbook.identity) and ledger.current(by_name):
            return by_name, []  # until a build moves them
        return workbook.identity, []
    moved = ledger.adopt(by_name, workbook.identity, at)
    if not moved:
        return workbook.identity, []
    return workbook.identity, [
        problem_at(
            WORKBOOK_ID_ADOPTED,
            f"the records frozen from {workbook.source} before it had a Workbook ID "
            f"({', '.join(moved)}) are now kept under Workbook ID {workbook.identity!r}",
            SheetName.SETTINGS,
            None,
            None,
            settings,
        )
    ]


def _with_ledger(
    path: Path,
    workbook: Workbook,
    read_problems: list[Problem],
    ledger: Ledger,
    freeze: bool,
    at: datetime,
    as_of: date,
) -> Analysis:
    identity, said = ledger_identity(workbook, ledger, at, adopt=freeze)
    read_problems = read_problems + said
    frozen = ledger.current(identity)
    problems = read_problems + conflicts(workbook, frozen)
    if has_errors(problems):
        return Analysis(workbook, None, problems)
    expenses = frozen_expenses(frozen.values())
    results = compute(workbook, frozen_lines(frozen.values()), as_of, expenses)
    problems += results.problems
    if has_errors(problems) or not freeze:
        return Analysis(workbook, results, problems)
    new = to_freeze(results, frozen, path.name, sha256(path), at)
    if not new:
        return Analysis(workbook, results, problems)
    newly = ledger.freeze(identity, new)
    # Another build may have frozen some of them first: use what the ledger now holds.
    frozen = ledger.current(identity)
    problems = read_problems + conflicts(workbook, frozen)
    if has_errors(problems):
        return Analysis(workbook, None, problems, newly)
    # What was just frozen came from these results: they only take its marks, unless
    # another build froze or reopened something meanwhile.
    lines = frozen_lines(frozen.values())
    results = with_frozen(results, lines) or compute(
        workbook, lines, as_of, frozen_expenses(frozen.values())
    )
    return Analysis(workbook, results, problems + list(results.problems), newly)


def build(
    path: Path,
    report: Path | None = None,
    summary_path: Path | None = None,
    generated_at: datetime | None = None,
    ledger_path: Path | None = None,
    use_ledger: bool = True,
    limits: Limits = DEFAULT_LIMITS,
    progress: Progress | None = None,
    engine: str = "auto",
    as_of: date | None = None,
) -> Outcome:
    """Build the report of the workbook at `path`; the input is only read."""
    with localcontext(MONEY):  # sums and roundings exact at every size the contract admits
        return _build(
            path, report, summary_path, generated_at, ledger_path, use_ledger, limits, progress,
            engine, as_of,
        )  # fmt: skip


def _build(
    path: Path,
    report: Path | None,
    summary_path: Path | None,
    generated_at: datetime | None,
    ledger_path: Path | None,
    use_ledger: bool,
    limits: Limits,
    progress: Progress | None,
    engine: str,
    as_of: date | None,
) -> Outcome:
    when = generated_at or datetime.now().replace(microsecond=0)
    analysis = analyse(
        path,
        ledger_path,
        use_ledger,
        freeze=True,
        at=when,
        limits=limits,
        progress=progress,
        engine=engine,
        as_of=as_of,
    )
    workbook, results, problems = analysis.workbook, analysis.results, analysis.problems
    if not analysis.ok or workbook is None or results is None:
        return Outcome(problems, frozen=analysis.frozen)
    report = report or default_report_path(path)
    lines = sum(len(p.project_lines) + sum(len(t.lines) for t in p.tasks) for p in results.projects)
    (progress or _silent)(f"writing {report.name} ({lines:,} hour lines)")
    atomic_write(report, lambda tmp: write_report(tmp, workbook, results, problems, when))
    if summary_path is not None:
        text = (
            json.dumps(summary(results, problems, workbook.companies), indent=2, ensure_ascii=False)
            + "\n"
        )
        atomic_write(summary_path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return Outcome(problems, report, summary_path, workbook, results, analysis.frozen)
