"""What a command line touches: the project paths it names, the values it uses, whether it only looks around;
and the near-miss paths the offline actor sometimes types first."""

from __future__ import annotations

import re

from lbi.models.offline.shell_tasks import PARAMETERS

KNOWN_PATHS = (
    "data/readings.csv", "logs/ingest.log", "logs/access.log", "config/settings.ini", "config/stations.json",
    "src/weatherlog", "scripts/backup.sh", "scripts/rotate_logs.sh", "notes/todo.md", "Makefile", "README.md",
    "CHANGELOG.md", "reports", "backups", "tests", "logs", "data", "config", "scripts", "src",
)
NEAR_MISSES = {
    "data/readings.csv": "data/reading.csv", "logs/ingest.log": "log/ingest.log",
    "logs/access.log": "logs/access_log", "config/settings.ini": "config/setting.ini",
    "config/stations.json": "config/station.json", "src/weatherlog/": "src/weatherlogs/",
    "scripts/backup.sh": "scripts/backups.sh", "notes/todo.md": "notes/TODO.md",
}
_INSPECTION = re.compile(r"^(?:ls\b|pwd$|head -n 3 |sed -n '1,5p' |git status --short --branch$|"
                         r"grep -E '\^\[a-z\]\+:' )")
_VALUES = {value for name, pool in PARAMETERS.items() if name not in ("n", "word") for value in pool}


def normalize(command: str) -> str:
    return " ".join(command.split())


def is_inspection(command: str) -> bool:
    return bool(_INSPECTION.match(normalize(command)))


def is_git(command: str) -> bool:
    return normalize(command).startswith("git ")


def paths_used(command: str) -> list[str]:
    """The project paths a command names, most specific first ('logs/ingest.log' rather than 'logs');
    a near-miss counts as the path it misses."""
    text = normalize(command)
    for right, wrong in NEAR_MISSES.items():
        text = text.replace(wrong, right)
    found: list[str] = []
    for path in KNOWN_PATHS:
        if re.search(rf"(?<![\w/.-]){re.escape(path)}(?![\w.-])", text) and not any(path in f for f in found):
            found.append(path)
    return found


def details(command: str) -> list[str]:
    """The specific values (station ids, days, authors, settings...) a command uses."""
    text = normalize(command)
    return [value for value in sorted(_VALUES) if re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text)]


def misspell(command: str) -> tuple[str, str, str] | None:
    """(the command with a near-miss path, the wrong path, the right one), or None when it names no known path."""
    for right, wrong in NEAR_MISSES.items():
        if right in command:
            return command.replace(right, wrong, 1), wrong, right
    return None
