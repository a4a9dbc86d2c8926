"""`xlfin watch`: build each workbook dropped into an inbox folder, like a print spooler.

A dropped file is taken only once it has stopped changing; it is built, then moved to
`processed/` (or to `failed/` with its problems report). The content hash of every file
built is recorded, so the same content is never built twice, and files that arrived
while the watcher was down are taken at start. Its own files (what it has seen, its
journal of messages, its outbox, its lock) sit in a state folder outside the inbox.
SIGTERM or Ctrl-C stop it within seconds: a build in hand is built again at the next start,
and a file is never left half-moved.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from xlfin.delivery.folder import WORKBOOK_SUFFIXES, Done, Job, process
from xlfin.delivery.isolation import STOP_GRACE, Bounds, process_isolated
from xlfin.files import locked, sha256
from xlfin.pipeline import REPORT_SUFFIX

SEEN_FILE = "seen.txt"
LOCK_FILE = "watch.lock"
JOURNAL_FILE = "journal.sqlite"
SLOW_COPY = 10.0
"""A file still changing this many seconds after it was seen is said to be (once)."""
RETRY_FIRST, RETRY_MOST = 5.0, 3600.0
"""Seconds before a file that failed for an outside reason is tried again, doubled at each
failure up to the most."""


class InboxBusy(Exception):
    """Another watcher holds the inbox's lock."""


SPREADSHEET_SUFFIXES = (
    *WORKBOOK_SUFFIXES, ".xls", ".xlsb", ".xltx", ".xltm", ".csv", ".tsv", ".ods", ".numbers",
)  # fmt: skip
"""What a person may drop meaning a workbook: .xlsx and .xlsm are built, the others fail
with the reason (a legacy .xls, a CSV file, an OpenDocument spreadsheet…)."""


def is_dropped(path: Path) -> bool:
    """A file dropped for the watcher: a spreadsheet of any kind, but not a hidden, lock
    or temporary file, nor a report. A .xls, .csv or .ods is taken too, and fails with the
    reason, instead of waiting in the inbox with no word."""
    name = path.name.lower()
    return (
        name.endswith(SPREADSHEET_SUFFIXES)
        and not name.startswith((".", "~"))
        and not name.endswith(REPORT_SUFFIX)
        and not path.is_dir()
        and (path.exists() or path.is_symlink())
    )


def default_state(inbox: Path) -> Path:
    """`/srv/finance/inbox` -> `/srv/finance/xlfin-state/inbox`: the watcher's own files
    (what it has seen, its outbox) sit outside the inbox, where droppers cannot write."""
    inbox = inbox.resolve()
    return inbox.parent / "xlfin-state" / inbox.name


class _Events(FileSystemEventHandler):
    def __init__(self, inbox: Path, found: queue.Queue[Path]) -> None:
        self.inbox = inbox
        self.found = found

    def on_any_event(self, event: FileSystemEvent) -> None:
        for name in (event.src_path, getattr(event, "dest_path", "")):
            if name:
                path = Path(os.fsdecode(name))
                if path.parent == self.inbox:
                    self.found.put(path)


class Settling:
    """The files waiting to settle, all at once: each is ready once it has kept its size
    and time for `settle` seconds (on `clock`), whatever the others do."""

    def __init__(self, settle: float, clock: Callable[[], float]) -> None:
        self.settle, self.clock = settle, clock
        self.files: dict[Path, tuple[tuple[int, int] | None, float]] = {}
        self.added: dict[Path, float | None] = {}
        """When each waiting file was added; None once it was told slow."""

    def add(self, path: Path) -> None:
        self.files.setdefault(path, (None, self.clock()))
        self.added.setdefault(path, self.clock())

    def slow(self, after: float) -> list[tuple[Path, float]]:
        """The files still waiting `after` seconds or more since they were added, with how
        long they have waited; each is told once."""
        now, told = self.clock(), []
        for path, since in list(self.added.items()):
            if path not in self.files:
                del self.added[path]
            elif since is not None and now - since >= after:
                told.append((path, now - since))
                self.added[path] = None
        return told

    def ready(self) -> list[Path]:
        """The files settled since the last look, in name order (and no longer waiting);
        files gone meanwhile are forgotten."""
        now, ready = self.clock(), []
        for path, (last, since) in list(self.files.items()):
            try:
                stat = os.lstat(path)
            except FileNotFoundError:
                del self.files[path]
                self.added.pop(path, None)
                continue
            seen = (stat.st_size, stat.st_mtime_ns)
            if seen != last:
                self.files[path] = (seen, now)
            elif now - since >= self.settle:
                ready.append(path)
                del self.files[path]
                self.added.pop(path, None)
        return sorted(ready)


