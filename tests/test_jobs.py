"""A stop lets running jobs finish, and one cut off after that is not an error with a traceback."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.jobs import JobsInFlight


async def test_a_stop_waits_for_a_running_job_to_finish() -> None:
    jobs, done = JobsInFlight(), []

    async def job(_: object) -> None:
        await asyncio.sleep(0.05)
        done.append(True)

    running = asyncio.create_task(jobs.track("outbox", job)(None))
    await asyncio.sleep(0)
    assert await jobs.settle(within_s=2.0) == 0
    assert done == [True] and running.done() and not running.cancelled()


async def test_a_job_cut_off_by_the_stop_is_logged_as_left_for_the_next_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    jobs = JobsInFlight()

    async def job(_: object) -> None:
        await asyncio.sleep(10)

    running = asyncio.create_task(jobs.track("prune", job)(None))
    await asyncio.sleep(0)
    assert await jobs.settle(within_s=0.01) == 1
    with caplog.at_level(logging.INFO, logger="bot.jobs"):
        running.cancel()  # what APScheduler's shutdown does to a coroutine job still running
        await asyncio.wait({running})
    assert not running.cancelled() and running.exception() is None
    assert "job prune was cut off by the stop" in caplog.text


async def test_a_job_cancelled_while_the_bot_runs_is_still_cancelled() -> None:
    jobs = JobsInFlight()

    async def job(_: object) -> None:
        await asyncio.sleep(10)

    running = asyncio.create_task(jobs.track("outbox", job)(None))
    await asyncio.sleep(0)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
