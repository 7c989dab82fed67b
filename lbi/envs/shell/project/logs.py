"""The project's logs: the ingest job's log (derived from the readings) and the web API's access log."""

from __future__ import annotations

import random

from lbi.envs.shell.project.data import DAYS, HOURS, readings

_CLIENTS = ("10.0.0.12", "10.0.0.12", "10.0.0.12", "10.0.0.7", "10.0.0.7", "192.168.1.40", "10.0.0.31",
            "172.16.4.2", "10.0.0.7", "10.0.0.12", "203.0.113.9", "10.0.0.31")
_PATHS = ("/api/stations", "/api/stations/ST01/latest", "/api/stations/ST02/latest", "/api/stations/ST03/latest",
          "/api/stations/ST04/latest", "/api/stations/ST05/latest", "/api/stations/ST06/latest",
          "/api/reports/daily", "/api/health", "/favicon.ico")
_MONTH = {"05": "May"}


def ingest_log() -> str:
    by_batch: dict[str, list] = {}
    for reading in readings():
        by_batch.setdefault(reading.timestamp, []).append(reading)
    lines = []
    for batch, rows in by_batch.items():
        day, hour = batch[:10], batch[11:13]
        stamp = f"{day} {hour}:05"
        lines.append(f"{stamp}:01 INFO ingest: batch {batch} started")
        for r in rows:
            if r.status == "error":
                lines.append(f"{stamp}:02 ERROR ingest: {r.station} rejected reading at {batch}: "
                             "sensor reported status error")
            elif r.humidity is None:
                lines.append(f"{stamp}:02 WARNING ingest: {r.station} reading at {batch} has no humidity value")
        accepted = sum(r.status == "ok" for r in rows)
        lines.append(f"{stamp}:03 INFO ingest: batch {batch} stored {accepted} of {len(rows)} readings")
        if hour == "21":
            lines.append(f"{day} 23:30:00 INFO report: wrote reports/{day}.txt")
    return "\n".join(lines) + "\n"


def access_log() -> str:
    rng = random.Random(7)
    lines = []
    for day in DAYS:
        year, month, date = day.split("-")
        entries = []
        for hour in HOURS:
            for _ in range(rng.randint(2, 5)):
                client = rng.choice(_CLIENTS)
                path = rng.choice(_PATHS)
                failed = path == "/api/reports/daily" and rng.random() < 0.3
                status = 404 if path == "/favicon.ico" else (500 if failed else 200)
                size = 0 if status == 404 else rng.randint(180, 2400)
                clock = f"{hour + rng.randint(0, 2):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
                entries.append((clock, f'{client} - - [{date}/{_MONTH[month]}/{year}:{clock} +0000] '
                                       f'"GET {path} HTTP/1.1" {status} {size}'))
        lines += [line for _, line in sorted(entries)]
    return "\n".join(lines) + "\n"