class Inbox:
    """The inbox folder, its state, and what happens to each file dropped into it."""

    def __init__(
        self,
        folder: Path,
        job: Job,
        settle: float = 2.0,
        rescan: float = 30.0,
        poll: bool = False,
        log: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        state: Path | None = None,
        bounds: Bounds | None = None,
    ) -> None:
        self.folder = folder.resolve()
        self.job = job
        self.settle = settle
        self.rescan = rescan
        self.poll = poll
        self.log = log
        self.clock, self.sleep = clock, sleep
        self.processed = self.folder / "processed"
        self.failed = self.folder / "failed"
        self.state = state or default_state(self.folder)
        self.bounds = bounds
        self.retry_at: dict[Path, float] = {}
        """Files that failed for an outside reason -> when to try them again."""
        self.retry_waits: dict[Path, float] = {}
        for path in (self.processed, self.failed, self.state, job.out):
            path.mkdir(parents=True, exist_ok=True)
        self.seen_path = self.state / SEEN_FILE
        self.seen = self._load_seen()
        self.stopping = threading.Event()

    # -- state ---------------------------------------------------------------------------

    def _load_seen(self) -> dict[str, str]:
        seen = {}
        if self.seen_path.exists():
            for line in self.seen_path.read_text(encoding="utf-8").splitlines():
                digest, _, note = line.partition(" ")
                if digest:
                    seen[digest] = note
        return seen

    def _remember(self, digest: str, note: str) -> None:
        with self.seen_path.open("a", encoding="utf-8") as stream:
            stream.write(f"{digest} {note}\n")
            stream.flush()
            os.fsync(stream.fileno())
        self.seen[digest] = note

    # -- one file --------------------------------------------------------------------------

    def settled(self, path: Path) -> bool:
        """True once `path` has kept its size and time for `settle` seconds (and exists)."""
        waiting = Settling(self.settle, self.clock)
        waiting.add(path)
        while not self.stopping.is_set():
            if waiting.ready():
                return True
            if not waiting.files:  # gone meanwhile
                return False
            self.sleep(min(0.25, self.settle / 4 or 0.05))
        return False

    def take(self, path: Path, settled: bool = False) -> Done | None:
        """Build one dropped file and move it away; None when it is not one to take.
        Unless `settled`, it first waits for the file to settle."""
        if path.parent != self.folder or not is_dropped(path):
            return None
        if path.is_symlink() or not path.is_file():
            what = "a symbolic link" if path.is_symlink() else "not a regular file"
            target = _free_name(self.failed / path.name)
            os.replace(path, target)
            self.log(f"{path.name}: {what}; not built, moved to {target.relative_to(self.folder)}")
            return None
        if self.clock() < self.retry_at.get(path, 0):
            return None  # waiting to be tried again
        if not settled and not self.settled(path):
            return None
        digest = sha256(path)
        if digest in self.seen:
            target = _free_name(self.processed / path.name)
            os.replace(path, target)
            self.log(
                f"{path.name}: same content as {self.seen[digest]}; not built again, "
                f"moved to {target.relative_to(self.folder)}"
            )
            return None
        self.log(f"{path.name}: building")
        job = dataclasses.replace(
            self.job, workbook=path, journal=self.state / JOURNAL_FILE, content=digest
        )
        if self.bounds is None:
            done: Done | None = process(job)
        else:
            done = process_isolated(job, self.bounds, self.stopping)
        if done is None:
            self.log(
                f"{path.name}: stopped while it was built; it stays in the inbox and is built "
                "again at the next start"
            )
            return None
        if path.exists() and sha256(path) != digest:  # saved over while it was built
            self.log(f"{path.name}: changed while it was built; building it again")
            return self.take(path)
        if not done.ok and done.outside is not None:  # may pass: keep it, try again later
            delay = min(self.retry_waits.get(path, RETRY_FIRST / 2) * 2, RETRY_MOST)
            self.retry_waits[path] = delay
            self.retry_at[path] = self.clock() + delay
            for line in done.log:  # what went out before it failed
                self.log(line)
            self.log(
                f"{path.name}: failed for a reason outside the workbook ({done.outside}); "
                f"left in the inbox, tried again in {delay:g} s"
            )
            return done
        self.retry_waits.pop(path, None)
        self.retry_at.pop(path, None)
        if done.ok:  # only a built file is done: a failed one is built again if dropped again
            when = datetime.now().isoformat(timespec="seconds")
            self._remember(digest, f"{path.name} at {when}")
        folder = self.processed if done.ok else self.failed
        target = _free_name(folder / path.name)
        os.replace(path, target)
        if not done.ok and done.problems_report:
            shutil.copy2(done.problems_report, _free_name(folder / done.problems_report.name))
        self.log(f"{done.line()}; input moved to {target.relative_to(self.folder)}")
        for line in done.log:
            self.log(line)
        return done

    def backlog(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if is_dropped(p))

    # -- the loop --------------------------------------------------------------------------

    def run(self) -> None:
        """Watch until stopped (SIGTERM, SIGINT or `stopping.set()`). Raises InboxBusy when
        another watcher holds the inbox."""
        with self._lock():
            self._watch()

    @contextmanager
    def _lock(self) -> Iterator[None]:
        """The inbox's lock in the state folder, held while watching: two watchers would
        both build, and mail, the same file."""
        path = self.state / LOCK_FILE
        try:
            with locked(path, wait=False):
                yield
        except BlockingIOError:
            raise InboxBusy(
                f"another watcher is already watching {self.folder} (it holds {path})"
            ) from None

    def _watch(self) -> None:
        found: queue.Queue[Path] = queue.Queue()
        observer = PollingObserver(timeout=1) if self.poll else Observer()
        observer.schedule(_Events(self.folder, found), str(self.folder), recursive=False)
        observer.start()
        self.log(
            f"watching {self.folder} ({'polling' if self.poll else 'events'}); reports go "
            f"to {self.job.out}"
        )
        for path in self.backlog():  # what arrived while we were down
            found.put(path)
        next_scan = time.monotonic() + self.rescan
        waiting = Settling(self.settle, self.clock)
        try:
            while not self.stopping.is_set():
                try:
                    path: Path | None = found.get(timeout=0.2)
                except queue.Empty:
                    path = None
                while path is not None:  # every event so far: they settle together
                    if path.parent == self.folder and is_dropped(path):
                        waiting.add(path)
                    try:
                        path = found.get_nowait()
                    except queue.Empty:
                        path = None
                now = self.clock()
                for due in [p for p, at in self.retry_at.items() if at <= now]:
                    if os.path.lexists(due):
                        waiting.add(due)
                    else:  # taken away meanwhile
                        del self.retry_at[due]
                if time.monotonic() >= next_scan:  # events can be missed on shares
                    for missed in self.backlog():
                        waiting.add(missed)
                    next_scan = time.monotonic() + self.rescan
                for slow, waited in waiting.slow(SLOW_COPY):
                    self.log(
                        f"{slow.name}: still changing after {waited:.0f} s; taken once it keeps "
                        f"its size for {self.settle:g} s"
                    )
                for ready in waiting.ready():
                    if self.stopping.is_set():
                        break
                    self._take_logged(ready)
        finally:
            observer.stop()
            observer.join(timeout=5)
            self.log("stopped")

    def _take_logged(self, path: Path) -> None:
        try:
            self.take(path, settled=True)
        except OSError as exc:  # a full disk, a folder gone read-only: go on
            where = exc.filename or path
            self.log(
                f"{path.name}: {where}: {exc.strerror or exc}; left in the inbox, "
                "tried again at the next scan"
            )

    def stop_on_signals(self) -> None:
        def stop(signum: int, frame: object) -> None:
            self.log(
                f"received {signal.Signals(signum).name}; stopping (a build in hand has "
                f"{STOP_GRACE:g} s to finish, else it is built again at the next start)"
            )
            self.stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)


def _free_name(path: Path) -> Path:
    """`path`, or `name (2).xlsx`, … when it is taken."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem} ({n}){path.suffix}")
    return candidate
