"""The offline model's responses as they go on the wire: JSON rendered compact in UTF-8, byte for
byte as the server sent it when it ran on FastAPI (Starlette's ``JSONResponse``)."""

from __future__ import annotations

import json
from typing import Any, Mapping

from aiohttp import web


def json_response(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> web.Response:
    body = json.dumps(content, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":"))
    return web.Response(body=body.encode(), status=status, headers=headers, content_type="application/json")
