"""Where a bot process spends its time during a load: py-spy sampling it from outside, on request.

Set BENCH_PROFILE to a folder and `python -m bench chat` samples each bot during each load with py-spy
(the `bench` extra installs it), writes the collapsed stacks there (`NAME.txt`, one line a stack and its
count, for flamegraph tools) and prints the functions holding the event loop's thread the longest. The bot
runs unchanged: nothing in its code paths knows it is watched (`--nonblocking`: the process is not paused
to read its stacks, so the figures of a profiled run are close to an unprofiled one, but not the same).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Where the stacks of threads other than the event loop's begin (aiosqlite's workers, for one).
_WORKER_THREAD = "Thread._bootstrap"
#: Frames on every stack of the loop (its runner, the command line): no news in a summary.
_ALWAYS = (
    "asyncio/",
    "selectors.py",
    "<module>",
    "bot/cli.py",
    "bot/cli_run.py",
    "bench/_echo.py",
    "<frozen runpy>",
)


def folder() -> Path | None:
    """The folder BENCH_PROFILE names (created), or None when no profile was asked for."""
    value = os.environ.get("BENCH_PROFILE")
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _py_spy() -> str:
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("BENCH_PROFILE needs py-spy: pip install -e '.[bench]'")
    return found


@contextmanager
def sampling(pid: int, out: Path) -> Iterator[None]:
    """Sample process `pid` (all its threads, 200 times a second, or BENCH_PROFILE_RATE) while the block
    runs; with BENCH_PROFILE_GIL set, only the thread holding the GIL (Python's own CPU time, not waits
    for it)."""
    spy = subprocess.Popen(
        [
            _py_spy(),
            "record",
            "--pid",
            str(pid),
            "--rate",
            os.environ.get("BENCH_PROFILE_RATE", "200"),
            "--nonblocking",
            *(["--gil"] if os.environ.get("BENCH_PROFILE_GIL") else []),
            "--format",
            "raw",
            "--output",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)  # py-spy writes what it sampled when interrupted
        _, errors = spy.communicate(timeout=60)
        if not out.exists():
            print(f"profile: py-spy wrote nothing: {errors.decode(errors='replace')[-500:]}", file=sys.stderr)


def summary(collapsed: Path, top: int = 25) -> str:
    """The functions most often on the event loop's stack (inclusive share of its samples)."""
    counts: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if stack.startswith(_WORKER_THREAD) or not number.isdigit():
            continue
        total += int(number)
        for frame in set(stack.split(";")):
            counts[frame] += int(number)
    if not total:
        return f"profile {collapsed.name}: no samples of the event loop's thread"
    lines = [f"profile {collapsed.name}: {total} samples of the event loop's thread; most often on it:"]
    shown = (item for item in counts.most_common() if not any(part in item[0] for part in _ALWAYS))
    for frame, count in list(shown)[:top]:
        lines.append(f"  {count / total:6.1%}  {frame}")
    return "\n".join(lines)
