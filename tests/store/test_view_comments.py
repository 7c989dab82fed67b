"""Every analysts' view and every column of one carries a COMMENT (migrations), and docs/schema.md names it."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

SCHEMA_DOC = Path(__file__).resolve().parents[2] / "docs" / "schema.md"

_VIEW_COLUMNS = sa.text("""
    SELECT c.relname AS view, a.attname AS column, col_description(c.oid, a.attnum) AS comment,
           obj_description(c.oid, 'pg_class') AS view_comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'lbi' AND c.relkind = 'v' ORDER BY c.relname, a.attnum
""")


def view_columns(engine: sa.Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return list(conn.execute(_VIEW_COLUMNS))


def documented_columns(view: str) -> set[str]:
    """The backquoted names in the table under the '### ... `lbi.VIEW`' heading of docs/schema.md."""
    text = SCHEMA_DOC.read_text()
    match = re.search(rf"^###[^\n]*`lbi\.{view}`[^\n]*\n(.*?)(?=^#)", text, re.MULTILINE | re.DOTALL)
    assert match, f"docs/schema.md has no section for lbi.{view}"
    return set(re.findall(r"^\| `([a-z_0-9]+)`", match.group(1), re.MULTILINE)) | \
        {name for row in re.findall(r"^\|([^|]*)\|", match.group(1), re.MULTILINE)
         for name in re.findall(r"`([a-z_0-9]+)`", row)}


def test_every_view_and_view_column_has_a_comment(store: sa.Engine) -> None:
    rows = view_columns(store)
    assert {r.view for r in rows} >= {"accepted_dataset", "run_costs", "call_costs", "document_costs"}
    missing = [f"{r.view}.{r.column}" for r in rows if not (r.comment or "").strip()]
    assert not missing, f"view columns without a COMMENT: {missing}"
    assert not [r.view for r in rows if not (r.view_comment or "").strip()], "a view without a COMMENT"


def test_every_view_column_is_documented_in_schema_md(store: sa.Engine) -> None:
    by_view: dict[str, set[str]] = {}
    for row in view_columns(store):
        by_view.setdefault(row.view, set()).add(row.column)
    missing = [f"{view}.{column}" for view, columns in sorted(by_view.items())
               for column in sorted(columns - documented_columns(view))]
    assert not missing, f"view columns docs/schema.md does not document: {missing}"
