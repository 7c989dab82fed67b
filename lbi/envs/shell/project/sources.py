"""The project's Python package and its tests, as they stand at each commit that changed them."""

from __future__ import annotations

READINGS = '''\
"""Loading station readings from CSV."""

import csv
from dataclasses import dataclass


@dataclass
class Reading:
    station_id: str
    timestamp: str
    temperature_c: float
    humidity_pct: int | None
    wind_kmh: int
    status: str


def load(path):
    """Read every row of a readings CSV file into Reading objects."""
    with open(path, newline="") as handle:
        return [
            Reading(
                station_id=row["station_id"],
                timestamp=row["timestamp"],
                temperature_c=float(row["temperature_c"]),
                humidity_pct=int(row["humidity_pct"]) if row["humidity_pct"] else None,
                wind_kmh=int(row["wind_kmh"]),
                status=row["status"],
            )
            for row in csv.DictReader(handle)
        ]


def valid(readings):
    """Only the readings whose sensor reported no error."""
    return [r for r in readings if r.status == "ok"]
'''

_STATS_HEAD = '''\
"""Per-station statistics over a list of readings."""

from collections import defaultdict


def by_station(readings):
    groups = defaultdict(list)
    for reading in readings:
        groups[reading.station_id].append(reading)
    return dict(groups)


def summary(readings):
    """Minimum, maximum and mean temperature, and mean humidity, per station."""
    result = {}
    for station, rows in sorted(by_station(readings).items()):
        temperatures = [r.temperature_c for r in rows]
'''

STATS_V1 = _STATS_HEAD + '''\
        humidity = [r.humidity_pct or 0 for r in rows]
        result[station] = {
            "min": min(temperatures),
            "max": max(temperatures),
            "mean": round(sum(temperatures) / len(temperatures), 1),
            "humidity": round(sum(humidity) / len(humidity), 1),
        }
    return result
'''

STATS = _STATS_HEAD + '''\
        humidity = [r.humidity_pct for r in rows if r.humidity_pct is not None]
        result[station] = {
            "min": min(temperatures),
            "max": max(temperatures),
            "mean": round(sum(temperatures) / len(temperatures), 1),
            "humidity": round(sum(humidity) / len(humidity), 1) if humidity else None,
        }
    return result


def hottest(readings):
    """The reading with the highest temperature."""
    # TODO: break ties by the earliest timestamp
    return max(readings, key=lambda r: r.temperature_c)


# TODO: report wind gusts separately once the stations send them
'''

REPORT = '''\
"""The daily report: one line per station."""

from weatherlog.stats import summary


def daily_report(readings, day):
    rows = [r for r in readings if r.timestamp.startswith(day)]
    lines = [f"Weather report for {day}", ""]
    for station, figures in summary(rows).items():
        humidity = "n/a" if figures["humidity"] is None else f"{figures['humidity']}%"
        lines.append(f"{station}: {figures['min']} to {figures['max']} C "
                     f"(mean {figures['mean']} C), humidity {humidity}")
    return "\\n".join(lines) + "\\n"
'''

MAIN = '''\
"""Command line: python3 -m weatherlog report --day 2024-05-13 [--data FILE]"""

import argparse
import json

from weatherlog.readings import load, valid
from weatherlog.report import daily_report


def main(argv=None):
    parser = argparse.ArgumentParser(prog="weatherlog")
    commands = parser.add_subparsers(dest="command", required=True)
    report = commands.add_parser("report", help="print the daily report")
    report.add_argument("--day", required=True)
    report.add_argument("--data", default="data/readings.csv")
    stations = commands.add_parser("stations", help="list the stations")
    stations.add_argument("--config", default="config/stations.json")
    args = parser.parse_args(argv)
    if args.command == "report":
        print(daily_report(valid(load(args.data)), args.day), end="")
    else:
        with open(args.config) as handle:
            for station in json.load(handle):
                print(f"{station['id']}  {station['name']} ({station['city']})")


if __name__ == "__main__":
    main()
'''

_TESTS_HEAD = '''\
import unittest

from weatherlog.readings import Reading
from weatherlog.stats import summary


def reading(station, temperature, humidity):
    return Reading(station, "2024-05-13T00:00:00Z", temperature, humidity, 10, "ok")


class SummaryTest(unittest.TestCase):
    def test_min_max_mean(self):
        figures = summary([reading("ST01", 10.0, 50), reading("ST01", 14.0, 70)])["ST01"]
        self.assertEqual((figures["min"], figures["max"], figures["mean"]), (10.0, 14.0, 12.0))
'''

TESTS_V1 = _TESTS_HEAD + '''

if __name__ == "__main__":
    unittest.main()
'''

TESTS = _TESTS_HEAD + '''
    def test_missing_humidity_is_ignored(self):
        figures = summary([reading("ST04", 9.0, None), reading("ST04", 11.0, 80)])["ST04"]
        self.assertEqual(figures["humidity"], 80.0)

    def test_no_humidity_at_all(self):
        self.assertIsNone(summary([reading("ST04", 9.0, None)])["ST04"]["humidity"])


if __name__ == "__main__":
    unittest.main()
'''


def package_init(version: str) -> str:
    return f'"""weatherlog: station readings in, daily reports out."""\n\n__version__ = "{version}"\n'
