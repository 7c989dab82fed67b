"""Inline svg is cut out before HTML is parsed (lbi.docs.html.without_svg_content): the text is what the
parser alone extracts, on pages written here and on the SQLite manual's real pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from lbi.docs.html import html_to_text, parsed, without_svg_content
from lbi.envs.sqlite.family import MANUAL_PAGES, SQLITE_MANUAL



PAGES = {
    "nested, titled and empty svgs": "<h1>Joins</h1><svg><title>diagram</title><svg><text>inner</text></svg>"
                                     "<text>outer</text></svg><p>after</p><svg/><p>then</p><SVG width=1>x</SVG>",
    "svg tags in a comment, script and style": "<p>one</p><!-- <svg> --><script>s = '<svg>';</script>"
                                               "<style>svg:after { content: '</svg>' }</style><svg><text>gone"
                                               "</text></svg><p>two</p>",
    "a script inside an svg, closing it in a string": "<svg><text>a</text><script>x = '</svg>'</script>"
                                                     "<text>b</text></svg><p>after</p>",
    "an svg never closed": "<p>kept</p><svg><text>t</text><p>inside</p>",
    "a comment never closed": "<p>kept</p><svg><text>t</text></svg><!-- <svg> <p>x</p>",
    "an svg closing an unclosed head": "<head><title>T</title><svg><text>d</text></svg>Hello<p>x</p>",
}


@pytest.mark.parametrize("markup", PAGES.values(), ids=PAGES.keys())
def test_the_text_is_what_the_parser_alone_extracts(markup: str) -> None:
    assert html_to_text(markup) == parsed(markup)


def test_svg_content_is_cut_and_the_rest_kept() -> None:
    cut = without_svg_content(PAGES["nested, titled and empty svgs"])
    assert cut == "<h1>Joins</h1><svg></svg><p>after</p><svg/><p>then</p><svg></svg>"
    opaque = PAGES["svg tags in a comment, script and style"]
    assert "gone" not in without_svg_content(opaque) and html_to_text(opaque).text == "one\n\ntwo"
    assert without_svg_content(PAGES["a script inside an svg, closing it in a string"]) == "<svg></svg><p>after</p>"
    assert without_svg_content(PAGES["an svg never closed"]) == PAGES["an svg never closed"]


def test_unclosed_openers_are_read_once() -> None:
    hostile = "<!--" + "<style" * 200_000 + "<svg>" * 200_000
    assert without_svg_content(hostile) == hostile


@pytest.mark.skipif(not (SQLITE_MANUAL / MANUAL_PAGES[0]).is_file(), reason="the sqlite3 documentation is not installed")
def test_the_sqlite_manual_reads_the_same() -> None:
    pages = [SQLITE_MANUAL / page for page in MANUAL_PAGES] + sorted(Path(SQLITE_MANUAL).glob("*.html"))
    for page in pages:
        markup = page.read_text(encoding="utf-8", errors="replace")
        assert html_to_text(markup) == parsed(markup), page
