"""The kinds of task the offline model proposes on Chinook, each with its sentences and the SQL plans that do it.

A template's placeholders ({genre}, {n}, ...) take values from ``PARAMETERS``;
``recognize`` inverts the templates, so the actor knows what a proposed task asks.
A step's SQL may hold ``{id}``: the first value the plan's look-up step returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from lbi.models.offline import chinook


@dataclass(frozen=True)
class Step:
    reason: str
    sql: str
    lookup: bool = False  # its first value fills {id} in later steps
    fallback: str | None = None  # the SQL to run instead when the look-up found nothing


@dataclass(frozen=True)
class TaskKind:
    name: str
    features: frozenset[str]
    tables: tuple[str, ...]  # the main table first
    templates: tuple[str, ...]
    plans: tuple[tuple[Step, ...], ...]  # alternative ways to do it
    writes: bool = False
    derived: dict[str, tuple[str, int]] = field(default_factory=dict)  # name -> (parameter, word index)


PARAMETERS: dict[str, tuple[str, ...]] = {
    "country": chinook.COUNTRIES, "genre": chinook.GENRES, "artist": chinook.ARTISTS, "year": chinook.YEARS,
    "playlist": chinook.PLAYLISTS, "word": chinook.TITLE_WORDS, "rep": chinook.SUPPORT_REPS,
    "table": tuple(chinook.TABLES), "new_genre": chinook.NEW_GENRES, "n": ("3", "5", "10"), "k": ("20", "25"),
    "price": ("0.89", "1.29", "1.49"),
}


def _kind(name: str, features: str, tables: str, templates: tuple[str, ...], *plans: tuple[Step, ...],
          **options: object) -> TaskKind:
    return TaskKind(name, frozenset(features.split()), tuple(tables.split()), templates, plans, **options)


def _genre_lookup(then: str, fallback: str, reason: str) -> tuple[Step, ...]:
    return (Step("Look up the id of the {genre} genre first.", "SELECT GenreId FROM Genre WHERE Name = '{genre}'",
                 lookup=True),
            Step(reason, then, fallback=fallback))


KINDS: tuple[TaskKind, ...] = (
    _kind("customers_in_country", "count aggregate where", "Customer",
          ("How many customers live in {country}?", "Count the customers whose country is {country}.",
           "Find out how many of the store's customers are based in {country}."),
          (Step("Count the customers with Country = '{country}'.",
                "SELECT COUNT(*) FROM Customer WHERE Country = '{country}'"),)),
    _kind("customers_listed_in_country", "where", "Customer",
          ("List the names and cities of the customers in {country}.",
           "Which customers are located in {country}, and in which cities?",
           "Show the first and last names of every customer from {country}, with their city."),
          (Step("Select the name and city of the customers in {country}.",
                "SELECT FirstName, LastName, City FROM Customer WHERE Country = '{country}'"),)),
    _kind("tracks_in_genre", "count aggregate join where", "Track Genre",
          ("How many tracks belong to the {genre} genre?", "Count the {genre} tracks in the catalogue.",
           "Find the number of tracks whose genre is {genre}."),
          _genre_lookup("SELECT COUNT(*) FROM Track WHERE GenreId = {id}",
                        "SELECT COUNT(*) FROM Track JOIN Genre ON Track.GenreId = Genre.GenreId "
                        "WHERE Genre.Name = '{genre}'", "Count the tracks with that genre id."),
          (Step("Join Track to Genre and count the {genre} tracks.",
                "SELECT COUNT(*) FROM Track JOIN Genre ON Track.GenreId = Genre.GenreId WHERE Genre.Name = '{genre}'"),)),
    _kind("average_length_in_genre", "avg aggregate join where", "Track Genre",
          ("What is the average length in milliseconds of {genre} tracks?",
           "Compute the average duration of the tracks in the {genre} genre.",
           "How long is a {genre} track on average, in milliseconds?"),
          _genre_lookup("SELECT AVG(Milliseconds) FROM Track WHERE GenreId = {id}",
                        "SELECT AVG(Track.Milliseconds) FROM Track JOIN Genre ON Track.GenreId = Genre.GenreId "
                        "WHERE Genre.Name = '{genre}'", "Average the Milliseconds of the tracks with that genre id."),
          (Step("Join Track to Genre and average the Milliseconds of the {genre} tracks.",
                "SELECT AVG(Track.Milliseconds) FROM Track JOIN Genre ON Track.GenreId = Genre.GenreId "
                "WHERE Genre.Name = '{genre}'"),)),
    _kind("sales_in_country", "sum aggregate where", "Invoice",
          ("What is the total amount invoiced to customers billed in {country}?",
           "Sum the invoice totals for the billing country {country}.",
           "How much revenue came from invoices billed to {country}?"),
          (Step("Sum the Total of the invoices billed to {country}.",
                "SELECT SUM(Total) FROM Invoice WHERE BillingCountry = '{country}'"),)),
    _kind("longest_tracks", "order limit", "Track",
          ("List the {n} longest tracks with their length in milliseconds.",
           "Which {n} tracks have the longest running time?",
           "Show the names and durations of the {n} longest tracks in the store."),
          (Step("Sort the tracks by Milliseconds, longest first, and keep {n}.",
                "SELECT Name, Milliseconds FROM Track ORDER BY Milliseconds DESC LIMIT {n}"),)),
    _kind("albums_by_artist", "join where", "Album Artist",
          ("List the titles of all albums by {artist}.", "Which albums in the store were recorded by {artist}?",
           "Show every album title credited to the artist {artist}."),
          (Step("Look up the id of the artist {artist}.", "SELECT ArtistId FROM Artist WHERE Name = '{artist}'",
                lookup=True),
           Step("List the titles of the albums with that artist id.", "SELECT Title FROM Album WHERE ArtistId = {id}",
                fallback="SELECT Album.Title FROM Album JOIN Artist ON Album.ArtistId = Artist.ArtistId "
                         "WHERE Artist.Name = '{artist}'")),
          (Step("Join Album to Artist and keep the albums by {artist}.",
                "SELECT Album.Title FROM Album JOIN Artist ON Album.ArtistId = Artist.ArtistId "
                "WHERE Artist.Name = '{artist}'"),)),
    _kind("customers_per_country", "group count aggregate order limit", "Customer",
          ("Which {n} countries have the most customers?",
           "Count the customers in each country and show the top {n} countries.",
           "Find the {n} countries with the largest number of customers."),
          (Step("Group the customers by Country, count them, and keep the top {n}.",
                "SELECT Country, COUNT(*) AS CustomerCount FROM Customer GROUP BY Country "
                "ORDER BY CustomerCount DESC LIMIT {n}"),)),
    _kind("tracks_titled", "like where", "Track",
          ("Find the tracks whose name contains the word '{word}'.", "List the tracks with '{word}' in their title.",
           "Which tracks have a name that mentions '{word}'?"),
          (Step("Match the track names against '%{word}%'.", "SELECT Name FROM Track WHERE Name LIKE '%{word}%'"),)),
    _kind("tracks_titled_count", "like count aggregate where", "Track",
          ("How many track names contain '{word}'?", "Count the tracks whose title includes the word '{word}'."),
          (Step("Count the track names matching '%{word}%'.",
                "SELECT COUNT(*) FROM Track WHERE Name LIKE '%{word}%'"),)),
    _kind("longest_artist_names", "string order limit", "Artist",
          ("Which {n} artists have the longest names?",
           "List the {n} artist names with the most characters, with their lengths."),
          (Step("Order the artists by LENGTH(Name), longest first, and keep {n}.",
                "SELECT Name, LENGTH(Name) AS NameLength FROM Artist ORDER BY NameLength DESC LIMIT {n}"),)),
    _kind("media_types_upper_case", "string", "MediaType",
          ("Show the name of every media type in upper case.",
           "List all media type names converted to capital letters."),
          (Step("Apply UPPER to the media type names.", "SELECT UPPER(Name) FROM MediaType"),)),
    _kind("customer_full_names", "string where", "Customer",
          ("List the full names and email addresses of the customers in {country}.",
           "Give me the full name and email of each customer based in {country}."),
          (Step("Concatenate first and last names for the customers in {country}.",
                "SELECT FirstName || ' ' || LastName AS FullName, Email FROM Customer WHERE Country = '{country}'"),)),
    _kind("invoices_in_year", "date count aggregate where", "Invoice",
          ("How many invoices were issued in {year}?", "Count the invoices dated in the year {year}."),
          (Step("Count the invoices whose InvoiceDate falls in {year}.",
                "SELECT COUNT(*) FROM Invoice WHERE strftime('%Y', InvoiceDate) = '{year}'"),)),
    _kind("revenue_per_year", "date group sum aggregate order", "Invoice",
          ("What was the store's total revenue in each year?", "Sum the invoice totals per year.",
           "Show the yearly sales totals of the store."),
          (Step("Group the invoices by the year of InvoiceDate and sum their Total.",
                "SELECT strftime('%Y', InvoiceDate) AS Year, SUM(Total) AS Revenue FROM Invoice "
                "GROUP BY Year ORDER BY Year"),)),
    _kind("customers_of_support_rep", "join where", "Customer Employee",
          ("List the customers whose support representative is {rep}.",
           "Which customers does the employee {rep} support?"),
          (Step("Join Customer to Employee on SupportRepId and keep {rep}'s customers.",
                "SELECT Customer.FirstName, Customer.LastName FROM Customer JOIN Employee "
                "ON Customer.SupportRepId = Employee.EmployeeId "
                "WHERE Employee.FirstName = '{rep_first}' AND Employee.LastName = '{rep_last}'"),),
          derived={"rep_first": ("rep", 0), "rep_last": ("rep", 1)}),
    _kind("billing_countries", "distinct order", "Invoice",
          ("Which distinct countries appear as billing countries on invoices?",
           "List each billing country used on invoices once, in alphabetical order."),
          (Step("Select the distinct BillingCountry values, sorted.",
                "SELECT DISTINCT BillingCountry FROM Invoice ORDER BY BillingCountry"),)),
    _kind("invoice_total_range", "minmax aggregate", "Invoice",
          ("What are the smallest and largest invoice totals?", "Find the minimum and maximum invoice total."),
          (Step("Take MIN and MAX of the invoice Total.", "SELECT MIN(Total), MAX(Total) FROM Invoice"),)),
    _kind("playlist_size", "join count aggregate where", "PlaylistTrack Playlist",
          ("How many tracks are on the '{playlist}' playlist?", "Count the tracks in the playlist named '{playlist}'."),
          (Step("Join PlaylistTrack to Playlist and count the entries of '{playlist}'.",
                "SELECT COUNT(*) FROM PlaylistTrack JOIN Playlist ON PlaylistTrack.PlaylistId = Playlist.PlaylistId "
                "WHERE Playlist.Name = '{playlist}'"),)),
    _kind("top_spending_customers", "join group sum aggregate order limit", "Customer Invoice",
          ("Who are the {n} customers who spent the most in total?",
           "List the {n} customers with the highest total spending, with the amount."),
          (Step("Join Customer to Invoice, sum Total per customer, and keep the top {n}.",
                "SELECT Customer.FirstName, Customer.LastName, SUM(Invoice.Total) AS TotalSpent FROM Customer "
                "JOIN Invoice ON Customer.CustomerId = Invoice.CustomerId GROUP BY Customer.CustomerId "
                "ORDER BY TotalSpent DESC LIMIT {n}"),)),
    _kind("tracks_longer_than_average", "subquery avg count aggregate where", "Track",
          ("How many tracks are longer than the average track?",
           "Count the tracks whose length is above the average length."),
          (Step("Compare each track's Milliseconds with the average from a subquery.",
                "SELECT COUNT(*) FROM Track WHERE Milliseconds > (SELECT AVG(Milliseconds) FROM Track)"),)),
    _kind("tracks_without_composer", "null count aggregate where", "Track",
          ("How many tracks have no composer listed?", "Count the tracks whose composer is unknown."),
          (Step("Count the tracks where Composer IS NULL.", "SELECT COUNT(*) FROM Track WHERE Composer IS NULL"),)),
    _kind("albums_with_many_tracks", "having group join count aggregate order", "Album Track",
          ("Which albums have at least {k} tracks?", "List the albums with {k} or more tracks, with their track counts."),
          (Step("Group the tracks by album and keep the albums with at least {k}.",
                "SELECT Album.Title, COUNT(*) AS TrackCount FROM Track JOIN Album ON Track.AlbumId = Album.AlbumId "
                "GROUP BY Album.AlbumId HAVING COUNT(*) >= {k} ORDER BY TrackCount DESC"),)),
    _kind("table_columns", "schema", "",
          ("Which columns does the {table} table have?", "Describe the structure of the {table} table.",
           "Show the column names and types of the {table} table."),
          (Step("PRAGMA table_info lists the columns of {table}.", "PRAGMA table_info({table})"),)),
    _kind("list_tables", "schema", "",
          ("Which tables does the database contain?", "List all tables in the Chinook database."),
          (Step("The sqlite_master table lists every table.",
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"),)),
    _kind("add_genre", "insert", "Genre",
          ("Add a new genre called '{new_genre}' to the catalogue.", "Create a genre named '{new_genre}'."),
          (Step("Insert the new genre; GenreId is assigned automatically.",
                "INSERT INTO Genre (Name) VALUES ('{new_genre}')"),
           Step("Check that the genre is now there.", "SELECT GenreId, Name FROM Genre WHERE Name = '{new_genre}'")),
          writes=True),
    _kind("reprice_genre", "update where", "Track Genre",
          ("Set the unit price of every {genre} track to {price}.",
           "Change the price of all tracks in the {genre} genre to {price}."),
          (Step("Look up the id of the {genre} genre first.", "SELECT GenreId FROM Genre WHERE Name = '{genre}'",
                lookup=True),
           Step("Update the UnitPrice of the tracks with that genre id.",
                "UPDATE Track SET UnitPrice = {price} WHERE GenreId = {id}",
                fallback="UPDATE Track SET UnitPrice = {price} "
                         "WHERE GenreId = (SELECT GenreId FROM Genre WHERE Name = '{genre}')")),
          writes=True),
)

_FEATURE_PATTERNS = {
    "count": r"\bcount\b", "avg": r"\bavg\s*\(|\baverage\b", "sum": r"\bsum\s*\(|\btotal\s*\(",
    "minmax": r"\b(?:min|max)\s*\(|\bminimum\b|\bmaximum\b", "aggregate": r"\baggregate",
    "group": r"\bgroup\s+by\b", "having": r"\bhaving\b", "order": r"\border\s+by\b|\bsort",
    "limit": r"\blimit\b", "join": r"\bjoin", "like": r"\blike\b|\bglob\b",
    "string": r"\b(?:upper|lower|length|substr|trim|replace|instr)\s*\(|\bstring\b|\|\|",
    "date": r"\b(?:strftime|date|datetime|julianday)\s*\(|\bdates?\b", "distinct": r"\bdistinct\b",
    "subquery": r"\bsubquer|\bexists\b|\bin\s*\(\s*select", "null": r"\bnull\b", "where": r"\bwhere\b",
    "insert": r"\binsert\b", "update": r"\bupdate\b",
    "schema": r"\bpragma\b|sqlite_master|sqlite_schema|\bschema\b|table_info",
}
COMMON_FEATURES = frozenset({"where", "null", "count"})  # words most documents use in passing


def features_in(text: str) -> set[str]:
    return {name for name, pattern in _FEATURE_PATTERNS.items() if re.search(pattern, text, re.IGNORECASE)}


def fill(text: str, values: dict[str, str], quote: bool = False) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", value.replace("'", "''") if quote else value)
    return text


def placeholders(text: str) -> list[str]:
    return re.findall(r"\{(\w+)\}", text)


@cache
def _template_patterns() -> tuple[tuple[re.Pattern[str], TaskKind], ...]:
    patterns = []
    for kind in KINDS:
        for template in kind.templates:
            pieces = re.split(r"\{(\w+)\}", template)
            regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(pieces))
            patterns.append((re.compile(regex + r"$", re.IGNORECASE), kind))
    return tuple(patterns)


def recognize(task: str) -> tuple[TaskKind, dict[str, str]] | None:
    """The kind of task a sentence asks for and its parameter values, for sentences ``propose`` writes."""
    sentence = " ".join(task.split())
    for pattern, kind in _template_patterns():
        if match := pattern.match(sentence):
            return kind, with_derived(kind, match.groupdict())
    return None


def with_derived(kind: TaskKind, values: dict[str, str]) -> dict[str, str]:
    values = dict(values)
    for name, (source, index) in kind.derived.items():
        words = values.get(source, "").split()
        values[name] = words[index] if len(words) > index else values.get(source, "")
    return values
