"""The `xlfin` command: a thin click layer over the library.

Each command parses its options, calls one function, and prints. Exit codes:
0 done, 1 the input has errors or cannot be read, 2 usage. No traceback reaches
the user unless `--debug` is given.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xlfin.core.money import exact_text, money_text
from xlfin.files import os_reason
from xlfin.ledger.store import LEDGER_NAME, LedgerError
from xlfin.problems import (
    LEDGER_DISABLED,
    LEDGER_UNREADABLE,
    Problem,
    Severity,
    has_errors,
    sort_key,
)
from xlfin.reader import read_workbook
from xlfin.reader.engine import ENGINES
from xlfin.reader.package import Limits
from xlfin.words import counted

if TYPE_CHECKING:  # delivery and the pipeline load only for the commands that use them
    from xlfin.delivery.folder import Job


ENGINE_ENV = "XLFIN_ENGINE"
"""Which engine reads sheet rows (auto or openpyxl): read here, passed down."""


class Context:
    """One run of the command: --debug, the reading engine, and what its builds made (kept
    until the run ends: see `xlfin.program`)."""

    def __init__(self, debug: bool = False) -> None:
        self.debug = debug
        self.engine = engine_from(os.environ)
        self.made: list[object] = []


def engine_from(env: Mapping[str, str]) -> str:
    engine = env.get(ENGINE_ENV, "auto")
    return engine if engine in ENGINES else "auto"


def session_engine() -> str:
    """The reading engine of the command being run."""
    session = click.get_current_context().find_object(Context)
    return session.engine if session is not None else engine_from(os.environ)


class Group(click.Group):
    """Turns unexpected exceptions into one line (or a traceback with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except LedgerError as exc:
            click.echo(f"xlfin: {exc}", err=True)
            sys.exit(1)
        except BrokenPipeError:  # `xlfin … | head`: the reader has had enough
            # Nothing more can be written there, not even at exit: point it at nothing.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(1)
        except OSError as exc:  # a full disk, a read-only folder, a file too large
            if "--debug" in sys.argv[1:]:
                raise
            click.echo(f"xlfin: {os_reason(exc)}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("xlfin: interrupted", err=True)
            sys.exit(130)
        except Exception as exc:
            if "--debug" in sys.argv[1:]:
                raise
            click.echo(
                f"xlfin: unexpected error: {type(exc).__name__}: {exc} "
                "(run again with --debug for details, and report it)",
                err=True,
            )
            sys.exit(1)


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks of unexpected errors.")
@click.version_option(package_name="xlfin")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Project financials and billing records from finance workbooks.

    \b
    Example:
      xlfin template agency.xlsx
      xlfin validate agency.xlsx
    """
    if not isinstance(ctx.obj, Context):
        ctx.obj = Context()
    ctx.obj.debug = debug


format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: one line per item; json: a JSON document.",
)


def _limits(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Limits:
    try:
        return Limits.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


limit_option = click.option(
    "--limit",
    "limits",
    multiple=True,
    callback=_limits,
    metavar="NAME=VALUE",
    help="Raise a safety limit for a file you trust, e.g. --limit file_size=2GB "
    "(see docs/security.md).",
)


def count_line(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return "no problems"
    return f"{counted(errors, 'error')}, {counted(warnings, 'warning')}"


def print_problems(book: str, problems: list[Problem], output_format: str) -> None:
    ordered = sorted(problems, key=sort_key)
    if output_format == "json":
        click.echo(
            json.dumps(
                {"problems": [p.model_dump(mode="json") for p in ordered]},
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for p in ordered:
        click.echo(p.line(book))
    click.echo(count_line(ordered))


def file_option(flag: str, dest: str, envvar: str, help: str, **more):
    """An option naming a file, that its environment variable may also give."""
    return click.option(
        flag,
        dest,
        type=click.Path(path_type=Path, dir_okay=False),
        envvar=envvar,
        show_envvar=True,
        help=help,
        **more,
    )


def ledger_options(function):
    """--ledger PATH (or $XLFIN_LEDGER) and --no-ledger, shared by build and explain."""
    function = click.option(
        "--no-ledger",
        is_flag=True,
        help="Build without a ledger: Billed records are not frozen (a warning each).",
    )(function)
    return file_option(
        "--ledger",
        "ledger_path",
        "XLFIN_LEDGER",
        "The ledger of billed records (default: xlfin-ledger.sqlite beside WORKBOOK).",
    )(function)


def as_of_option(function):
    """--as-of DATE, shared by build and explain."""
    return click.option(
        "--as-of",
        "as_of",
        type=click.DateTime(formats=["%Y-%m-%d"]),
        help="The date the report stands at (YYYY-MM-DD): totals over projects in several "
        "currencies are in the base currency at its exchange rates. Default: Settings › As "
        "of date, else today in the workbook's time zone.",
    )(function)


def checked(
    workbook: Path,
    ledger_path: Path | None,
    no_ledger: bool,
    limits: Limits,
    as_of: datetime | None = None,
):
    """The workbook read, checked and computed as build would, its ledger only read (the
    analysis of validate and explain)."""
    from xlfin.pipeline import analyse

    return analyse(
        workbook,
        ledger_path,
        use_ledger=not no_ledger,
        freeze=False,
        limits=limits,
        engine=session_engine(),
        as_of=as_of.date() if as_of else None,
    )


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@format_option
@ledger_options
@limit_option
def validate(
    workbook: Path,
    output_format: str,
    ledger_path: Path | None,
    no_ledger: bool,
    limits: Limits,
) -> None:
    """Check WORKBOOK as build would, and print every problem: against the workbook
    contract, the calculation's rules, and the ledger of billed records when there is one
    (the ledger is only read; --no-ledger checks the workbook alone).

    Each problem is printed as `book.xlsx:Sheet!CELL: error|warning CODE message`. Exits
    0 when there is no error (warnings allowed), 1 otherwise.

    \b
    Example:
      xlfin validate sample_workbooks/agency.xlsx
    """
    analysis = checked(workbook, ledger_path, no_ledger, limits)
    # Without a ledger, build warns that Billed records are not frozen; validate freezes
    # nothing either way, so that warning says nothing here.
    problems = [p for p in analysis.problems if p.code != LEDGER_DISABLED]
    print_problems(workbook.name, problems, output_format)
    sys.exit(1 if has_errors(problems) else 0)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def template(path: Path, force: bool) -> None:
    """Write a ready-to-fill input workbook to PATH.

    Every sheet of the contract with its headers, formats and drop-down lists, and
    a first sheet of instructions.

    \b
    Example:
      xlfin template agency.xlsx
    """
    from xlfin.report.template import write_template

    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; use --force to overwrite it")
    write_template(path)
    click.echo(f"wrote {path}")


def print_warnings(book: str, problems: list[Problem]) -> None:
    for p in sorted(problems, key=sort_key):
        click.echo(p.line(book), err=True)


CONFIG_HELP = (
    "The operator's settings file (default: ./xlfin.toml at start, else "
    "~/.config/xlfin/xlfin.toml); never one in the inbox or beside a workbook."
)


def config_option(function):
    """--config FILE (or $XLFIN_CONFIG): where the SMTP settings come from."""
    return file_option("--config", "config", "XLFIN_CONFIG", CONFIG_HELP)(function)


def _size(text: str, where: str) -> int:
    try:
        return Limits.parse([f"file_size={text}"]).file_size
    except ValueError:
        raise click.UsageError(
            f"{where}: {text!r} is not a size; give a whole number of bytes, KB, MB or GB"
        ) from None


def bounds_options(function):
    """--max-memory and --timeout: what one workbook's build (in a child process) may take;
    when not given, [build] in the settings file, else 4GB and 1800 s."""
    function = click.option(
        "--timeout",
        type=click.FloatRange(min=0, min_open=True),
        help="Seconds one workbook's build may take, each in a process of its own (default: "
        "[build] timeout in the settings file, else 1800).",
    )(function)
    return click.option(
        "--max-memory",
        metavar="SIZE",
        help="Memory one workbook's build may take, e.g. 4GB (default: [build] max_memory "
        "in the settings file, else 4GB).",
    )(function)


def build_bounds(max_memory: str | None, timeout: float | None, config: Path | None):
    """The Bounds of the command line, else of the settings file's [build] table."""
    import tomllib

    from xlfin.delivery.isolation import Bounds

    table: dict = {}
    path = settings_file(config)
    if path is not None and (max_memory is None or timeout is None):
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8")).get("build", {})
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise click.UsageError(f"{path} cannot be read as settings: {exc}") from None
    default = Bounds()
    memory = max_memory if max_memory is not None else table.get("max_memory")
    seconds = timeout if timeout is not None else table.get("timeout", default.timeout)
    try:
        seconds = float(seconds)
    except (TypeError, ValueError):
        raise click.UsageError(f"{path}: [build] timeout must be a number of seconds") from None
    if seconds <= 0:
        raise click.UsageError(f"{path}: [build] timeout must be above 0")
    where = "--max-memory" if max_memory is not None else f"{path}: [build] max_memory"
    size = default.max_memory if memory is None else _size(str(memory), where)
    return Bounds(size, seconds)


def delivery_options(function):
    """--email-to, --email, --split-by, --eml-dir, --config: where reports go besides their
    file, and the settings to send them with."""
    function = config_option(function)
    for option in reversed(
        (
            click.option(
                "--email-to",
                "email_to",
                multiple=True,
                metavar="ADDRESS",
                help="Send each report to ADDRESS (repeatable).",
            ),
            click.option(
                "--email",
                "report_to",
                is_flag=True,
                help="Send each project's recipients (column Report to) a report of "
                "only their projects.",
            ),
            click.option(
                "--split-by",
                type=click.Choice(["project"]),
                help="Also write one report per project.",
            ),
            click.option(
                "--eml-dir",
                type=click.Path(path_type=Path, file_okay=False),
                help="Write the messages as .eml files here instead of sending them.",
            ),
        )
    ):
        function = option(function)
    return function


def make_delivery(
    email_to: tuple[str, ...],
    report_to: bool,
    split_by: str | None,
    eml_dir: Path | None,
    config: Path | None,
    outbox: Path | None = None,
):
    """The delivery options of build and watch; SMTP settings only when mail is sent."""
    from xlfin.delivery.folder import Delivery

    sending = (email_to or report_to) and not eml_dir
    return Delivery(
        email_to=email_to,
        report_to=report_to,
        split_by_project=split_by == "project",
        eml_dir=eml_dir,
        outbox=outbox,
        smtp=smtp_settings(config) if sending else None,
    )


def settings_file(config: Path | None) -> Path | None:
    """The operator's settings file: --config (or $XLFIN_CONFIG), else xlfin.toml in the
    folder xlfin started in, else in the user's config folder; None when there is none. A
    settings file dropped into an inbox or beside a workbook is never read: whoever can
    drop files there is not the one who decides where mail goes."""
    if config is not None:
        if not config.is_file():
            raise click.UsageError(f"there is no settings file at {config}")
        return config
    home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    for candidate in (Path.cwd() / CONFIG_NAME, Path(home) / "xlfin" / CONFIG_NAME):
        if candidate.is_file():
            return candidate
    return None


CONFIG_NAME = "xlfin.toml"


def smtp_settings(config: Path | None):
    from xlfin.delivery.mail import MailError, load_settings

    try:
        return load_settings(settings_file(config), os.environ)
    except MailError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "report",
    type=click.Path(path_type=Path),
    help="Report path (default: <workbook>-billing.xlsx beside the input).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="For a FOLDER: where reports go (default: the folder itself).",
)
@click.option(
    "--json",
    "summary_path",
    type=click.Path(path_type=Path),
    help="Also write the JSON summary here, or to standard output with - (see "
    "docs/summary-json.md).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=2,
    show_default=True,
    help="For a FOLDER: workbooks built at once, each in its own process.",
)
@bounds_options
@delivery_options
@ledger_options
@limit_option
@as_of_option
def build(
    workbook: Path,
    report: Path | None,
    out_dir: Path | None,
    summary_path: Path | None,
    quiet: bool,
    jobs: int,
    max_memory: str | None,
    timeout: float | None,
    email_to: tuple[str, ...],
    report_to: bool,
    split_by: str | None,
    eml_dir: Path | None,
    config: Path | None,
    ledger_path: Path | None,
    no_ledger: bool,
    limits: Limits,
    as_of: datetime | None,
) -> None:
    """Build the billing-record workbook of WORKBOOK (or of every workbook in a FOLDER).

    The input is only read. The report is written to a temporary file and renamed into
    place. When the input has errors, they are printed as by `xlfin validate`, no
    report is written and the exit code is 1; warnings are printed and listed in the
    report's Problems sheet. Billing records marked Billed are frozen in the ledger the
    first time they are seen, and keep those amounts in every later build.

    Given a FOLDER, every .xlsx/.xlsm in it is built, two at a time; a workbook that
    fails gets <name>-problems.txt beside where its report would be, and the exit code
    is 1 if any failed. With --email-to / --email, reports are sent over SMTP
    (--config, xlfin.toml or XLFIN_SMTP_*; see docs/inbox-and-email.md); a message that cannot be
    sent waits in an outbox folder for `xlfin send-outbox`.

    \b
    Example:
      xlfin build sample_workbooks/agency.xlsx -o agency-billing.xlsx --json agency.json
      xlfin build inbox/ --out reports/ --email
    """
    from xlfin.delivery.folder import Job

    delivery = make_delivery(email_to, report_to, split_by, eml_dir, config)
    if workbook.is_dir():
        if report or summary_path:
            raise click.UsageError("-o and --json take one workbook; for a folder use --out")
        out = out_dir or workbook
        out.mkdir(parents=True, exist_ok=True)
        job = Job(
            workbook, out, ledger_path, not no_ledger, limits, delivery, session_engine(),
            as_of=as_of.date() if as_of else None,
        )  # fmt: skip
        bounds = build_bounds(max_memory, timeout, config)
        sys.exit(build_many(workbook, job, jobs, bounds))
    build_one(
        workbook,
        report,
        summary_path,
        Job(
            workbook,
            workbook.parent,
            ledger_path,
            not no_ledger,
            limits,
            delivery,
            session_engine(),
            as_of=as_of.date() if as_of else None,
        ),
        quiet,
    )


def build_one(
    workbook: Path, report: Path | None, summary_path: Path | None, job: Job, quiet: bool = False
) -> None:
    from xlfin.delivery.folder import Undelivered, run_job
    from xlfin.pipeline import default_report_path

    target = report or default_report_path(workbook)
    if workbook.exists() and target.exists() and target.resolve() == workbook.resolve():
        raise click.UsageError("the report would overwrite the input workbook; choose -o")
    progress = None if quiet or not sys.stderr.isatty() else terminal_progress()
    to_stdout = summary_path is not None and str(summary_path) == "-"
    if to_stdout:  # the JSON goes to standard output, and what is said to standard error
        summary_path = None
    try:
        outcome, files, log = run_job(job, target, summary_path, progress)
        undelivered: tuple[str, ...] = ()
    except Undelivered as exc:  # built, but mail that could be neither sent nor kept
        outcome, files, log, undelivered = exc.outcome, exc.files, exc.log, exc.reasons
    if not outcome.ok:
        print_problems(workbook.name, outcome.problems, "text")
        errors = {p.code for p in outcome.problems if p.is_error}
        if errors == {LEDGER_UNREADABLE}:  # nothing to fix in the workbook
            hint = "the ledger cannot be used (see above); nothing was frozen"
        else:
            hint = f"fix the errors in {workbook.name} and build again"
        click.echo(f"no report written: {hint}", err=True)
        sys.exit(1)
    session = click.get_current_context().find_object(Context)
    if session is not None:
        session.made.append(outcome)
    if quiet:
        tell_undelivered(undelivered)
        return
    print_warnings(workbook.name, outcome.problems)
    results = outcome.results
    assert results is not None
    if to_stdout:
        from xlfin.report.summary import summary

        assert outcome.workbook is not None
        data = summary(results, outcome.problems, outcome.workbook.companies)
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    tasks = sum(len(p.tasks) for p in results.projects)
    say = lambda line: click.echo(line, err=to_stdout)  # noqa: E731
    say(
        f"wrote {outcome.report} ({counted(len(results.projects), 'project')}, "
        f"{counted(tasks, 'task')}, "
        f"{count_line(outcome.problems)})"
    )
    if outcome.frozen:
        say(f"froze billed records in the ledger: {', '.join(outcome.frozen)}")
    if outcome.summary:
        say(f"wrote {outcome.summary}")
    for path in files[1:]:
        say(f"wrote {path}")
    for line in log:
        say(line)
    tell_undelivered(undelivered)


def tell_undelivered(reasons: tuple[str, ...]) -> None:
    """Messages that were neither sent nor kept: a line each, and a failed command."""
    for line in reasons:
        click.echo(f"xlfin: {line}", err=True)
    if reasons:
        sys.exit(1)


def terminal_progress():
    """Progress of a long build on the terminal: each step with the seconds since start."""
    import time

    started = time.perf_counter()

    def say(message: str) -> None:
        click.echo(f"[{time.perf_counter() - started:6.1f} s] {message}", err=True)

    return say


def build_many(folder: Path, template, workers: int, bounds) -> int:
    """Build a folder; one line per workbook; the exit code."""
    import dataclasses

    from xlfin.delivery.folder import workbooks_in
    from xlfin.delivery.isolation import run_all

    paths = workbooks_in(folder)
    if not paths:
        click.echo(f"no workbook (.xlsx, .xlsm) in {folder}")
        return 0
    jobs = [dataclasses.replace(template, workbook=path) for path in paths]
    failed = 0
    lines: list[str] = []
    stream = run_all(jobs, workers, bounds)
    if sys.stderr.isatty():
        with click.progressbar(
            stream,
            length=len(jobs),
            label="building",
            file=sys.stderr,
            item_show_func=lambda d: d.workbook.name if d else "",
        ) as bar:
            for done in bar:
                failed += not done.ok
                lines += [done.line(), *done.log]
        for line in lines:
            click.echo(line)
    else:
        for done in stream:
            failed += not done.ok
            for line in (done.line(), *done.log):
                click.echo(line)
    click.echo(f"{len(jobs) - failed} built, {failed} failed")
    return 1 if failed else 0


@main.command()
@click.argument("inbox", type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Where reports go (default: INBOX/reports).",
)
@click.option(
    "--settle",
    type=click.FloatRange(0, 3600),
    default=2.0,
    show_default=True,
    help="Seconds a file must stay unchanged before it is taken.",
)
@click.option(
    "--poll", is_flag=True, help="Poll the folder instead of waiting for events (network shares)."
)
@click.option(
    "--state",
    "state",
    type=click.Path(path_type=Path, file_okay=False),
    help="The watcher's own folder (what it has seen, its outbox), outside INBOX "
    "(default: xlfin-state/<inbox name> beside INBOX).",
)
@bounds_options
@delivery_options
@ledger_options
@limit_option
def watch(
    inbox: Path,
    out_dir: Path | None,
    settle: float,
    poll: bool,
    state: Path | None,
    max_memory: str | None,
    timeout: float | None,
    email_to: tuple[str, ...],
    report_to: bool,
    split_by: str | None,
    eml_dir: Path | None,
    config: Path | None,
    ledger_path: Path | None,
    no_ledger: bool,
    limits: Limits,
) -> None:
    """Keep building each workbook dropped into INBOX.

    A file is taken once it has stopped changing for --settle seconds; Excel lock files
    (~$…), hidden and temporary files are ignored. Each input is moved to
    INBOX/processed/ (or INBOX/failed/ with its problems report); the same content is
    never built twice; files that arrived while the watcher was down are taken at
    start. What it has seen and its outbox live in --state, outside INBOX; a second
    watcher of the same inbox refuses to start. SIGTERM or Ctrl-C stop it within seconds
    (a build in hand is built again at the next start).

    \b
    Example:
      xlfin watch /srv/finance/inbox --out /srv/finance/reports --email
    """
    from xlfin.delivery.folder import Job
    from xlfin.delivery.inbox import Inbox, InboxBusy, default_state

    state = (state or default_state(inbox)).resolve()
    if state == inbox.resolve() or inbox.resolve() in state.parents:
        raise click.UsageError(f"the state folder {state} must be outside the inbox {inbox}")
    delivery = make_delivery(email_to, report_to, split_by, eml_dir, config, state / "outbox")
    out = out_dir or inbox / "reports"
    job = Job(inbox, out, ledger_path, not no_ledger, limits, delivery, session_engine())

    def log(line: str) -> None:
        click.echo(f"{datetime.now():%Y-%m-%d %H:%M:%S} {line}")

    watcher = Inbox(
        inbox,
        job,
        settle=settle,
        poll=poll,
        log=log,
        state=state,
        bounds=build_bounds(max_memory, timeout, config),
    )
    watcher.stop_on_signals()
    try:
        watcher.run()
    except InboxBusy as exc:
        click.echo(f"xlfin: {exc}", err=True)
        sys.exit(1)


@main.command("send-outbox")
@click.argument("outbox", type=click.Path(path_type=Path, file_okay=False, exists=True))
@config_option
def send_outbox_command(outbox: Path, config: Path | None) -> None:
    """Try again to send the messages waiting in OUTBOX (.eml files).

    Sent messages are removed; the others stay, with the reason printed.

    \b
    Example:
      xlfin send-outbox inbox/outbox
    """
    from xlfin.delivery.mail import MailError, send_outbox

    settings = smtp_settings(config)
    if settings is None:
        raise click.UsageError(
            "no SMTP server is set: [smtp] in the settings file (--config) or XLFIN_SMTP_HOST"
        )
    try:
        sent, failed = send_outbox(outbox, settings)
    except MailError as exc:
        click.echo(f"xlfin: {exc}", err=True)
        sys.exit(1)
    for line in sent + failed:
        click.echo(line)
    click.echo(f"{len(sent)} sent, {len(failed)} still waiting")
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--project", required=True, help="Project id.")
@click.option("--task", help="Task id (default: every task of the project).")
@click.option("--entry", help="Hour line entry id.")
@click.option(
    "--period",
    "period_day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="A date: explain the project's period (Settings › Period) that holds it.",
)
@ledger_options
@limit_option
@as_of_option
def explain(
    workbook: Path,
    project: str,
    task: str | None,
    entry: str | None,
    period_day: datetime | None,
    ledger_path: Path | None,
    no_ledger: bool,
    limits: Limits,
    as_of: datetime | None,
) -> None:
    """Explain how the amounts of a task, an hour line or a period were computed.

    For each amount: the rate at each date and where it came from (level and sheet
    row), the hours, the multiplication and the rounding. Billed lines show their
    frozen amounts (the ledger is read, never written).

    \b
    Example:
      xlfin explain sample_workbooks/agency.xlsx --project P-300 --task T1
      xlfin explain sample_workbooks/agency.xlsx --project P-100 --entry H-009
      xlfin explain sample_workbooks/agency.xlsx --project P-100 --period 2024-07-01
    """
    from xlfin.report.explain import NotFound
    from xlfin.report.explain import explain as explain_text

    analysis = checked(workbook, ledger_path, no_ledger, limits, as_of)
    if analysis.results is None or has_errors(analysis.problems):
        print_problems(workbook.name, analysis.problems, "text")
        sys.exit(1)
    try:
        if period_day is not None:
            from xlfin.report.explain import explain_period

            lines = explain_period(analysis.results, project, period_day.date())
        else:
            lines = explain_text(analysis.results, project, task, entry)
    except NotFound as exc:
        click.echo(f"xlfin: {exc}", err=True)
        sys.exit(1)
    click.echo("\n".join(lines).rstrip())


@main.group()
def ledger() -> None:
    """The ledger of billed records: list, show, reopen.

    \b
    Example:
      xlfin ledger list --workbook sample_workbooks/agency.xlsx
    """


def ledger_path_option(function):
    function = click.option(
        "--workbook",
        "workbook",
        metavar="WORKBOOK|ID",
        help="Only this workbook's records: a workbook file (its ledger is then the one beside "
        "it, as for build) or a Workbook ID as `ledger list` shows it.",
    )(function)
    return file_option(
        "--ledger",
        "ledger_path",
        "XLFIN_LEDGER",
        f"The ledger file (default: {LEDGER_NAME} beside --workbook's file, else in the "
        "current folder).",
    )(function)


def open_ledger(ledger_path: Path | None, workbook: str | None) -> tuple[Path, str | None]:
    """The ledger to open, found as build finds it, and the identity of --workbook (None
    when not given)."""
    identity = None
    folder = Path.cwd()
    if workbook is not None:
        as_file = Path(workbook)
        if as_file.is_file():
            read, _ = read_workbook(as_file, engine=session_engine())
            identity, folder = read.identity, as_file.parent
        else:
            identity = workbook
    path = ledger_path or folder / LEDGER_NAME
    if not path.exists():
        raise click.UsageError(
            f"there is no ledger at {path}; builds create it beside the workbook (or give --ledger)"
        )
    return path, identity


def record_owner(book, record: str, identity: str | None, path: Path) -> str:
    """The workbook whose `record` is meant: --workbook's, else the only one that has it."""
    if identity is not None:
        return identity
    owners = book.workbooks(record)
    if len(owners) > 1:
        click.echo(
            f"xlfin: billing record {record!r} is a record of {len(owners)} workbooks in "
            f"{path} ({', '.join(owners)}); say which with --workbook",
            err=True,
        )
        sys.exit(1)
    if not owners:
        click.echo(f"xlfin: billing record {record!r} is not in the ledger {path}", err=True)
        sys.exit(1)
    return owners[0]


def record_json(rec) -> dict:
    data = dataclasses.asdict(rec)
    return json.loads(json.dumps(data, default=str))


@ledger.command("list")
@ledger_path_option
@format_option
def ledger_list(ledger_path: Path | None, workbook: str | None, output_format: str) -> None:
    """List the billing records frozen in the ledger, by workbook.

    \b
    Example:
      xlfin ledger list --workbook sample_workbooks/agency.xlsx --format json
    """
    from xlfin.ledger.store import Ledger

    path, identity = open_ledger(ledger_path, workbook)
    with Ledger.open(path) as book:
        every = identity is None
        records = book.all_current() if every else list(book.current(identity).values())
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "records": [
                        {
                            "workbook": r.workbook,
                            "billing_record": r.billing_record,
                            "project": r.project,
                            "version": r.version,
                            "billing_date": r.billing_date.isoformat() if r.billing_date else None,
                            "invoice_id": r.invoice_id,
                            "total": str(r.total),
                            "lines": len(r.lines),
                            "frozen_at": r.frozen_at.isoformat(),
                            "source_name": r.source_name,
                        }
                        for r in records
                    ]
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for r in records:
        click.echo(
            f"{r.workbook}\t{r.billing_record}\t{r.project}\tbilled {r.billing_date or '-'}\t"
            f"total {r.total}\t{len(r.lines)} hour lines\tfrozen {r.frozen_at} from "
            f"{r.source_name} (v{r.version})"
        )
    click.echo(counted(len(records), "frozen record"))


@ledger.command("show")
@click.argument("record")
@ledger_path_option
@format_option
def ledger_show(
    record: str, ledger_path: Path | None, workbook: str | None, output_format: str
) -> None:
    """Show everything frozen for RECORD, and its history.

    \b
    Example:
      xlfin ledger show B-100-1 --workbook sample_workbooks/agency.xlsx
    """
    from xlfin.ledger.store import Ledger

    path, identity = open_ledger(ledger_path, workbook)
    with Ledger.open(path) as book:
        owner = record_owner(book, record, identity, path)
        versions = book.history(owner, record)
        events = book.events(owner, record)
    if not versions:
        click.echo(f"xlfin: billing record {record!r} is not in the ledger", err=True)
        sys.exit(1)
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "versions": [record_json(v) for v in versions],
                    "events": [
                        dict(zip(("version", "event", "reason", "at"), e, strict=True))
                        for e in events
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    for v in versions:
        # Every amount with the decimals its total was frozen with (the workbook's money).
        places = max(0, -int(v.total.as_tuple().exponent))
        m = lambda amount, places=places: money_text(amount, places)  # noqa: E731
        state = f"reopened {v.reopened_at}: {v.reopen_reason}" if v.reopened_at else "current"
        click.echo(
            f"{v.billing_record} v{v.version} of {v.workbook} ({state}) — project {v.project}, "
            "billed "
            f"{v.billing_date or '-'}, invoice {v.invoice_id or '-'}, frozen "
            f"{v.frozen_at} from {v.source_name} (sha256 {v.source_sha256[:12]}…)"
        )
        for x in v.lines:
            click.echo(
                f"  {x.entry}\t{x.date}\t{x.user}\t{x.task or '-'}\t{exact_text(x.hours)} h × "
                f"{exact_text(x.rate) if x.rate is not None else '-'}\t= {m(x.amount)}\t"
                f"({x.rate_source})"
            )
        for e in v.expenses:
            click.echo(f"  expense {e.expense}\t{e.description or ''}\t{m(e.amount)}")
        for task, amount in v.fixed:
            click.echo(f"  fixed revenue of task {task}\t{m(amount)}")
        click.echo(
            f"  hours {m(v.hours_amount)} + expenses {m(v.expenses_amount)} + fixed "
            f"{m(v.fixed_amount)} + additional {m(v.additional_amount)} = total {m(v.total)}"
        )


@ledger.command("reopen")
@click.argument("record")
@click.option("--reason", required=True, help="Why the billed record is reopened (kept).")
@ledger_path_option
def ledger_reopen(record: str, reason: str, ledger_path: Path | None, workbook: str | None) -> None:
    """Reopen a billed RECORD: the next build freezes it again from the workbook.

    The old frozen version stays in the ledger's history with the reason.

    \b
    Example:
      xlfin ledger reopen B-100-1 --workbook agency.xlsx --reason "credit note CN-7"
    """
    from xlfin.ledger.store import Ledger

    path, identity = open_ledger(ledger_path, workbook)
    with Ledger.open(path) as book:
        owner = record_owner(book, record, identity, path)
        try:
            version = book.reopen(owner, record, reason, datetime.now().replace(microsecond=0))
        except KeyError:
            click.echo(
                f"xlfin: billing record {record!r} of {owner} is not frozen in {path}", err=True
            )
            sys.exit(1)
    click.echo(
        f"reopened {record} of {owner} (v{version.version} kept in the history); the next "
        "build freezes it again"
    )
