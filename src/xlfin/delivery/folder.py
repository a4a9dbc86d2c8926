"""Many workbooks: folder builds in parallel, split reports, and delivery by email.

`process(job)` builds one workbook and delivers its reports; it runs in a worker
process, so everything it takes and returns is plain, picklable data. A failed
workbook gets `<stem>-problems.txt` beside where its report would have been.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from xlfin.core.money import money_text
from xlfin.core.results import Results
from xlfin.files import atomic_write, os_reason
from xlfin.pipeline import REPORT_SUFFIX, Outcome, Progress, build, default_report_path
from xlfin.problems import LEDGER_UNREADABLE, Severity, sort_key
from xlfin.reader.package import DEFAULT_LIMITS, Limits
from xlfin.report.workbook import write_report
from xlfin.schema import column_name
from xlfin.words import counted

if TYPE_CHECKING:  # the mail modules load only for a build that sends
    from xlfin.delivery.mail import Body, SmtpSettings

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")


def is_input_workbook(path: Path) -> bool:
    """A workbook to build: not a report, not an Excel lock file, not hidden or temporary."""
    name = path.name
    return (
        path.suffix.lower() in WORKBOOK_SUFFIXES
        and not name.startswith(("~$", ".", "~"))
        and not name.lower().endswith(REPORT_SUFFIX)
        and path.is_file()
    )


def workbooks_in(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if is_input_workbook(p))


@dataclass(frozen=True)
class Delivery:
    """Where reports go besides the report file."""

    email_to: tuple[str, ...] = ()
    report_to: bool = False
    """Send each recipient of a project's `Report to` a report of only their projects."""
    split_by_project: bool = False
    eml_dir: Path | None = None
    smtp: SmtpSettings | None = None
    outbox: Path | None = None


@dataclass(frozen=True)
class Job:
    workbook: Path
    out: Path
    ledger: Path | None = None
    use_ledger: bool = True
    limits: Limits = DEFAULT_LIMITS
    delivery: Delivery = field(default_factory=Delivery)
    engine: str = "auto"
    """Which engine reads sheet rows (see `xlfin.reader.engine`)."""
    journal: Path | None = None
    """The watcher's journal of messages (see `journal`); None outside the watcher."""
    content: str | None = None
    """The workbook's content hash, that names its messages in the journal."""
    as_of: date | None = None
    """`--as-of`: the date the report stands at (default: Settings › As of date, today)."""


@dataclass(frozen=True)
class Done:
    """What happened to one workbook, for the log and the exit code."""

    workbook: Path
    ok: bool
    report: Path | None = None
    problems_report: Path | None = None
    errors: int = 0
    warnings: int = 0
    files: tuple[Path, ...] = ()
    log: tuple[str, ...] = ()
    outside: str | None = None
    """Why a build failed for a reason outside the workbook (the ledger, the disk), that
    may pass: the watcher tries such a file again later instead of giving up on it."""

    def line(self) -> str:
        if self.ok:
            return (
                f"{self.workbook.name}: report written to {self.report} "
                f"({counted(self.warnings, 'warning')})"
            )
        return (
            f"{self.workbook.name}: failed with {counted(self.errors, 'error')}; see "
            f"{self.problems_report}"
        )


def process(job: Job) -> Done:
    """Build one workbook, write its split reports, deliver its messages."""
    try:
        return _process(job)
    except Exception as exc:  # one bad workbook must never stop the others
        path = problems_path(job)
        if isinstance(exc, Undelivered):  # built, but its mail could not be kept
            text = "".join(f"{line}\n" for line in exc.reasons)
            with suppress(OSError):
                atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
            return Done(
                job.workbook,
                False,
                exc.outcome.report,
                problems_report=path,
                errors=len(exc.reasons),
                files=exc.files,
                log=exc.log + exc.reasons,
                outside=exc.reasons[0],
            )
        if isinstance(exc, OSError):  # the disk, a folder: not the workbook's fault
            text = f"{job.workbook.name}: {os_reason(exc)}\n"
        else:
            text = f"{job.workbook.name}: unexpected error: {type(exc).__name__}: {exc}\n"
        with suppress(OSError):
            atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        outside = text.strip() if isinstance(exc, OSError) else None
        return Done(job.workbook, False, problems_report=path, errors=1, outside=outside)


