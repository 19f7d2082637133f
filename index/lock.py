"""One writer per index: an advisory POSIX lock on a file beside the index.

`fcntl.lockf` (a POSIX record lock) rather than `flock`, a pid file or Whoosh's own
lock, because: the kernel drops it when its holder dies, so a killed reindex never leaves
a stale lock; it belongs to the process, so the build workers it forks do not hold it and
cannot keep it after their parent has been killed; and a second writer learns at once
that the index is busy instead of waiting. (No library offers that combination: ``filelock``
uses ``flock``, which forked children share.) The holder's pid is written into the file,
only to name it in the message. The lock keeps processes apart, not threads of one process.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

EX_TEMPFAIL = 75  # sysexits.h: "temporary failure; try again later"


class IndexBusy(RuntimeError):
    """Another process is writing this index; nothing was changed."""

    def __init__(self, index_dir: Path, pid: int | None):
        self.index_dir, self.pid = index_dir, pid
        holder = f"pid {pid}" if pid else "another process"
        super().__init__(f"another reindex ({holder}) is writing {index_dir}; "
                         "nothing was changed")


def lock_path(index_dir: Path) -> Path:
    """``.<index>.lock`` next to ``index_dir`` (not inside it: a full build swaps that)."""
    index_dir = Path(index_dir).absolute()
    return index_dir.parent / f".{index_dir.name}.lock"


@contextmanager
def writing(index_dir: Path) -> Iterator[None]:
    """Hold the index's write lock for the block, or raise `IndexBusy` at once."""
    path = lock_path(index_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # One descriptor for the whole block: closing any descriptor of the file in this
    # process would drop a POSIX lock, so nothing else here opens it.
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EACCES, errno.EAGAIN):
                raise
            raise IndexBusy(Path(index_dir), _holder(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def _holder(fd: int) -> int | None:
    text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
