"""The documentation generated from the code: the workbook contract, the problem codes
and the command-line reference.

`python -m xlfin.docs` rewrites docs/workbook-format.md, docs/problems.md and docs/cli.md;
a test fails when the checked-in files differ from what this module renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from xlfin.problems import CATALOGUE
from xlfin.schema import SHEETS, Kind

GENERATED = "<!-- Generated from {source} by `python -m xlfin.docs`; do not edit by hand. -->"

KIND_TEXT = {
    Kind.TEXT: "text",
    Kind.ID: 'id (text; 12 and 12.0 both mean "12")',
    Kind.MONEY: "money (number ≥ 0)",
    Kind.RATE: "rate (money per hour, ≥ 0; blank = no rate)",
    Kind.HOURS: "hours (number ≥ 0)",
    Kind.NUMBER: "number",
    Kind.DATE: "date (Excel date or YYYY-MM-DD text)",
    Kind.BOOL: "yes/no",
    Kind.CHOICE: "one of a list",
    Kind.CURRENCY: "currency (ISO 4217 code: USD, EUR, …)",
}


def render_problems() -> str:
    """The text of docs/problems.md."""
    lines = [
        "# Problem codes",
        "",
        GENERATED.format(source="src/xlfin/problems.py"),
        "",
        "Every problem xlfin reports has one of these codes. **Errors** stop a build "
        "(`xlfin validate` exits 1); **warnings** are reported and the build goes on.",
        "Each problem names its sheet, row, column and cell, as in "
        "`agency.xlsx:Hours!G12: error VALUE_NEGATIVE Hours must be ≥ 0, not -7.5`.",
        "",
        "| code | severity | what it means | what to do |",
        "|---|---|---|---|",
    ]
    for entry in CATALOGUE:
        lines.append(
            f"| `{entry.code}` | {entry.severity.value} | **{entry.title}.** "
            f"{entry.explanation} | {entry.fix} |"
        )
    return "\n".join(lines) + "\n"


def render_contract() -> str:
    """The text of docs/workbook-format.md."""
    lines = [
        "# The workbook contract (v1)",
        "",
        GENERATED.format(source="src/xlfin/schema.py"),
        "",
        "One workbook holds many projects. Each sheet has its headers in row 1. Sheet and "
        "column names match ignoring case and surrounding spaces; columns may come in any "
        "order. Unknown sheets and columns are reported as warnings and ignored (the "
        "template's Instructions sheet is skipped silently). Every sheet except **Projects** "
        "may be absent: it is then empty.",
        "",
        "- **Ids** are text and unique in the workbook (tasks: unique within their project). "
        'A number typed as an id (12 or 12.0) means "12". Matching is exact after trimming '
        'spaces; an unknown reference that matches another id ignoring case gets a "did you '
        'mean".',
        "- **Dates**: real Excel dates, or text in ISO form (2024-06-30).",
        "- **Numbers** (money, hours, rates): numbers, or text that reads unambiguously as a "
        "number (`1 234,50`, `€12.50`, `12,5`); `1,234` is refused as ambiguous. A number is "
        "read as Excel shows it, to 15 significant digits.",
        "- **Yes/No**: Yes/No, True/False, Y/N, 1/0, Oui/Non, or an Excel boolean.",
        "- **Dated rates**: a role, user, company's role, project's role or user, or rate-card "
        "line may have several rows, one per period (Start date / End date, inclusive, either "
        "blank). A user's or role's other columns go on its first row; later rows may leave "
        "them blank and must not contradict them. A blank rate cell adds no period.",
        "- A column marked **required** must be present, and every row must fill it.",
        "",
    ]
    for sheet in SHEETS:
        lines += [f"## {sheet.name}", "", sheet.description, ""]
        lines += [
            "| column | type | required | default | example | meaning |",
            "|---|---|---|---|---|---|",
        ]
        for column in sheet.columns:
            kind = KIND_TEXT[column.kind]
            if column.choices:
                kind = "one of: " + ", ".join(column.choices)
            if column.signed:
                kind = kind.replace(" ≥ 0", "")
            lines.append(
                f"| {column.name} | {kind} | {'yes' if column.required else ''} | "
                f"{column.default or ''} | {column.example} | {column.description} |"
            )
        if sheet.notes:
            lines.append("")
            lines += [f"- {note}" for note in sheet.notes]
        lines.append("")
    return "\n".join(lines)


HELP_WIDTH = 88
"""Columns the command-line help is wrapped to in docs/cli.md (whatever the terminal)."""


def commands() -> list[tuple[str, click.Command, click.Context]]:
    """Every command and sub-command of `xlfin`, depth first: (its full name, the command,
    a context for its help)."""
    from xlfin.cli import main

    found: list[tuple[str, click.Command, click.Context]] = []

    def visit(command: click.Command, name: str, parent: click.Context | None) -> None:
        settings = {**command.context_settings, "terminal_width": HELP_WIDTH}
        context = click.Context(
            command,
            info_name=name.split()[-1],
            parent=parent,
            max_content_width=HELP_WIDTH,
            **settings,
        )
        found.append((name, command, context))
        if isinstance(command, click.Group):
            for sub in command.list_commands(context):
                child = command.get_command(context, sub)
                if child is not None and not child.hidden:
                    visit(child, f"{name} {sub}", context)

    visit(main, "xlfin", None)
    return found


def render_cli() -> str:
    """The text of docs/cli.md: every command's `--help`, as the command prints it."""
    lines = [
        "# Command-line reference",
        "",
        GENERATED.format(source="the commands' --help (src/xlfin/cli.py)"),
        "",
        "Exit codes: 0 done, 1 the input has errors (or cannot be read), 2 usage error.",
        "",
    ]
    for name, command, context in commands():
        lines += [f"## `{name}`", "", "```", command.get_help(context), "```", ""]
    return "\n".join(lines)


DOCS = {
    "workbook-format.md": render_contract,
    "problems.md": render_problems,
    "cli.md": render_cli,
}


def main(folder: str = "docs") -> None:
    for name, render in DOCS.items():
        path = Path(folder) / name
        path.write_text(render(), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main(*sys.argv[1:])