def problems_path(job: Job) -> Path:
    return job.out / f"{job.workbook.stem}-problems.txt"


def _process(job: Job) -> Done:
    outcome, files, log = run_job(job, default_report_path(job.workbook, job.out))
    errors = sum(p.severity is Severity.ERROR for p in outcome.problems)
    warnings = len(outcome.problems) - errors
    if not outcome.ok:
        path = problems_path(job)
        lines = [p.line(job.workbook.name) for p in sorted(outcome.problems, key=sort_key)]
        text = "\n".join([*lines, f"{errors} errors, {warnings} warnings", ""])
        atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        error_codes = {p.code for p in outcome.problems if p.is_error}
        outside = (
            next(p.message for p in outcome.problems if p.code == LEDGER_UNREADABLE)
            if error_codes == {LEDGER_UNREADABLE}
            else None
        )
        return Done(
            job.workbook,
            False,
            problems_report=path,
            errors=errors,
            warnings=warnings,
            outside=outside,
        )
    problems_path(job).unlink(missing_ok=True)  # an earlier failure's, now stale
    return Done(
        job.workbook, True, outcome.report, errors=0, warnings=warnings, files=files, log=log
    )


def run_job(
    job: Job,
    report: Path,
    summary_path: Path | None = None,
    progress: Progress | None = None,
) -> tuple[Outcome, tuple[Path, ...], tuple[str, ...]]:
    """The one route of a build, from the command line, a folder or the inbox: build the
    workbook's report, then (when it is built) its split reports and messages. Returns the
    outcome, the files written and the log lines."""
    when = datetime.now().replace(microsecond=0)
    outcome = build(
        job.workbook,
        report,
        summary_path,
        generated_at=when,
        ledger_path=job.ledger,
        use_ledger=job.use_ledger,
        limits=job.limits,
        progress=progress,
        engine=job.engine,
        as_of=job.as_of,
    )
    if not outcome.ok or outcome.report is None:
        return outcome, (), ()
    files, log = after_build(job, outcome, outcome.report, when)
    return outcome, files, log


def after_build(
    job: Job, outcome: Outcome, report: Path, when: datetime
) -> tuple[tuple[Path, ...], tuple[str, ...]]:
    """Split reports and messages of a successful build: (files written, log lines)."""
    files = [report]
    log: list[str] = []
    d = job.delivery
    if d.split_by_project:
        projects = _projects(outcome.results)
        for project, part in _parts(projects).items():
            path = default_report_path(job.workbook, report.parent, part)
            if _taken(job.workbook, part):  # another workbook's report has that name
                part = f"{part}-{_digest(project)}"
                path = default_report_path(job.workbook, report.parent, part)
                log.append(
                    f"{job.workbook.name}: the report of project {project!r} is {path.name}: "
                    f"{job.workbook.stem}-{_safe(project)} is another workbook of the folder"
                )
            _write_subset(outcome, {project}, path, when)
            files.append(path)
    undelivered: list[str] = []

    @contextmanager
    def kept(recipients: str) -> Iterator[None]:
        # A message neither sent nor kept (a full disk under the outbox): say so and go on
        # with the others; the build is done, its mail is not.
        try:
            yield
        except OSError as exc:
            undelivered.append(
                f"{job.workbook.name}: the message to {recipients} was neither sent nor kept: "
                f"{os_reason(exc)}"
            )

    if d.email_to:
        with kept(", ".join(d.email_to)):
            log.append(_send(job, outcome, report, d.email_to, "all"))
    if d.report_to:
        recipients = _recipients(outcome)
        if not recipients:
            log.append(f"{job.workbook.name}: no project has a Report to address; nothing sent")
        recipients, refused = _allowed(recipients, d.smtp)
        log += [f"{job.workbook.name}: {line}" for line in refused]
        for recipient, projects in recipients.items():
            with kept(recipient), tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / f"statement-{when:%Y-%m-%d}.xlsx"
                _write_statement(outcome, projects, path, when)
                log.append(_send(job, outcome, path, (recipient,), recipient, projects))
    if undelivered:
        raise Undelivered(outcome, tuple(files), tuple(log), tuple(undelivered))
    return tuple(files), tuple(log)


