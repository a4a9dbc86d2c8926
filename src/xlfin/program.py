"""The `xlfin` program: its console script and `python -m xlfin`.

The one place that knows xlfin runs as a process of its own, and the only module that
touches the garbage collector or ends the process early. A one-shot command (every
command but `watch`) builds some ten million small objects that hold no cycles and live
until the end: so the program

* loads xlfin's modules with the cyclic collector paused and freezes what loading made
  out of every later pass (a 35 ms pass over import-time objects);
* keeps the collector off for a one-shot command (it would walk the build's objects again
  and again as they grow: a fifth of the time at a million hour lines); `watch` runs for
  days and keeps it on;
* hands the memory freed at the end of reading back to the system (glibc's
  `malloc_trim`, where the C library has it): the reading library frees its copy of the
  sheets there, but the C allocator keeps the pages, which Python's own allocator does not
  reuse; at a million hour lines that is some 165 MB of the build's peak;
* ends with `os._exit` once the command is done and its output flushed, instead of
  freeing those objects one by one (3 s at a million lines). What the command made stays
  referenced by the run's `Context` until then.

XLFIN_PLAIN_PROCESS=1 turns all four off (the one switch), for measuring what they pay.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys

PLAIN_PROCESS_ENV = "XLFIN_PLAIN_PROCESS"
LONG_RUNNING = frozenset({"watch"})
"""Commands that run until stopped: the collector stays on for them."""


def main() -> None:
    plain = os.environ.get(PLAIN_PROCESS_ENV, "") not in ("", "0")
    if plain:
        from xlfin.cli import Context
        from xlfin.cli import main as command

        command(obj=Context())
        return
    gc.disable()
    try:
        from xlfin import pipeline
        from xlfin.cli import Context
        from xlfin.cli import main as command
    finally:
        gc.freeze()
    pipeline.after_reading = release_freed_memory
    arguments = sys.argv[1:]
    if next((a for a in arguments if a in command.commands), None) in LONG_RUNNING:
        gc.enable()
    run = Context()
    try:
        command(obj=run)  # click's standalone mode ends in SystemExit
        code: object = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)  # what Python does with sys.exit("message")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (xlfin … | head)
            stream.flush()
    os._exit(code)


def release_freed_memory() -> None:
    """Hand the C allocator's free pages back to the system; nothing where the C library
    has no `malloc_trim` (it is glibc's)."""
    import ctypes

    try:  # the symbols the process has loaded, the C library's among them
        trim = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError, TypeError):
        return
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    trim(0)
