"""The command line: output formats, exit codes, one clear line instead of a traceback."""

import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLES, write_text_workbook
from xlfin.cli import main
from xlfin.reader import read_workbook

ROOT = Path(__file__).resolve().parent.parent


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_validate_clean_sample():
    result = run("validate", SAMPLES / "agency.xlsx")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no problems"


def test_validate_lines_point_at_cells(tmp_path):
    path = write_text_workbook(
        tmp_path,
        """
        [Projects]
        Project
        P1
        [Users]
        User
        u1
        [Hours]
        Entry | Project | User | Date       | Hours
        H1    | P1      | u1   | 2024-06-03 | -7.5
        [Notes]
        x
    """,
    )
    result = run("validate", path)
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "book.xlsx:Hours!E2: error VALUE_NEGATIVE Hours must be ≥ 0, not -7.5",
        "book.xlsx:Notes: warning SHEET_UNKNOWN sheet 'Notes' is not part of the workbook "
        "contract; it is ignored",
        "1 error, 1 warning",
    ]


def test_validate_warnings_only_exit_zero(tmp_path):
    path = write_text_workbook(tmp_path, "[Projects]\nProject | Colour\nP1 | red\n")
    assert run("validate", path).exit_code == 0


def test_validate_json(tmp_path):
    result = run("validate", "--format", "json", SAMPLES / "broken.xlsx")
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    negative = next(p for p in problems if p["code"] == "VALUE_NEGATIVE")
    assert negative == {
        "code": "VALUE_NEGATIVE",
        "severity": "error",
        "sheet": "Hours",
        "row": 3,
        "column": "G",
        "cell": "G3",
        "field": "Hours",
        "message": "Hours must be ≥ 0, not -7.5",
    }
    assert len(problems) == len(read_workbook(SAMPLES / "broken.xlsx")[1])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "does not exist"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "save it as .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"), "password"),
        (b"hello", "not an Excel workbook"),
    ],
)
def test_unreadable_files_give_one_line(tmp_path, content, words):
    path = tmp_path / "book.xlsx"
    if content is not None:
        path.write_bytes(content)
    result = run("validate", path)
    assert result.exit_code == 1
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 2  # the problem, then the count
    assert "Traceback" not in result.output


def test_usage_error_exit_two():
    assert run("validate").exit_code == 2
    assert run("validate", "--format", "xml", "x.xlsx").exit_code == 2


def test_template_validates_clean(tmp_path):
    path = tmp_path / "new.xlsx"
    assert run("template", path).exit_code == 0
    wb, problems = read_workbook(path)
    assert problems == []
    assert wb.settings.currency == "USD"
    assert run("template", path).exit_code == 2  # exists: refuses without --force
    assert run("template", "--force", path).exit_code == 0


def test_template_has_every_sheet_with_headers_and_lists(tmp_path):
    import openpyxl

    from xlfin.schema import SHEETS

    path = tmp_path / "new.xlsx"
    run("template", path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Instructions", *(s.name for s in SHEETS)]
    for spec in SHEETS:
        sheet = book[spec.name]
        assert [c.value for c in sheet[1]] == [c.name for c in spec.columns]
        assert sheet.freeze_panes == "A2"
    lists = {
        str(dv.sqref).split(":")[0]: dv.formula1
        for dv in book["Tasks"].data_validations.dataValidation
    }
    assert "Role Hourly with Cap" in lists["H2"]


def test_unexpected_error_is_one_line(monkeypatch, tmp_path):
    import xlfin.pipeline

    def boom(*args):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(xlfin.pipeline, "read_workbook", boom)
    result = run("validate", tmp_path / "x.xlsx")
    assert result.exit_code == 1
    assert "unexpected error: RuntimeError: kaboom" in result.output
    assert "Traceback" not in result.output


def test_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "xlfin", "validate", str(SAMPLES / "agency.xlsx")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def program(*args):
    return subprocess.run(
        [sys.executable, "-m", "xlfin", *map(str, args)], capture_output=True, text=True
    )


def test_the_program_ends_at_once_with_every_exit_code_and_all_its_output(tmp_path):
    """`run` ends the process with os._exit after the command: output still arrives whole
    (flushed), and 0 done / 1 errors / 2 usage survive it."""
    report, summary = tmp_path / "r.xlsx", tmp_path / "r.json"
    done = program("build", SAMPLES / "agency.xlsx", "-o", report, "--json", summary)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"wrote {report} (3 projects")
    assert f"wrote {summary}" in done.stdout
    assert json.loads(summary.read_text(encoding="utf-8"))["projects"]
    assert read_workbook(report)[0].source  # the report is whole: it opens

    missing = program("build", tmp_path / "missing.xlsx")
    assert missing.returncode == 1
    assert "FILE_NOT_FOUND" in missing.stdout and "no report written" in missing.stderr

    usage = program("build", "--no-such-option")
    assert usage.returncode == 2 and "No such option" in usage.stderr


