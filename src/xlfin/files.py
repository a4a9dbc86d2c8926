"""Writing output files so that a crash never leaves a half-written file under its name."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(target: Path, write: Callable[[Path], None]) -> None:
    """Call `write(temporary path)` in `target`'s folder, then rename it to `target`.

    The rename is atomic on one file system; on any failure the temporary file is
    removed and `target` is left as it was.
    """
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.stem}.", suffix=target.suffix)
    os.close(fd)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
