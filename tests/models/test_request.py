"""A request's stored and posted text: the secret never in it, nothing Postgres cannot store, and the
same text (and hash) whether its strings needed changing or not."""

from __future__ import annotations

import json

import pytest

from lbi.models.client import Request

SECRET = 'sk-"quoted\\secret\n'  # characters JSON escapes, so it shows escaped in the request's text


def _body(content: str) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": content}], "metadata": {"lbi_role": "judge"}}


@pytest.mark.parametrize("content, stored", [
    (f"the key is {SECRET} here", "the key is *** here"),
    ("a NUL \x00 here", "a NUL \ufffd here"),
    ("a lone \ud800 surrogate", "a lone \ufffd surrogate"),
    ("a backslash-u text \\u0000 is left as it is", "a backslash-u text \\u0000 is left as it is"),
    ("plain text, 'quotes' \"and\" \\ backslashes\tand tabs", "plain text, 'quotes' \"and\" \\ backslashes\tand tabs"),
])
def test_a_request_s_text_is_scrubbed_and_storable(content: str, stored: str) -> None:
    request = Request.of(_body(content), secret=SECRET)
    assert request.body["messages"][0]["content"] == stored
    assert json.loads(request.canonical) == request.body and SECRET not in request.canonical
    request.canonical.encode()  # UTF-8 holds it: no lone surrogate
    assert "\\u0000" not in request.canonical.replace("\\\\", "") and "\x00" not in request.canonical
    assert request.key == Request.of(_body(stored), secret=SECRET).key, "the same stored text, the same hash"


def test_without_a_secret_nothing_is_replaced() -> None:
    assert Request.of(_body("*** stays"), secret="").body["messages"][0]["content"] == "*** stays"
