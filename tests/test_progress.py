"""Progress of long waits: counted in place on a terminal, plain lines in a log."""

from __future__ import annotations

import io
import sys
import time
from pathlib import Path

from xlfin.delivery import progress
from xlfin.delivery.inbox import Settling


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def wait_until(condition, timeout: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Wait for the progress thread to have said something (not a time limit on xlfin)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_a_long_step_counts_its_seconds_on_a_terminal_and_clears_its_line(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    with progress.during("sending to cfo@agency.example"):
        wait_until(lambda: "sending to cfo@agency.example… 1 s" in screen.getvalue())
    assert screen.getvalue().startswith("\r\x1b[Ksending to cfo@agency.example… 1 s")
    assert screen.getvalue().endswith("\r\x1b[K")  # the line is cleared for what follows


def test_a_long_step_is_one_plain_line_in_a_log_and_a_short_one_none(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    with progress.during("sending quickly"):
        pass
    assert log.getvalue() == ""
    monkeypatch.setattr(progress, "LOG_AFTER", 0.05)
    with progress.during("sending slowly"):
        wait_until(lambda: "still going on" in log.getvalue())
    assert log.getvalue().startswith("sending slowly: still going on after ")
    assert "\r" not in log.getvalue() and log.getvalue().count("\n") == 1


def test_a_pause_counts_down_whole_seconds_on_a_terminal(monkeypatch):
    screen = Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    slept: list[float] = []
    progress.pause(2.5, "trying again", sleep=slept.append)
    assert slept == [1.0, 1.0, 0.5]
    assert screen.getvalue() == (
        "\r\x1b[Ktrying again in 3 s\r\x1b[Ktrying again in 2 s\r\x1b[Ktrying again in 1 s\r\x1b[K"
    )


def test_a_pause_is_one_line_in_a_log(monkeypatch):
    log = io.StringIO()
    monkeypatch.setattr(sys, "stderr", log)
    slept: list[float] = []
    progress.pause(2.5, "trying again", sleep=slept.append)
    assert slept == [2.5] and log.getvalue() == "trying again in 2.5 s\n"


def test_a_file_still_changing_is_told_once(tmp_path: Path):
    """A copy that keeps changing is told slow once it has waited long enough, once; a
    file that settled is never told."""
    now = [0.0]
    waiting = Settling(2.0, lambda: now[0])
    growing, quiet = tmp_path / "growing.xlsx", tmp_path / "quiet.xlsx"
    growing.write_bytes(b"x")
    quiet.write_bytes(b"y")
    waiting.add(growing)
    waiting.add(quiet)
    told, taken = [], []
    for step in range(30):
        now[0] = step * 0.5
        with growing.open("ab") as f:
            f.write(b"x")
        told += [(path.name, round(waited)) for path, waited in waiting.slow(10)]
        taken += waiting.ready()
    assert taken == [quiet]
    assert told == [("growing.xlsx", 10)]
