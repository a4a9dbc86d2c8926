"""Long waits, said while they last: on a terminal one line that counts the seconds,
rewritten in place and cleared at the end; in a log (a pipe, a file, the journal of a
service) plain lines, and only for a wait that is long enough to wonder about.

Used for retrying (the pause between two attempts to send), sending (a slow server) and
settling (a file still being copied into the inbox).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

LOG_AFTER = 5.0
"""In a log, a step that lasts this long gets a line saying it is still going on."""
LOG_EVERY = 30.0
"""... and one more line each time it lasts this much longer."""


def _stream() -> TextIO:
    return sys.stderr


def _live(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed, or not a real stream
        return False


def _show(stream: TextIO, text: str) -> None:
    """Rewrite the terminal's line with `text`, cut to the terminal's width (a wrapped line
    could not be rewritten)."""
    try:
        width = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):  # no size known: no cut
        width = 0
    if width and len(text) >= width:
        text = text[: width - 2] + "…"
    stream.write(f"\r\x1b[K{text}")
    stream.flush()


def _clear(stream: TextIO) -> None:
    stream.write("\r\x1b[K")
    stream.flush()


def pause(seconds: float, what: str, sleep: Callable[[float], None] = time.sleep) -> None:
    """Wait `seconds` before `what` ("trying again to send to …"): on a terminal the seconds
    left count down; otherwise one line says how long the wait is."""
    stream = _stream()
    if seconds <= 0:
        return
    if not _live(stream):
        print(f"{what} in {seconds:g} s", file=stream, flush=True)
        sleep(seconds)
        return
    left = seconds
    while left > 0:
        _show(stream, f"{what} in {math.ceil(left)} s")
        step = min(1.0, left)
        sleep(step)
        left -= step
    _clear(stream)


@contextmanager
def during(what: str) -> Iterator[None]:
    """Say `what` ("sending to … via …") while the block runs, if it runs long: on a
    terminal after a second, with the seconds gone by; in a log after LOG_AFTER seconds and
    every LOG_EVERY seconds after that."""
    stream = _stream()
    live = _live(stream)
    start = time.monotonic()
    done = threading.Event()
    shown = threading.Event()

    def tell() -> None:
        wait = 1.0 if live else LOG_AFTER
        while not done.wait(wait):
            gone = int(time.monotonic() - start)
            if live:
                _show(stream, f"{what}… {gone} s")
                wait = 1.0
            else:
                print(f"{what}: still going on after {gone} s", file=stream, flush=True)
                wait = LOG_EVERY
            shown.set()

    teller = threading.Thread(target=tell, name="progress", daemon=True)
    teller.start()
    try:
        yield
    finally:
        done.set()
        teller.join()
        if live and shown.is_set():
            _clear(stream)
