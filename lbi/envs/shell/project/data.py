"""The project's data: six weather stations and three-hourly readings over five days (seeded, so fixed)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass

STATIONS = (
    {"id": "ST01", "name": "Harbour", "city": "Porto", "elevation_m": 12},
    {"id": "ST02", "name": "Old Mill", "city": "Braga", "elevation_m": 190},
    {"id": "ST03", "name": "Airfield", "city": "Porto", "elevation_m": 70},
    {"id": "ST04", "name": "Ridge", "city": "Viseu", "elevation_m": 480},
    {"id": "ST05", "name": "Riverside", "city": "Coimbra", "elevation_m": 45},
    {"id": "ST06", "name": "Summit", "city": "Guarda", "elevation_m": 1056},
)
DAYS = ("2024-05-13", "2024-05-14", "2024-05-15", "2024-05-16", "2024-05-17")
HOURS = (0, 3, 6, 9, 12, 15, 18, 21)
HEADER = "station_id,timestamp,temperature_c,humidity_pct,wind_kmh,status"
_BASE_TEMPERATURE = {"ST01": 17.0, "ST02": 16.0, "ST03": 18.0, "ST04": 13.5, "ST05": 19.0, "ST06": 9.0}
_DAILY_SWING = (-4.0, -5.0, -3.0, 1.5, 5.0, 6.5, 3.0, -1.5)


@dataclass(frozen=True)
class Reading:
    station: str
    timestamp: str
    temperature: float
    humidity: int | None
    wind: int
    status: str

    def row(self) -> str:
        humidity = "" if self.humidity is None else str(self.humidity)
        return f"{self.station},{self.timestamp},{self.temperature:.1f},{humidity},{self.wind},{self.status}"


def readings() -> list[Reading]:
    rng = random.Random(20240513)
    rows = []
    for day_number, day in enumerate(DAYS):
        for slot, hour in enumerate(HOURS):
            for station in STATIONS:
                sid = station["id"]
                temperature = _BASE_TEMPERATURE[sid] + _DAILY_SWING[slot] + day_number * 0.8 + rng.uniform(-1.2, 1.2)
                humidity = None if sid == "ST04" and rng.random() < 0.25 else rng.randint(48, 94)
                wind = rng.randint(2, 38) + (25 if sid == "ST06" else 0)
                status = "error" if rng.random() < 0.035 or (sid == "ST06" and day_number == 3 and hour == 6) else "ok"
                rows.append(Reading(sid, f"{day}T{hour:02d}:00:00Z", round(temperature, 1), humidity, wind, status))
    return rows


def readings_csv() -> str:
    return "\n".join([HEADER, *(r.row() for r in readings())]) + "\n"


def stations_json() -> str:
    return json.dumps(list(STATIONS), indent=2) + "\n"
