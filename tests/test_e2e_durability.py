"""Crashes and a second process: no message lost, no change made twice, one bot per database."""

from __future__ import annotations

import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from tests.botprocess import INSPECTBOT, BotProcess
from tests.e2e_helpers import CALENDAR, MANAGER, today, typed

PEOPLE = [MANAGER + n for n in range(20)]  # all managers: each may open cases
ROUNDS = 5
PER_ROUND = 2  # messages per person per round: 20 people x 2 x 5 rounds = 200 messages


@pytest.fixture
def bot(bot_process: BotProcess) -> BotProcess:
    """These tests are about the process (a crash, its lock):
    `inspectbot run` as its own process (conftest's `bot` runs in this one)."""
    return bot_process


def _name(person: int, n: int) -> str:
    return f"Home {person} no {n}"


def _wait_all_answered(api: FakeBotApi, sent: dict[int, list[str]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        missing = [
            (person, name)
            for person, names in sent.items()
            for name in names
            if not any(name in m.text for m in api.user(person).messages())
        ]
        if not missing:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{len(missing)} message(s) never answered, e.g. {missing[:5]}")
        time.sleep(0.2)


#: Updates the bot stored and has not finished (bot/polling.py replays them at its next start).
_WAITING = "SELECT count(*) FROM inbox WHERE done_at IS NULL"


def test_200_messages_from_20_people_survive_five_sigkills(api: FakeBotApi, tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    start = typed(CALENDAR.add_working_days(today(), 3))
    bot = BotProcess(api, tmp_path, admins=tuple(PEOPLE)).start()
    sent: dict[int, list[str]] = {person: [] for person in PEOPLE}
    interrupted = 0
    try:
        for round_no in range(ROUNDS):
            for n in range(PER_ROUND):
                for person in PEOPLE:
                    name = _name(person, round_no * PER_ROUND + n)
                    api.user(person).send(f'/newcase ch-full "{name}" {start}')
                    sent[person].append(name)
            if round_no < ROUNDS - 1:
                time.sleep(chance.uniform(0.0, 0.8))  # the kill lands before, during or after the work
            else:  # the last kill lands while stored updates wait, so a replay is always tried
                api.wait_until(lambda: bot.query(_WAITING) != [(0,)], timeout=30, what="updates stored")
            assert bot.stop(signal.SIGKILL) == -signal.SIGKILL
            # Read with the process dead: what it had stored and not finished is replayed at the next start.
            interrupted += bot.query(_WAITING) != [(0,)]
            bot.start()  # the lock died with the process: starts at once
        _wait_all_answered(api, sent)
    finally:
        if bot.proc is not None:
            bot.stop()

    names = [
        str(row[0]) for row in bot.query("SELECT s.name FROM cases c JOIN settings s ON s.id = c.setting_id")
    ]
    everything = [name for names in sent.values() for name in names]
    assert sorted(names) == sorted(everything), f"seed {seed}: cases lost or doubled"
    refs = [row[0] for row in bot.query("SELECT ref FROM cases")]
    assert len(set(refs)) == len(refs) == 200

    confirmations = Counter(
        name
        for person in PEOPLE
        for message in api.user(person).messages()
        for name in sent[person]
        if name in message.text
    )
    repeated = sum(count - 1 for count in confirmations.values())
    # Only a reply in flight when the process died can be sent again: at most the running bound a kill.
    assert repeated <= ROUNDS * 16, f"seed {seed}: {repeated} repeated replies"
    for person in PEOPLE:  # each person's cases were set up in the order they asked
        mine = [
            int(r[0])
            for r in bot.query(
                "SELECT c.ref FROM cases c JOIN settings s ON s.id = c.setting_id WHERE s.name LIKE ?"
                " ORDER BY c.ref",
                f"Home {person} no %",
            )
        ]
        by_name = [
            int(r[0])
            for name in sent[person]
            for r in bot.query(
                "SELECT c.ref FROM cases c JOIN settings s ON s.id = c.setting_id WHERE s.name = ?", name
            )
        ]
        assert by_name == mine, f"seed {seed}: person {person}'s messages handled out of order"
    log = bot.log_text()
    # The kills did interrupt work (read from the database after each), and each time it was replayed.
    assert interrupted >= 1, f"seed {seed}: no kill landed while updates waited"
    assert log.count("left unhandled by the last run") >= interrupted, log[-3000:]
    assert "Traceback" not in log and "update failed" not in log, log[-3000:]
    assert not any("something went wrong" in m.text for p in PEOPLE for m in api.user(p).messages())


def test_a_second_process_on_the_same_database_refuses_to_start(api: FakeBotApi, bot: BotProcess) -> None:
    second = subprocess.run(
        [INSPECTBOT, "run"], env=bot.env, cwd=bot.workdir, capture_output=True, text=True, timeout=30
    )
    assert second.returncode == 1
    assert second.stderr.strip().count("\n") == 0, second.stderr  # one line for the operator
    assert bot.proc is not None and f"pid {bot.proc.pid}" in second.stderr
    assert "already running" in second.stderr
    assert bot.proc.poll() is None  # the first goes on


def test_a_missing_database_folder_is_one_line(api: FakeBotApi, tmp_path: Path) -> None:
    process = BotProcess(api, tmp_path, INSPECTBOT_DB=str(tmp_path / "nowhere" / "db.sqlite3"))
    result = subprocess.run(
        [INSPECTBOT, "run"], env=process.env, cwd=tmp_path, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr
    assert "nowhere" in result.stderr


def test_two_bots_on_one_token_with_different_databases_is_logged_as_an_operator_error(
    api: FakeBotApi, bot: BotProcess, tmp_path: Path
) -> None:
    folder = tmp_path / "second"
    folder.mkdir()
    second = BotProcess(api, folder).start()
    try:
        deadline = time.monotonic() + 15
        while "operator error" not in bot.log_text() + second.log_text():
            assert time.monotonic() < deadline, "no 409 was logged"
            time.sleep(0.2)
        assert second.proc is not None and second.proc.poll() is None  # logged, not fatal
    finally:
        second.stop()
    logs = bot.log_text() + second.log_text()
    assert logs.count("operator error") <= 2  # once per process, not once per 409
