"""A second, small web application for the tests: a shopping list served by the standard library
(http.server) over a SQLite file, with a form to add an item and a page per item."""

from __future__ import annotations

import sqlite3
from pathlib import Path

APP = r'''
import html, sqlite3, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

DB = "items.db"
PAGE = ("<!DOCTYPE html><html><head><title>{title}</title></head><body><nav><a href='/'>Shopping list</a> "
        "<a href='/about'>About</a></nav><main>{body}</main></body></html>")


class Handler(BaseHTTPRequestHandler):
    def page(self, title, body):
        data = PAGE.format(title=html.escape(title), body=body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/about":
            return self.page("About", "<h1>About</h1><p>A list of things to buy.</p>")
        with sqlite3.connect(DB) as db:
            items = db.execute("SELECT name FROM item ORDER BY id").fetchall()
        rows = "".join(f"<li>{html.escape(name)}</li>" for (name,) in items)
        form = ("<form method='post' action='/add'><label for='item'>New item</label> "
                "<input id='item' name='item'> <button type='submit'>Add</button></form>")
        self.page("Shopping list", f"<h1>Shopping list</h1><ul>{rows}</ul>{form}")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        item = parse_qs(self.rfile.read(length).decode()).get("item", [""])[0].strip()
        if item:
            with sqlite3.connect(DB) as db:
                db.execute("INSERT INTO item (name) VALUES (?)", (item,))
        self.send_response(303)
        self.send_header("Location", "/")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''


def make_app(directory: Path) -> tuple[Path, Path]:
    """(the app's state directory, its documentation directory)."""
    state = directory / "shopping"
    state.mkdir(parents=True)
    (state / "app.py").write_text(APP)
    with sqlite3.connect(state / "items.db") as db:
        db.execute("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        db.executemany("INSERT INTO item (name) VALUES (?)", [("milk",), ("bread",)])
    docs = directory / "docs"
    docs.mkdir()
    (docs / "shopping.md").write_text("# Shopping list\n\nAdd what you need to buy with the New item field and the "
                                      "Add button. The About page says what the list is for.\n")
    return state, docs
