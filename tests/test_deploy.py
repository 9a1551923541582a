"""The deployment files say what the operator's guide promises (docker is not run here: no registry)."""

from __future__ import annotations

import configparser
import fnmatch
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.localapi import FakeBotApi
from tests.botprocess import INSPECTBOT

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _instructions(text: str) -> list[tuple[str, str]]:
    """Dockerfile instructions as (KEYWORD, arguments), continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def test_dockerfile_runs_unprivileged_with_the_database_on_a_volume_and_a_health_check() -> None:
    steps = _instructions((DEPLOY / "Dockerfile").read_text())
    final = steps[max(i for i, (k, _) in enumerate(steps) if k == "FROM") :]  # the image that runs
    users = [arg for k, arg in final if k == "USER"]
    assert users and users[-1] not in ("root", "0"), users
    volumes = [arg for k, arg in final if k == "VOLUME"]
    assert volumes == ['["/data"]']
    env = " ".join(arg for k, arg in final if k == "ENV")
    assert "INSPECTBOT_DB=/data/" in env  # the database is on the volume
    health = [arg for k, arg in final if k == "HEALTHCHECK"]
    assert len(health) == 1 and "http://127.0.0.1:9464/healthz" in health[0]  # the bot's own /healthz
    assert "INSPECTBOT_METRICS_LISTEN=0.0.0.0:9464" in env
    keywords = [k for k, _ in final]
    assert keywords.index("USER") < keywords.index("CMD")
    cmd = next(arg for k, arg in final if k == "CMD")
    assert "inspectbot migrate" in cmd and "exec inspectbot run" in cmd
    # everything the package needs is copied into the build stage
    copied = {arg.split()[0] for k, arg in steps if k == "COPY" and not arg.startswith("--from")}
    assert {"bot", "handlers", "store", "workflows"} <= copied


def test_compose_keeps_the_database_on_a_named_volume() -> None:
    text = (DEPLOY / "compose.yaml").read_text()  # no YAML parser among the dependencies: read the lines
    lines = [line.strip() for line in text.splitlines() if not line.lstrip().startswith("#")]
    assert "dockerfile: deploy/Dockerfile" in lines
    assert "- inspectbot-data:/data" in lines and "inspectbot-data:" in lines
    assert "INSPECTBOT_DB: /data/inspectbot.sqlite3" in lines
    assert "- no-new-privileges:true" in lines
    assert "healthcheck:" in lines and any("127.0.0.1:9464/healthz" in line for line in lines)


def test_systemd_unit_is_hardened_and_uses_a_state_directory() -> None:
    unit = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string((DEPLOY / "inspectbot.service").read_text())
    service = unit["Service"]
    assert service["User"] == "inspectbot"
    assert service["NoNewPrivileges"] == "true"
    assert service["ProtectSystem"] == "strict"
    assert service["StateDirectory"] == "inspectbot"
    assert service["ReadWritePaths"] == "/var/lib/inspectbot"
    assert service["Environment"] == "INSPECTBOT_DB=/var/lib/inspectbot/inspectbot.sqlite3"
    assert service["ExecStart"].endswith("inspectbot run")
    assert service["KillSignal"] == "SIGTERM"
    assert unit["Install"]["WantedBy"] == "multi-user.target"


def _guide_step(number: int) -> str:
    """The shell command of a numbered step in the systemd part of deploy/README.md."""
    guide = (DEPLOY / "README.md").read_text()
    step = re.search(rf"^{number}\. `(.+?)`\n", guide, re.MULTILINE)
    assert step is not None, f"step {number} has no command"
    return step.group(1)


@pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None, reason="the step runs as root, then as a user"
)
def test_the_guide_s_check_step_reads_the_example_settings_comments_and_all() -> None:
    """Issue 21 item 8: step 5 was `env $(cat inspectbot.env | xargs) ...`, which fails on the example's
    comment lines (`env: '#': No such file or directory`). Here the step runs as written on a copy of the
    example (paths moved to a temporary folder, the user `nobody` for `inspectbot`, the fake Bot API)."""
    command = _guide_step(5)
    assert command.startswith("sudo ") and "runuser -u inspectbot --" in command
    with FakeBotApi() as api, tempfile.TemporaryDirectory(dir="/tmp") as folder:
        where = Path(folder)
        where.chmod(0o777)
        settings = (DEPLOY / "inspectbot.env.example").read_text()
        assert settings.count("\n#") >= 3  # the comments that broke the old step
        settings = settings.replace("TELEGRAM_BOT_TOKEN=123456:replace-me", f"TELEGRAM_BOT_TOKEN={api.token}")
        settings = settings.replace("/var/lib/inspectbot/", f"{where}/")
        settings += f"TELEGRAM_API_URL={api.base_url.rsplit('/bot', 1)[0]}\nNO_PROXY=127.0.0.1\n"
        env_file = where / "inspectbot.env"
        env_file.write_text(settings)
        env_file.chmod(0o600)
        run = (
            command.removeprefix("sudo ")
            .replace("/etc/inspectbot/inspectbot.env", str(env_file))
            # runuser as the guide says, but setpriv here: this sandbox's Python lies under /root (0700),
            # which runuser's user may not enter.
            .replace("runuser -u inspectbot --", "setpriv --reuid=65534 --regid=65534 --clear-groups")
            .replace("/opt/inspectbot/.venv/bin/inspectbot", INSPECTBOT)
        )
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "INSPECTBOT_"))}
        result = subprocess.run(["sh", "-c", run], env=clean, capture_output=True, text=True, timeout=60)
    assert "No such file or directory" not in result.stderr, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "settings: ok - loaded", result
    assert lines[1].startswith(f"database: FAILED - there is no database at {where}/inspectbot.sqlite3")
    assert lines[2].startswith("telegram: ok - @"), result


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_the_systemd_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    """The unit as shipped, with its ExecStart paths pointed at this installation (verify checks that the
    programs exist)."""
    unit = (DEPLOY / "inspectbot.service").read_text()
    assert "/opt/inspectbot/.venv/bin/inspectbot" in unit
    copy = tmp_path / "inspectbot.service"
    copy.write_text(unit.replace("/opt/inspectbot/.venv/bin/inspectbot", INSPECTBOT))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "inspectbot.service" not in result.stderr, result.stderr  # no warning about the unit


def test_the_image_installs_the_chart_extra_pinned_and_the_build_context_leaves_out_the_rest() -> None:
    """Issue 21 item 8: the image sent timelines as text (no `chart` extra), its dependencies were
    unpinned, and without a .dockerignore the build sent .venv and .git (361 MB)."""
    steps = _instructions((DEPLOY / "Dockerfile").read_text())
    installs = [arg for k, arg in steps if k == "RUN" and "pip install" in arg]
    assert len(installs) == 1
    assert '".[chart]"' in installs[0] and "-c deploy/requirements.lock" in installs[0]
    lock = (DEPLOY / "requirements.lock").read_text()
    pinned = {line.split("==")[0] for line in lock.splitlines() if "==" in line and not line.startswith(" ")}
    assert {"python-telegram-bot", "aiosqlite", "pydantic", "matplotlib"} <= pinned
    assert all("==" in line for line in lock.splitlines() if line and not line.lstrip().startswith("#"))
    patterns = [
        line.strip()
        for line in (DEPLOY.parent / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (".git", ".venv", "tests", "deploy/inspectbot.env", "inspectbot.sqlite3", "x.sqlite3.lock"):
        assert _docker_ignores(patterns, path), path
    copied = {arg.split()[0] for k, arg in steps if k == "COPY" and not arg.startswith("--from")}
    assert "deploy/requirements.lock" in copied
    assert not [path for path in copied if _docker_ignores(patterns, path)]  # the image's files are sent


def _docker_ignores(patterns: list[str], path: str) -> bool:
    """Docker's rule, for the patterns used here: the last pattern that matches decides; `!` keeps."""
    ignored = False
    for pattern in patterns:
        keep = pattern.startswith("!")
        if fnmatch.fnmatch(path, pattern.removeprefix("!")):
            ignored = not keep
    return ignored


def test_the_container_restore_runs_in_a_new_container_beside_the_stopped_one() -> None:
    """Issue 21 item 8: `docker compose exec` can't reach a stopped container, and a running one's bot
    holds the database lock: the guide restores with `docker compose run --rm`."""
    guide = (DEPLOY / "README.md").read_text()
    restore = guide[guide.index("To restore") : guide.index("## Upgrades")]
    assert "docker compose -f deploy/compose.yaml stop inspectbot" in restore
    assert "docker compose -f deploy/compose.yaml run --rm inspectbot inspectbot restore" in restore
    assert "exec inspectbot inspectbot restore" not in restore
