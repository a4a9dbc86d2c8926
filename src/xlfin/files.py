"""Files: written so that a crash never leaves a half-written file under its name, and
known by the hash of their content."""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _umask()
"""The process's umask, read once at import (reading it means setting it for a moment)."""


def atomic_write(target: Path, write: Callable[[Path], object], durable: bool = False) -> None:
    """Call `write(temporary path)` in `target`'s folder, then rename it to `target`.

    The rename is atomic on one file system; on any failure the temporary file is
    removed and `target` is left as it was. The file gets the permissions of the one it
    replaces, else those of any new file (not the owner-only ones of a temporary file),
    so that a report in a shared folder can be read by the others who share it. With
    `durable`, the file and then its folder are flushed to the disk before this returns,
    so that a crash or power loss leaves either the whole file or none. An OSError that
    names no file (a full disk's), or the temporary file, is raised naming `target`.
    """
    try:
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~UMASK
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=_prefix(target), suffix=target.suffix)
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        os.chmod(temporary, mode)
        if durable:
            _flush(temporary)
        os.replace(temporary, target)
        if durable:
            _flush(target.parent)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        if exc.filename in (None, name):  # no file, or the temporary one: name the target
            raise OSError(exc.errno, exc.strerror or str(exc), str(target)) from exc
        raise
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def os_reason(exc: OSError) -> str:
    """An OSError in one line, for a person: the path it names, then its cause."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def _prefix(target: Path) -> str:
    return f".{target.stem}."


def leftovers(target: Path) -> list[Path]:
    """The temporary files `atomic_write` made for `target` and never renamed: what a
    process killed while writing leaves behind."""
    return sorted(
        target.parent.glob(f"{glob.escape(_prefix(target))}*{glob.escape(target.suffix)}")
    )


def _flush(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256(path: Path) -> str:
    """The hex SHA-256 of the file's content, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def locked(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on the file `path` (made if need be) while inside; with `wait`
    False, raise BlockingIOError at once when another process holds it."""
    with path.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
