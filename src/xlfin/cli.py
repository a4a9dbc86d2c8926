"""The `xlfin` command: a thin click layer over the library.

Each command parses its options, calls one function, and prints. Exit codes:
0 done, 1 the input has errors or cannot be read, 2 usage. No traceback reaches
the user unless `--debug` is given.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path

import click

from xlfin.problems import Problem, Severity, has_errors, sort_key
from xlfin.reader import read_workbook


class Context:
    def __init__(self, debug: bool) -> None:
        self.debug = debug


class Group(click.Group):
    """Turns unexpected exceptions into one line (or a traceback with --debug)."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
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
    ctx.obj = Context(debug)


def count_line(problems: Iterable[Problem]) -> str:
    problems = list(problems)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return "no problems"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


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


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help='text: one line per problem; json: {"problems": [...]}.',
)
def validate(workbook: Path, output_format: str) -> None:
    """Check WORKBOOK against the workbook contract and print every problem.

    Each problem is printed as `book.xlsx:Sheet!CELL: CODE message`. Exits 0 when
    there is no error (warnings allowed), 1 otherwise.

    \b
    Example:
      xlfin validate sample_workbooks/agency.xlsx
    """
    _, problems = read_workbook(workbook)
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
    from xlfin.template import write_template

    if path.exists() and not force:
        raise click.UsageError(f"{path} exists; use --force to overwrite it")
    write_template(path)
    click.echo(f"wrote {path}")


def print_warnings(book: str, problems: list[Problem]) -> None:
    for p in sorted(problems, key=sort_key):
        click.echo(p.line(book), err=True)


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
    "--json",
    "summary_path",
    type=click.Path(path_type=Path),
    help="Also write the JSON summary here (see docs/summary-json.md).",
)
def build(workbook: Path, report: Path | None, summary_path: Path | None) -> None:
    """Build the billing-record workbook of WORKBOOK.

    The input is only read. The report is written to a temporary file and renamed into
    place. When the input has errors, they are printed as by `xlfin validate`, no
    report is written and the exit code is 1; warnings are printed and listed in the
    report's Problems sheet.

    \b
    Example:
      xlfin build sample_workbooks/agency.xlsx -o agency-billing.xlsx --json agency.json
    """
    from xlfin.build import build as run_build
    from xlfin.build import default_report_path

    target = report or default_report_path(workbook)
    if workbook.exists() and target.exists() and target.resolve() == workbook.resolve():
        raise click.UsageError("the report would overwrite the input workbook; choose -o")
    outcome = run_build(workbook, report, summary_path)
    if not outcome.ok:
        print_problems(workbook.name, outcome.problems, "text")
        click.echo(
            f"no report written: fix the errors in {workbook.name} and build again", err=True
        )
        sys.exit(1)
    print_warnings(workbook.name, outcome.problems)
    results = outcome.results
    assert results is not None
    tasks = sum(len(p.tasks) for p in results.projects)
    click.echo(
        f"wrote {outcome.report} ({len(results.projects)} projects, {tasks} tasks, "
        f"{count_line(outcome.problems)})"
    )
    if outcome.summary:
        click.echo(f"wrote {outcome.summary}")


@main.command()
@click.argument("workbook", type=click.Path(path_type=Path))
@click.option("--project", required=True, help="Project id.")
@click.option("--task", help="Task id (default: every task of the project).")
@click.option("--entry", help="Hour line entry id.")
def explain(workbook: Path, project: str, task: str | None, entry: str | None) -> None:
    """Explain how the amounts of a task or an hour line were computed.

    For each amount: the rate at each date and where it came from (level and sheet
    row), the hours, the multiplication and the rounding.

    \b
    Example:
      xlfin explain sample_workbooks/agency.xlsx --project P-300 --task T1
      xlfin explain sample_workbooks/agency.xlsx --project P-100 --entry H-009
    """
    from xlfin.build import analyse
    from xlfin.explain import NotFound
    from xlfin.explain import explain as explain_text

    _, results, problems = analyse(workbook)
    if results is None:
        print_problems(workbook.name, problems, "text")
        sys.exit(1)
    try:
        lines = explain_text(results, project, task, entry)
    except NotFound as exc:
        click.echo(f"xlfin: {exc}", err=True)
        sys.exit(1)
    click.echo("\n".join(lines).rstrip())