PROBE = """
import gc, os, sys
import xlfin.program
real_exit = os._exit
def end(code):
    print(gc.isenabled(), gc.get_freeze_count() > 1000, code, flush=True)
    real_exit(code)
os._exit = end
sys.argv = ["xlfin", *sys.argv[1:]]
xlfin.program.main()
print("returned", gc.isenabled(), gc.get_freeze_count() > 1000, flush=True)
"""


def probe(*args, plain=False):
    env = {**os.environ, "XLFIN_PLAIN_PROCESS": "1" if plain else "0"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True, env=env
    )
    return result.stdout.split()


def test_the_program_keeps_the_collector_off_for_a_one_shot_command_and_ends_at_once(tmp_path):
    """A one-shot command runs with the collector off, xlfin's modules frozen out of it, and
    the program ends with os._exit and the command's exit code."""
    report = tmp_path / "r.xlsx"
    built = probe("build", SAMPLES / "agency.xlsx", "-o", report, "--no-ledger")
    assert built[-3:] == ["False", "True", "0"]
    assert report.exists()
    assert probe("validate", tmp_path / "missing.xlsx")[-3:] == ["False", "True", "1"]


def test_the_program_keeps_the_collector_on_for_watch():
    assert probe("watch", "--help")[-3:] == ["True", "True", "0"]


def test_one_switch_turns_the_process_tricks_off(tmp_path):
    """XLFIN_PLAIN_PROCESS=1: the collector on, nothing frozen, the process ends the usual
    way (click's SystemExit)."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, "validate", str(SAMPLES / "agency.xlsx")],
        capture_output=True,
        text=True,
        env={**os.environ, "XLFIN_PLAIN_PROCESS": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "no problems" in result.stdout
    assert "False" not in result.stdout and "returned" not in result.stdout


RELEASE_PROBE = """
import sys
import xlfin.program
def release():
    print("released", flush=True)
xlfin.program.release_freed_memory = release
sys.argv = ["xlfin", *sys.argv[1:]]
xlfin.program.main()
"""


def test_the_program_hands_memory_back_after_reading_and_only_the_program(tmp_path):
    """A build run by the program releases freed memory once, after reading; with the one
    switch off, and in a build run inside another program, nothing is released."""
    args = ["build", str(SAMPLES / "agency.xlsx"), "-o", str(tmp_path / "r.xlsx"), "--no-ledger"]

    def released(plain: str) -> list[str]:
        env = {**os.environ, "XLFIN_PLAIN_PROCESS": plain}
        result = subprocess.run(
            [sys.executable, "-c", RELEASE_PROBE, *args], capture_output=True, text=True, env=env
        )
        assert result.returncode == 0, result.stderr
        return [line for line in result.stdout.splitlines() if line == "released"]

    assert released("0") == ["released"]
    assert released("1") == []

    from xlfin import pipeline

    assert pipeline.after_reading is pipeline._nothing  # this process is not the program


def test_the_pipeline_releases_memory_between_reading_and_computing(tmp_path, monkeypatch):
    from xlfin import pipeline

    order: list[str] = []
    real_read, real_compute = pipeline.read_workbook, pipeline.compute

    def read(*args, **kwargs):
        found = real_read(*args, **kwargs)
        order.append("read")
        return found

    def compute(*args, **kwargs):
        order.append("compute")
        return real_compute(*args, **kwargs)

    monkeypatch.setattr(pipeline, "read_workbook", read)
    monkeypatch.setattr(pipeline, "compute", compute)
    monkeypatch.setattr(pipeline, "after_reading", lambda: order.append("release"))
    result = CliRunner().invoke(
        main, ["build", str(SAMPLES / "agency.xlsx"), "-o", str(tmp_path / "r.xlsx")]
    )
    assert result.exit_code == 0, result.output
    assert order == ["read", "release", "compute"]


GLIBC = "glibc" in os.confstr("CS_GNU_LIBC_VERSION") if hasattr(os, "confstr") else False
TRIM_PROBE = """
import ctypes
from xlfin.program import release_freed_memory
def resident():
    with open("/proc/self/status") as status:
        return int(status.read().split("VmRSS:")[1].split()[0])  # KiB