class Undelivered(Exception):
    """A built workbook some of whose messages could be neither sent nor kept in the
    outbox (a full or read-only disk): what was done, and a line for each message."""

    def __init__(
        self,
        outcome: Outcome,
        files: tuple[Path, ...],
        log: tuple[str, ...],
        reasons: tuple[str, ...],
    ) -> None:
        super().__init__("; ".join(reasons))
        self.outcome, self.files, self.log, self.reasons = outcome, files, log, reasons


def _allowed(
    recipients: dict[str, set[str]], smtp: SmtpSettings | None
) -> tuple[dict[str, set[str]], list[str]]:
    """The Report to recipients the operator's settings let a workbook mail, and a line for
    each refusal: a domain not in `allowed_domains`, or more recipients than
    `max_recipients` (then none: a workbook must not turn the company's mail into a mass
    mailing)."""
    if smtp is None:
        return recipients, []
    lines = []
    if smtp.allowed_domains:
        kept = {}
        for address, projects in recipients.items():
            domain = address.rsplit("@", 1)[-1].rstrip(">").lower()
            if domain in smtp.allowed_domains:
                kept[address] = projects
            else:
                lines.append(f"{address}: its domain is not in allowed_domains; not mailed")
        recipients = kept
    if len(recipients) > smtp.max_recipients:
        lines.append(
            f"Report to names {len(recipients)} recipients, over max_recipients "
            f"({smtp.max_recipients}); nothing mailed"
        )
        recipients = {}
    return recipients, lines


def _projects(results: Results | None) -> list[str]:
    return [p.project.project for p in results.projects] if results else []


def _recipients(outcome: Outcome) -> dict[str, set[str]]:
    """Report-to address -> the projects it receives."""
    found: dict[str, set[str]] = {}
    for p in outcome.results.projects if outcome.results else ():
        for address in p.project.report_to:
            found.setdefault(address, set()).add(p.project.project)
    return found


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def _parts(names: list[str]) -> dict[str, str]:
    """Each name's part of a file name: the name itself when it is safe in a file name and
    no other name gives the same part, else its safe form with a stable suffix of its own
    (`P/1` and `P 1` would both be `P_1`; `日本` and `中国` would both be empty)."""
    safe = {name: _safe(name) for name in names}
    counts: dict[str, int] = {}
    for part in safe.values():
        counts[part] = counts.get(part, 0) + 1
    return {
        name: part if part == name and counts[part] == 1 else f"{part}-{_digest(name)}".lstrip("-")
        for name, part in safe.items()
    }


def _taken(workbook: Path, part: str) -> bool:
    """Whether `<stem>-<part>` is another input workbook beside `workbook` (whose own report
    would have the split report's name)."""
    return any(
        (workbook.parent / f"{workbook.stem}-{part}{suffix}").exists()
        for suffix in WORKBOOK_SUFFIXES
    )


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]+", "_", text)[:60]


