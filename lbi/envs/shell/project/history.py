"""The project's git history, and the working tree on top of it (files that are ignored or not yet committed).

Fixed authors, dates and contents make the commit ids the same in every episode.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lbi.envs.shell.project import data, logs, sources, texts

ANA = ("Ana Ruiz", "ana@weatherlog.example")
BEN = ("Ben Okafor", "ben@weatherlog.example")
CHEN = ("Chen Wei", "chen@weatherlog.example")


@dataclass(frozen=True)
class Commit:
    author: tuple[str, str]
    date: str
    message: str
    files: dict[str, str]
    branch: str = "main"
    tag: str | None = None
    executable: frozenset[str] = field(default_factory=frozenset)


HISTORY = (
    Commit(ANA, "2024-05-02T09:14:00+01:00", "Initial commit: readings loader", {
        "README.md": texts.README_V1, "pyproject.toml": texts.PYPROJECT, ".gitignore": texts.GITIGNORE,
        "src/weatherlog/__init__.py": sources.package_init("0.1.0"),
        "src/weatherlog/readings.py": sources.READINGS}),
    Commit(BEN, "2024-05-06T15:40:00+01:00", "Add per-station statistics", {
        "src/weatherlog/stats.py": sources.STATS_V1, "tests/test_stats.py": sources.TESTS_V1}),
    Commit(ANA, "2024-05-13T11:02:00+01:00", "Add daily report and command line", {
        "src/weatherlog/report.py": sources.REPORT, "src/weatherlog/__main__.py": sources.MAIN,
        "src/weatherlog/__init__.py": sources.package_init("0.2.0"), "Makefile": texts.MAKEFILE,
        "CHANGELOG.md": texts.CHANGELOG_V1}),
    Commit(CHEN, "2024-05-20T10:25:00+01:00", "Add station list, settings and readings", {
        "config/stations.json": data.stations_json(), "config/settings.ini": texts.SETTINGS,
        "data/readings.csv": data.readings_csv()}),
    Commit(BEN, "2024-05-28T16:48:00+01:00", "Fix humidity average counting missing values as 0", {
        "src/weatherlog/stats.py": sources.STATS, "tests/test_stats.py": sources.TESTS,
        "src/weatherlog/__init__.py": sources.package_init("0.3.0"), "CHANGELOG.md": texts.CHANGELOG_V2},
        tag="v0.3.0"),
    Commit(ANA, "2024-06-03T08:30:00+01:00", "Add backup and log rotation scripts", {
        "scripts/backup.sh": texts.BACKUP_SH, "scripts/rotate_logs.sh": texts.ROTATE_LOGS_SH,
        "notes/todo.md": texts.TODO_V1, "README.md": texts.README,
        "src/weatherlog/__init__.py": sources.package_init("0.3.1"), "CHANGELOG.md": texts.CHANGELOG},
        executable=frozenset({"scripts/rotate_logs.sh"})),
    Commit(CHEN, "2024-06-04T14:12:00+01:00", "Draft a wind gust alert threshold", {
        "config/settings.ini": texts.SETTINGS_WIND_ALERTS}, branch="feature/wind-alerts"),
)

# On top of main's last commit: the logs (ignored by git) and an uncommitted edit; build.sh adds a report.
WORKTREE = {
    "logs/ingest.log": logs.ingest_log(),
    "logs/access.log": logs.access_log(),
    "notes/todo.md": texts.TODO,
}
REPORT_DAY = "2024-05-13"

USER = ("Dana Lee", "dana@weatherlog.example")
