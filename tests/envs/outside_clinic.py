"""A SQLite database the project has never seen: a small clinic (snake_case names, a table whose name has a
space, foreign keys, a CHECK constraint, a few hundred rows), and two pages of its documentation."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE doctors (doctor_id INTEGER PRIMARY KEY, full_name TEXT NOT NULL, specialty TEXT, hire_date TEXT,
                      salary REAL);
CREATE TABLE patients (id INTEGER PRIMARY KEY, name TEXT NOT NULL, birth_date TEXT, city TEXT, gender TEXT,
                       phone TEXT);
CREATE TABLE "Patient Visits" (visit_id INTEGER PRIMARY KEY, patient_id INTEGER NOT NULL REFERENCES patients(id),
                               doctor_id INTEGER REFERENCES doctors(doctor_id), visit_date TEXT, fee NUMERIC,
                               status TEXT CHECK (status IN ('done', 'cancelled', 'no-show')));
CREATE TABLE medications (med_id INTEGER PRIMARY KEY, brand_name TEXT UNIQUE, unit_price REAL, stock INTEGER);
CREATE TABLE prescriptions (visit_id INTEGER REFERENCES "Patient Visits"(visit_id),
                            med_id INTEGER REFERENCES medications(med_id), dosage_mg INTEGER, days INTEGER,
                            PRIMARY KEY (visit_id, med_id));
"""
TABLES = ("doctors", "patients", "Patient Visits", "medications", "prescriptions")
CITIES = ("Lyon", "Nantes", "Lille", "Rennes", "Dijon", None)
SPECIALTIES = ("cardiology", "dermatology", "pediatrics", "neurology", "general practice")
DOCS = {
    "visits.md": "# Visits and fees\n\nEvery visit of a patient to a doctor is a row of Patient Visits, with the "
                 "visit date, the fee charged and a status (done, cancelled or no-show). Staff often count the "
                 "visits per doctor, look for the patients with the most visits, and compare fees by specialty.\n",
    "pharmacy.md": "# The pharmacy\n\nMedications have a brand name, a unit price and the stock on hand. "
                   "Prescriptions link a visit to a medication with a dosage in mg and a number of days. "
                   "The pharmacist updates prices, adds new medications and deletes discontinued ones; "
                   "a missing unit price means the medication is not sold.\n",
}


def build(directory: Path) -> tuple[Path, Path]:
    """(the database file, its documentation directory), both new in ``directory``."""
    rng = random.Random(7)
    db = directory / "clinic.db"
    connection = sqlite3.connect(db)
    with connection:
        connection.executescript(SCHEMA)
        connection.executemany("INSERT INTO doctors VALUES (?, ?, ?, ?, ?)", [
            (i, f"Dr. {name}", rng.choice(SPECIALTIES), f"20{rng.randrange(5, 24):02d}-0{rng.randrange(1, 10)}-15",
             round(rng.uniform(60_000, 160_000), 2))
            for i, name in enumerate(("Moreau", "Lefebvre", "Garcia", "Roux", "Fournier", "Girard", "Bonnet",
                                      "Dupont"), start=1)])
        connection.executemany("INSERT INTO patients VALUES (?, ?, ?, ?, ?, ?)", [
            (i, f"Patient {i:03d}", f"19{rng.randrange(40, 99)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}",
             rng.choice(CITIES), rng.choice(("F", "M")), None if i % 7 == 0 else f"06{rng.randrange(10**7, 10**8)}")
            for i in range(1, 121)])
        connection.executemany('INSERT INTO "Patient Visits" VALUES (?, ?, ?, ?, ?, ?)', [
            (i, rng.randrange(1, 121), rng.randrange(1, 9), f"2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 28):02d}",
             rng.choice((25, 30, 50, 60, None)), rng.choice(("done", "done", "done", "cancelled", "no-show")))
            for i in range(1, 301)])
        connection.executemany("INSERT INTO medications VALUES (?, ?, ?, ?)", [
            (i, f"Medic{i:02d}", None if i % 9 == 0 else round(rng.uniform(2, 80), 2), rng.randrange(0, 500))
            for i in range(1, 41)])
        connection.executemany("INSERT OR IGNORE INTO prescriptions VALUES (?, ?, ?, ?)", [
            (rng.randrange(1, 301), rng.randrange(1, 41), rng.choice((5, 10, 20, 50)), rng.randrange(1, 30))
            for _ in range(200)])
    connection.close()
    docs = directory / "clinic-docs"
    docs.mkdir()
    for name, text in DOCS.items():
        (docs / name).write_text(text)
    return db, docs
