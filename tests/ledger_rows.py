"""Ledger rows for tests: numbered, with text Postgres cannot store, every fifth an error."""

from __future__ import annotations

from lbi.store import ledger


def numbered_row(number: int, request_json: str = "{}") -> ledger.CallRow:
    return ledger.CallRow(request_hash=f"h{number}", role="r", model="m", request_json=request_json,
                          status="error" if number % 5 == 0 else "ok", response_text=f"answer {number}\x00",
                          attempt=number % 3 + 1, prompt_tokens=number, completion_tokens=1)
