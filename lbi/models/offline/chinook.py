"""What the offline model knows about the Chinook music-store database: its schema and some of its values."""

from __future__ import annotations

import re

TABLES: dict[str, tuple[str, ...]] = {
    "Album": ("AlbumId", "Title", "ArtistId"),
    "Artist": ("ArtistId", "Name"),
    "Customer": ("CustomerId", "FirstName", "LastName", "Company", "Address", "City", "State", "Country",
                 "PostalCode", "Phone", "Fax", "Email", "SupportRepId"),
    "Employee": ("EmployeeId", "LastName", "FirstName", "Title", "ReportsTo", "BirthDate", "HireDate", "Address",
                 "City", "State", "Country", "PostalCode", "Phone", "Fax", "Email"),
    "Genre": ("GenreId", "Name"),
    "Invoice": ("InvoiceId", "CustomerId", "InvoiceDate", "BillingAddress", "BillingCity", "BillingState",
                "BillingCountry", "BillingPostalCode", "Total"),
    "InvoiceLine": ("InvoiceLineId", "InvoiceId", "TrackId", "UnitPrice", "Quantity"),
    "MediaType": ("MediaTypeId", "Name"),
    "Playlist": ("PlaylistId", "Name"),
    "PlaylistTrack": ("PlaylistId", "TrackId"),
    "Track": ("TrackId", "Name", "AlbumId", "MediaTypeId", "GenreId", "Composer", "Milliseconds", "Bytes",
              "UnitPrice"),
}
COLUMNS = frozenset(column for columns in TABLES.values() for column in columns)

# table -> (singular, plural) as a person says them
NOUNS: dict[str, tuple[str, str]] = {
    "Album": ("album", "albums"),
    "Artist": ("artist", "artists"),
    "Customer": ("customer", "customers"),
    "Employee": ("employee", "employees"),
    "Genre": ("genre", "genres"),
    "Invoice": ("invoice", "invoices"),
    "InvoiceLine": ("invoice line", "invoice lines"),
    "MediaType": ("media type", "media types"),
    "Playlist": ("playlist", "playlists"),
    "PlaylistTrack": ("playlist entry", "playlist entries"),
    "Track": ("track", "tracks"),
}

_COLUMN_WORDS = {
    "Milliseconds": "length in milliseconds",
    "Bytes": "size in bytes",
    "Total": "total amount",
    "ReportsTo": "manager's employee id",
    "SupportRepId": "support rep id",
}

GENRES = ("Rock", "Jazz", "Metal", "Blues", "Latin", "Reggae", "Pop", "Classical", "Bossa Nova",
          "Alternative & Punk", "Soundtrack", "Heavy Metal")
COUNTRIES = ("USA", "Canada", "Brazil", "France", "Germany", "United Kingdom", "Portugal", "India",
             "Czech Republic")
ARTISTS = ("Iron Maiden", "Led Zeppelin", "Deep Purple", "Metallica", "U2", "Ozzy Osbourne", "Pearl Jam",
           "Foo Fighters", "Van Halen", "Queen", "Santana", "Miles Davis", "AC/DC", "Aerosmith")
PLAYLISTS = ("Grunge", "Heavy Metal Classic", "Brazilian Music", "Classical", "Music Videos", "90’s Music")
YEARS = ("2007", "2008", "2009", "2010", "2011")
TITLE_WORDS = ("Love", "Night", "Time", "Rain", "Fire", "Heart", "Blues", "Sun")
SUPPORT_REPS = ("Jane Peacock", "Margaret Park", "Steve Johnson")
NEW_GENRES = ("Synthwave", "K-Pop", "Lo-Fi", "Afrobeat", "Shoegaze")


def split_words(identifier: str) -> str:
    """'BillingCountry' -> 'billing country'; 'GenreId' -> 'genre id'."""
    return " ".join(w.lower() for w in re.findall(r"[A-Z][a-z]*|[a-z]+|\d+", identifier))


def column_words(column: str) -> str:
    return _COLUMN_WORDS.get(column, split_words(column))


def table_mentions(text: str) -> dict[str, int]:
    """How often the text names each table (by table name or noun), in order of first mention."""
    found = []
    for table, (singular, plural) in NOUNS.items():
        forms = "|".join(re.escape(f) for f in sorted({table.lower(), singular, plural}, key=len, reverse=True))
        matches = [m.start() for m in re.finditer(rf"\b(?:{forms})\b", text, re.IGNORECASE)]
        if matches:
            found.append((matches[0], table, len(matches)))
    return {table: count for _, table, count in sorted(found)}


def tables_mentioned(text: str) -> list[str]:
    return list(table_mentions(text))


def columns_mentioned(text: str) -> list[str]:
    return sorted(c for c in COLUMNS if re.search(rf"\b{c}\b", text))
