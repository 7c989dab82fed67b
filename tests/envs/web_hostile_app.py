"""A web application that misbehaves, for the containment tests: a script that never ends, dialogs, popups,
a download and a huge page."""

from __future__ import annotations

from pathlib import Path

APP = r'''
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGES = {
    "/": "<h1>Hostile</h1><button onclick='while(true){}'>Loop forever</button>"
         "<button onclick='alert(\"hello\")'>Alert</button>"
         "<button onclick='for(let i=0;i<8;i++)window.open(\"/\")'>Open popups</button>"
         "<a href='/download'>Download</a> <a href='/huge'>Huge</a>",
    "/huge": "<ul>" + "".join(f"<li><a href='/?{i}'>item {i}</a></li>" for i in range(60000)) + "</ul>",
}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/download":
            data = b"secret" * 1000
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Disposition", "attachment; filename=payload.bin")
        else:
            data = ("<!DOCTYPE html><html><head><title>Hostile</title></head><body>" + PAGES.get(self.path.split("?")[0], "")
                    + "</body></html>").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
'''
START = "python3 {state}/app.py {port}"


def make_hostile_app(directory: Path) -> Path:
    state = directory / "hostile"
    state.mkdir(parents=True)
    (state / "app.py").write_text(APP)
    return state