def _body(outcome: Outcome, results: Results, attachment: Path, internal: bool) -> Body:
    """The words of a message: the internal one (to the agency's staff) shows cost; a
    client's statement shows what is billed and not yet billed, and nothing else."""
    from xlfin.delivery.mail import Body

    assert outcome.workbook is not None
    decimals = results.settings.decimals
    name = outcome.workbook.source
    if internal:
        warnings = len(outcome.problems)
        note = "no problems" if warnings == 0 else counted(warnings, "warning")
        return Body(
            subject=f"Billing report: {name}",
            intro=f"The billing report of {name} is attached ({attachment.name}).",
            header=(
                column_name("project"),
                column_name("name"),
                "Actual revenue",
                "Actual cost",
                "Billed",
                "Not yet billed",
            ),
            rows=tuple(
                (
                    p.project.project,
                    p.project.name or "",
                    money_text(p.actual_revenue, decimals),
                    money_text(p.actual_cost, decimals),
                    money_text(p.billed, decimals),
                    money_text(p.unbilled, decimals),
                )
                for p in results.projects
            ),
            closing=f"Problems: {note} (listed in the report's Problems sheet).",
        )
    agency = outcome.workbook.settings.agency_name
    return Body(
        subject=f"Statement from {agency}" if agency else "Statement",
        intro=f"Your statement{' from ' + agency if agency else ''} is attached "
        f"({attachment.name}): each billing record on a sheet of its own.",
        header=(column_name("project"), column_name("name"), "Billed", "Not yet billed"),
        rows=tuple(
            (
                p.project.project,
                p.project.name or "",
                money_text(p.billed, decimals),
                money_text(p.unbilled, decimals),
            )
            for p in results.projects
        ),
        closing="Questions about a line? Reply to this message.",
    )


def _subset(results: Results, projects: set[str]) -> Results:
    return dataclasses.replace(
        results, projects=tuple(p for p in results.projects if p.project.project in projects)
    )


def _write_subset(outcome: Outcome, projects: set[str], path: Path, when: datetime) -> None:
    assert outcome.workbook is not None and outcome.results is not None
    results = _subset(outcome.results, projects)
    # Problems are not tied to projects: they stay in the full report, so that a
    # recipient never reads about another customer's rows.
    atomic_write(path, lambda tmp: write_report(tmp, outcome.workbook, results, [], when))


def _write_statement(outcome: Outcome, projects: set[str], path: Path, when: datetime) -> None:
    from xlfin.report.statement import write_statement

    assert outcome.results is not None and outcome.workbook is not None
    results = _subset(outcome.results, projects)
    atomic_write(path, lambda tmp: write_statement(tmp, outcome.workbook, results, when))


def _send(
    job: Job,
    outcome: Outcome,
    report: Path,
    recipients: tuple[str, ...],
    tag: str,
    projects: set[str] | None = None,
) -> str:
    """Mail `report` (the internal report) or, for a Report to recipient (`projects`
    given), the client statement at `report`, whose body shows no cost either."""
    from xlfin.delivery.mail import compose, deliver

    d = job.delivery
    assert outcome.results is not None and outcome.workbook is not None
    results = outcome.results if projects is None else _subset(outcome.results, projects)
    sender = d.smtp.sender if d.smtp else "xlfin@localhost"
    body = _body(outcome, results, report, internal=projects is None)
    message = compose(sender, recipients, body, report, results.settings.currency)
    outbox = d.outbox or job.out / "outbox"
    stem = f"{job.workbook.stem}-{_safe(tag)}"
    if job.journal is None or job.content is None or d.eml_dir is not None:
        return deliver(message, stem, d.smtp, d.eml_dir, outbox)[1]
    from xlfin.delivery.journal import QUEUED, SENDING, SENT, Journal

    key = f"{job.content}:{stem}"
    message_id = f"<{job.content[:24]}.{_safe(tag)}@xlfin.local>"  # the same at every try
    del message["Message-ID"]
    message["Message-ID"] = message_id
    with Journal.open(job.journal) as journal:
        before = journal.state(key)
        if before in (SENT, QUEUED):
            where = "sent" if before == SENT else "queued in the outbox"
            return f"{stem}: {where} before a restart; not sent again"
        journal.mark(key, SENDING, message_id)
        status, line = deliver(message, stem, d.smtp, d.eml_dir, outbox)
        journal.mark(key, SENT if status == "sent" else QUEUED, message_id)
    again = " (again, after a restart)" if before == SENDING else ""
    return line + again
