"""Logging an episode's user in before the browser is up: one request to the login path with HTTP basic
credentials (it also warms the application's first request); its cookies go into the browser's context."""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

TIMEOUT_S = 30


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # keep the 302 and its cookies
        return None


def session_cookies(url: str, user: str, password: str) -> list[dict]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}"})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        response = opener.open(request, timeout=TIMEOUT_S)
    except urllib.error.HTTPError as answer:
        response = answer
    if response.status >= 400:
        raise RuntimeError(f"logging in at {url} failed: HTTP {response.status}")
    host = urlsplit(url).hostname
    cookies = []
    for header in response.headers.get_all("Set-Cookie") or []:
        for name, morsel in SimpleCookie(header).items():
            cookies.append({"name": name, "value": morsel.value, "domain": host, "path": morsel["path"] or "/"})
    return cookies
