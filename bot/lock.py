"""One bot process per database: an OS file lock beside the database file.

The lock is `flock` on `<database>.lock`, so it dies with its process: a bot killed with SIGKILL can be
started again at once, while a second one started beside a live one refuses, naming the first.
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
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> ProcessLock:
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            other = handle.read().strip() or "unknown"
            handle.close()
            raise AlreadyRunning(
                f"another inspectbot (pid {other}) is already running on {self.path.with_suffix('')}; "
                "stop it first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle
        return self

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
