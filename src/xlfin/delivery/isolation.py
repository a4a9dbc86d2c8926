"""Each workbook of a folder build or of the inbox is built in a child process of its own,
with a memory limit and a time limit: a workbook that needs more, or that crashes the
reading libraries, fails alone, with one line, and the others are built.

The child is started afresh (`spawn`), not forked: the watcher has threads of its own,
and a fork copies their locks in whatever state they are.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing.connection import Connection

from xlfin.delivery.folder import Done, Job, problems_path, process
from xlfin.files import atomic_write, leftovers
from xlfin.pipeline import default_report_path
from xlfin.problems import FILE_TOO_COSTLY, problem

GB = 1024**3


@dataclass(frozen=True)
class Bounds:
    """What one workbook's build may take."""

    max_memory: int = 4 * GB
    """Bytes of address space of the child (a 1,048,576-row workbook takes about 1 GB)."""
    timeout: float = 1800.0
    """Seconds, from the child's start to its answer."""


def _child(job: Job, max_memory: int, scratch: str, answer: Connection) -> None:
    import resource

    # This process builds one workbook and ends: its temporary files (xlsxwriter's parts)
    # go to a folder of its own, which the parent removes however the child ends.
    tempfile.tempdir = scratch
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    ceiling = max_memory if hard == resource.RLIM_INFINITY else min(max_memory, hard)
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, hard))
    answer.send(process(job))
    answer.close()


STOP_GRACE = 5.0
"""Seconds the build in hand may still take once the watcher is asked to stop."""


def _answered(receive: Connection, timeout: float, stopping: threading.Event | None) -> bool:
    """Whether the child answered (or died) within `timeout`; when `stopping` is set, it has
    STOP_GRACE seconds more at most."""
    if stopping is None:
        return receive.poll(timeout)
    left = timeout
    while left > 0:
        if stopping.is_set():
            return receive.poll(min(left, STOP_GRACE))
        step = min(0.25, left)
        if receive.poll(step):
            return True
        left -= step
    return False


def process_isolated(
    job: Job, bounds: Bounds, stopping: threading.Event | None = None
) -> Done | None:
    """`process(job)` in a child process within `bounds`; a child that runs out of memory
    or time, or dies, gives a failed Done with one FILE_TOO_COSTLY line. None when
    `stopping` was set and the child did not answer soon after: it was stopped, and the
    workbook is to be built again later."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    scratch = tempfile.mkdtemp(prefix="xlfin-build-")
    args = (job, bounds.max_memory, scratch, send)
    child = context.Process(target=_child, args=args, daemon=True)
    child.start()
    send.close()
    try:
        answered = _answered(receive, bounds.timeout, stopping)
        if not answered and stopping is not None and stopping.is_set():
            child.kill()
            return None
        if answered:
            try:
                return receive.recv()
            except EOFError:  # it died before answering
                pass
            child.join()
            why = (
                f"its build needed more than {bounds.max_memory / GB:g} GB of memory or "
                f"crashed the reader (the build process ended with {child.exitcode}); "
                "raise --max-memory if you trust the file"
            )
        else:
            child.kill()
            why = (
                f"its build took longer than {bounds.timeout:g} s and was stopped; raise "
                "--timeout if you trust the file"
            )
    finally:
        receive.close()
        child.join(STOP_GRACE)  # it answered and ends; one that lingers is ended
        if child.is_alive():
            child.kill()
            child.join()
        shutil.rmtree(scratch, ignore_errors=True)
        if child.exitcode != 0:  # killed or dead: what it was writing is half a file
            for left in leftovers(default_report_path(job.workbook, job.out)):
                left.unlink(missing_ok=True)
    line = problem(FILE_TOO_COSTLY, why).line(job.workbook.name)
    path = problems_path(job)
    atomic_write(path, lambda tmp: tmp.write_text(line + "\n", encoding="utf-8"))
    return Done(job.workbook, False, problems_report=path, errors=1)


def run_all(jobs: list[Job], workers: int = 2, bounds: Bounds | None = None) -> Iterator[Done]:
    """Process the jobs, `workers` at a time, each in a child process of its own within
    `bounds`; yields as each ends. A workbook that crashes its child fails alone."""
    limits = bounds or Bounds()
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [pool.submit(process_isolated, job, limits) for job in jobs]
        for future in as_completed(futures):
            yield future.result()
