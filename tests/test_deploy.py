"""The deployment files say what the operator's guide promises (docker is not run here: no registry)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

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
    assert len(health) == 1 and health[0].endswith('CMD ["inspectbot", "check"]')
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
