"""Write the report for one environment (or all) to a directory."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from lbi.report import figures, html


def write_report(engine: sa.Engine, *, environment_id: str | None, out_dir: Path) -> tuple[Path, figures.Figures]:
    with engine.connect() as conn:
        data = figures.collect(conn, environment_id=environment_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    path.write_text(html.render(data), encoding="utf-8")
    return path, data