libc = ctypes.CDLL(None)
libc.malloc.restype, libc.malloc.argtypes = ctypes.c_void_p, [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
blocks = [libc.malloc(1000) for _ in range(200_000)]  # some 200 MB in small blocks
for address in blocks:
    ctypes.memset(address, 1, 1000)
pin = libc.malloc(1000)  # a live block above them keeps the heap from shrinking by itself
for address in blocks:
    libc.free(address)
before = resident()
release_freed_memory()
print(before - resident())
"""


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's; elsewhere nothing is released")
def test_releasing_hands_the_c_allocators_free_pages_back():
    """On glibc, memory freed by a C library (as the reading library frees its sheets) goes
    back to the system: the process's resident size falls by most of it."""
    result = subprocess.run([sys.executable, "-c", TRIM_PROBE], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 150_000  # KiB of the 200 MB freed


def test_a_build_keeps_what_it_made_in_the_run(tmp_path):
    """What a build made stays referenced by the run's Context, so that the program's
    os._exit ends the process before a million objects are freed one by one."""
    from xlfin.cli import Context
    from xlfin.pipeline import Outcome

    session = Context()
    result = CliRunner().invoke(
        main,
        ["build", str(SAMPLES / "agency.xlsx"), "-o", str(tmp_path / "r.xlsx"), "--no-ledger"],
        obj=session,
    )
    assert result.exit_code == 0, result.output
    [outcome] = session.made
    assert isinstance(outcome, Outcome) and outcome.results is not None
    assert gc.isenabled()  # a command run inside another program leaves the collector alone


def test_every_command_is_documented():
    """Every command and sub-command has an example in its help and a section in the
    generated docs/cli.md (kept current by test_generated_docs_are_current); the README
    shows every command."""
    from xlfin.docs import commands

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    reference = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    found = commands()
    assert {name for name, _, _ in found} >= {"xlfin ledger list", "xlfin ledger reopen"}
    for name, command, _ in found:
        assert f"## `{name}`" in reference, f"docs/cli.md has no section for `{name}`"
        assert "Example:" in (command.help or ""), f"`{name} --help` has no example"
    for name in main.commands:
        assert f"xlfin {name}" in readme, f"README does not show `xlfin {name}`"


def test_a_file_size_limit_hit_while_writing_is_one_line_naming_the_report(tmp_path):
    """A real child process whose files may not grow past 16 KB (RLIMIT_FSIZE, as a full
    disk stops a write): one line naming the report and the cause, exit 1, no traceback,
    and nothing half-written left under the report's name."""
    import resource
    import signal

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (16_000, 16_000))

    report = tmp_path / "r.xlsx"
    result = subprocess.run(
        [sys.executable, "-m", "xlfin", "build", str(SAMPLES / "agency.xlsx"), "-o", str(report),
         "--no-ledger"],
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == [f"xlfin: {report}: File too large"]
    assert not report.exists()
    assert [p.name for p in tmp_path.iterdir()] == []  # no temporary file left either


def test_an_unusable_ledger_is_not_blamed_on_the_workbook(tmp_path):
    import sqlite3

    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE customers (name TEXT)")
    result = run("build", SAMPLES / "agency.xlsx", "-o", tmp_path / "r.xlsx", "--ledger", other)
    assert result.exit_code == 1
    assert "LEDGER_UNREADABLE" in result.output
    assert "no report written: the ledger cannot be used" in result.output
    assert "fix the errors in agency.xlsx" not in result.output
