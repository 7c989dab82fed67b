"""The project's other files: documentation, configuration, build and maintenance scripts."""

from __future__ import annotations

README_V1 = """\
# weatherlog

Ingests readings from a small network of weather stations.
"""

README = """\
# weatherlog

Ingests readings from a small network of weather stations and writes daily
reports.

## Layout

- `src/weatherlog/`: the Python package (readings loader, statistics, reports, command line)
- `tests/`: unit tests, run with `make test`
- `data/readings.csv`: three-hourly readings from six stations
- `config/`: settings (`settings.ini`) and the station list (`stations.json`)
- `logs/`: the ingest job's log and the web API's access log (not tracked by git)
- `scripts/`: maintenance scripts (backups, log rotation)
- `reports/`: generated daily reports (not tracked by git)

## Usage

    make test
    make report DAY=2024-05-13
    PYTHONPATH=src python3 -m weatherlog stations
"""

PYPROJECT = """\
[project]
name = "weatherlog"
version = "0.3.1"
description = "Station readings in, daily reports out"
requires-python = ">=3.9"

[tool.setuptools.packages.find]
where = ["src"]
"""

GITIGNORE = """\
__pycache__/
*.pyc
logs/
reports/
backups/
"""

MAKEFILE = """\
DAY ?= 2024-05-13

.PHONY: test report clean

test:
\tPYTHONPATH=src python3 -m unittest discover -s tests -v

report:
\tmkdir -p reports
\tPYTHONPATH=src python3 -m weatherlog report --day $(DAY) > reports/$(DAY).txt

clean:
\trm -rf reports/*.txt src/weatherlog/__pycache__ tests/__pycache__
"""

_CHANGELOG_030 = """\
## 0.3.0 (2024-05-28)

- Fix: the mean humidity no longer counts missing values as 0.
"""

_CHANGELOG_020 = """\
## 0.2.0 (2024-05-13)

- Daily report and the `weatherlog` command line.
- Per-station statistics.
"""

CHANGELOG_V1 = "# Changelog\n\n" + _CHANGELOG_020
CHANGELOG_V2 = "# Changelog\n\n" + _CHANGELOG_030 + "\n" + _CHANGELOG_020
CHANGELOG = ("# Changelog\n\n## 0.3.1 (2024-06-03)\n\n- Backup and log rotation scripts.\n\n"
             + _CHANGELOG_030 + "\n" + _CHANGELOG_020)

SETTINGS = """\
[ingest]
source = data/readings.csv
batch_size = 500
timezone = UTC

[report]
output_dir = reports
units = metric
decimals = 1

[alerts]
max_temperature_c = 35.0
min_temperature_c = -10.0
max_wind_kmh = 90
email = ops@weatherlog.example
"""

SETTINGS_WIND_ALERTS = SETTINGS.replace("max_wind_kmh = 90\n", "max_wind_kmh = 90\nmax_gust_kmh = 110\n")

TODO_V1 = """\
# TODO

- [x] Fix the humidity average for ST04
- [ ] Rotate logs weekly from cron
- [ ] Ask ops which stations need wind alerts
"""

TODO = TODO_V1 + "- [ ] Check why ST06 rejected readings on 2024-05-16\n"

BACKUP_SH = """\
#!/bin/sh
# Archive the data and configuration into backups/, one file per day.
set -e
cd "$(dirname "$0")/.."
mkdir -p backups
tar -czf "backups/weatherlog-$(date +%Y-%m-%d).tar.gz" data config
echo "backup written to backups/"
"""

ROTATE_LOGS_SH = """\
#!/bin/sh
# Compress every log under logs/ and start empty ones.
set -e
cd "$(dirname "$0")/.."
for log in logs/*.log; do
    gzip -c "$log" > "$log.1.gz"
    : > "$log"
done
"""
