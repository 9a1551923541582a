"""One bot process per database file: OS file locks that follow the file, not the name it was given.

`flock` on `<database>.lock` beside the file's real path (symlinks resolved), which also records the
holder's pid, and `flock` on the database file itself, which is shared by every name the file has (a
hard link, a bind mount). Both die with their process: a bot killed with SIGKILL can be started again at
once, while a second one started beside a live one, by any path to the same file, refuses.

`flock` and SQLite's own locks (POSIX `fcntl` byte ranges) are separate on Linux, so locking the database
file does not get in SQLite's way. (On NFS, where Linux emulates `flock` with `fcntl`, it would: the
database is meant for a local disk.)
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO


class AlreadyRunning(RuntimeError):
    """Another process holds the database; the message is one line for the operator."""


class ProcessLock:
    """Held from `acquire()` until `release()` or the end of the process."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.real = database.resolve()
        self.path = self.real.with_name(self.real.name + ".lock")
        self._file: IO[str] | None = None
        self._database_fd: int | None = None

    def acquire(self) -> ProcessLock:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(
                f"another inspectbot (pid {other}) is already running on {self.real}; stop it first"
            ) from None
        try:
            self._database_fd = _lock_database_file(self.real)
        except AlreadyRunning:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
            handle.close()
            raise
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def cover_database(self) -> None:
        """Once a new database file has been made (after `acquire`): lock it too, so a hard link made to
        it later meets this lock."""
        if self._file is not None and self._database_fd is None:
            self._database_fd = _lock_database_file(self.real)

    def release(self) -> None:
        if self._database_fd is not None:
            os.close(self._database_fd)  # its flock goes with it
            self._database_fd = None
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None


def _lock_database_file(database: Path) -> int | None:
    """Lock the database file itself (every name of it): None when it does not exist yet (a new database
    has no other name to be reached by)."""
    try:
        fd = os.open(database, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise AlreadyRunning(
            f"another inspectbot is already running on {database} (the same file under another name, a "
            "hard link); stop it first"
        ) from None
    return fd
