"""Trac's own user guide as documentation for self-instruct: the TracGuide wiki pages that ship inside the
Trac package (``trac/wiki/default-pages``), rendered to HTML by Trac's own wiki formatter so the project's
HTML loader reads them. Run ``python -m lbi.envs.web.trac_guide`` after a Trac upgrade; a test checks that the
shipped copies are what the installed Trac renders."""

from __future__ import annotations

import html
import sys
import warnings
from pathlib import Path

from lbi.envs.web.family import GUIDE_DIR

# The guide's pages about using Trac (not installing or administering a server).
PAGES = ("TracGuide", "TracWiki", "WikiFormatting", "WikiPageNames", "WikiNewPage", "TracLinks", "TracTickets",
         "TracQuery", "TicketQuery", "TracReports", "TracRoadmap", "TracTimeline", "TracSearch", "TracRss",
         "TracNavigation", "TracWorkflow", "TracBatchModify", "TracTicketsCustomFields", "TracChangeLog",
         "TracAccessibility", "TracNotification", "TracPermissions", "WikiMacros",
         "WikiDeletePage", "CamelCase", "TracSupport", "TracFineGrainedPermissions", "InterTrac")
# Left out: InterWiki and WikiProcessors, whose rendered pages name a package registry's host, which this
# repository must not.


def source_dir() -> Path:
    import trac.wiki

    return Path(trac.wiki.__file__).parent / "default-pages"


def render_pages(site: Path) -> dict[str, str]:
    """Page name -> the HTML document Trac's formatter makes of it (in the prepared site's environment)."""
    from trac.env import Environment
    from trac.test import MockRequest
    from trac.web.chrome import web_context
    from trac.wiki.formatter import format_to_html

    env = Environment(str(site / "env"))
    request = MockRequest(env)
    pages = {}
    for name in PAGES:
        text = (source_dir() / name).read_text(encoding="utf-8")
        body = str(format_to_html(env, web_context(request, "wiki", name), text))
        pages[name] = (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{html.escape(name)}</title>"
                       f"</head>\n<body>\n{body}\n</body></html>\n")
    env.shutdown()
    return pages


def write(site: Path, directory: Path = GUIDE_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, page in render_pages(site).items():
        path = directory / f"{name}.html"
        path.write_text(page, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    from lbi.envs.web.trac_site import materialize

    print(f"wrote {len(write(Path(sys.argv[1]) if len(sys.argv) > 1 else materialize()))} pages to {GUIDE_DIR}")
