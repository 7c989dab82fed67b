"""Document loaders: every format, every rejection, and the directory walk."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import os
from pathlib import Path

import pytest

from lbi.docs.loaders import Document, Skipped, iter_documents, load_document
from lbi.errors import DocumentRejected

REAL_MAN_DIR = Path("/usr/share/man/man1")
REAL_INFO_DIR = Path("/usr/share/info")


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def write_gz(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    return write(path, gzip.compress(content))


# -- HTML -----------------------------------------------------------------------
PAGE = """<!DOCTYPE html>
<html><head><title>Query  Planner</title>
<style>p { color: red }</style><script>document.write("<p>hidden</p>")</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/toc">Contents</a></nav>
<h1>The Query Planner</h1>
<p>SQLite &amp; friends use <b>indexes</b>
to speed up<br>lookups.</p>
<h2>Details</h2>
<ul><li>first item<li><p>second item</p>
  <ul><li>nested</li></ul></li></ul>
<ol><li>one</li><li>two</li></ol>
<pre>
SELECT *
  FROM t   WHERE x = 1;
# not a heading
</pre>
<table><tr><th>Name</th><th>Type</th></tr>
<tr><td>id</td><td>INTEGER</td></tr><tr><td>name<td>TEXT</tr></table>
<script>var later = 1;</script>
</body></html>
"""


def test_html_extracts_structure_and_drops_chrome(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "planner.html", PAGE))
    assert doc.format == "html"
    assert doc.title == "Query Planner"
    assert doc.text.startswith("# The Query Planner\n\nSQLite & friends use indexes to speed up\nlookups.")
    assert "\n## Details\n" in doc.text
    assert "- first item\n- second item\n  - nested" in doc.text
    assert "1. one\n2. two" in doc.text
    assert "```\nSELECT *\n  FROM t   WHERE x = 1;\n# not a heading\n```" in doc.text
    assert "Name | Type\nid | INTEGER\nname | TEXT" in doc.text
    for dropped in ("hidden", "color", "Home", "Contents", "later"):
        assert dropped not in doc.text


def test_html_title_falls_back_to_first_h1_then_file_name(tmp_path: Path) -> None:
    with_h1 = load_document(write(tmp_path / "a.htm", "<h2>Minor</h2><h1>Major</h1><p>x</p>"))
    assert with_h1.title == "Major"
    bare = load_document(write(tmp_path / "release-notes.html", "<p>only a paragraph</p>"))
    assert bare.title == "release-notes"


def test_html_with_only_scripts_is_rejected(tmp_path: Path) -> None:
    path = write(tmp_path / "app.html", "<html><head><title>App</title></head><script>x()</script></html>")
    with pytest.raises(DocumentRejected, match="no text left"):
        load_document(path)


# -- Markdown and plain text ----------------------------------------------------------
def test_markdown_is_kept_with_normalised_whitespace(tmp_path: Path) -> None:
    raw = "Intro line   \r\n\r\n\r\n\r\n# Install\r\n\r\nRun `make`.\t\r\n"
    doc = load_document(write(tmp_path / "guide.md", raw))
    assert doc.format == "markdown"
    assert doc.title == "Install"
    assert doc.text == "Intro line\n\n# Install\n\nRun `make`."


def test_markdown_title_sources(tmp_path: Path) -> None:
    fenced = "```\n# comment in code\n```\n\nSetext title\n============\n\nbody\n"
    assert load_document(write(tmp_path / "a.md", fenced)).title == "Setext title"
    front = "---\ntitle: \"From front matter\"\n---\n# Heading\n"
    assert load_document(write(tmp_path / "b.markdown", front)).title == "From front matter"
    assert load_document(write(tmp_path / "c.md", "no heading here\n")).title == "c"


def test_plain_text(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "NOTES.txt", "\ufeffRelease notes\n-------------\n\nFixed bugs.  \n"))
    assert doc.format == "text"
    assert doc.title == "Release notes"
    assert doc.text == "Release notes\n-------------\n\nFixed bugs."
    assert load_document(write(tmp_path / "readme.txt", "just text")).title == "readme"


def test_document_is_frozen_and_hashed(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "a.md", "# A\n\ntext\n"))
    assert doc.content_hash == hashlib.sha256(doc.text.encode("utf-8")).hexdigest()
    assert doc.source == str(tmp_path / "a.md")
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.title = "changed"  # type: ignore[misc]
    same_text = load_document(write(tmp_path / "b.md", "# A\r\n\r\ntext   \r\n"))
    assert same_text.content_hash == doc.content_hash


# -- man pages --------------------------------------------------------------------
MAN_PAGE = r""".\" A comment that must not appear
.de XX
.B this macro body is never shown
..
.ie n .ds Q ""
.el .ds Q ``
.TH FROB 1 "2024-01-01" "frob 1.0" "User Commands"
.SH NAME
frob \- twiddle the \fBbits\fR
.SH SYNOPSIS
.B frob
.RB [ \-v ]
.I file ...
.SH DESCRIPTION
.B frob
reads
.I file
and prints it \(em reversed.  \" trailing comment
Backslashes look like \e and quotes like \*Qthis\*Q.
.PP
Second paragraph.
.SS Options
.TP
.BR \-v ", " \-\-verbose
Say more.
.IP \(bu 2
A bullet item.
.nf
verbatim   line one
  verbatim line two
.fi
.if t .B typeset only
Last words.
"""


def test_man_page_is_converted(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "frob.1", MAN_PAGE))
    assert doc.format == "man"
    assert doc.title == "frob - twiddle the bits"
    text = doc.text
    assert text.startswith("# NAME\n\nfrob - twiddle the bits\n\n# SYNOPSIS\n\nfrob [-v] file ...")
    assert "frob reads file and prints it \u2014 reversed. Backslashes look like \\ and quotes" in text
    assert 'quotes like "this".' in text
    assert "\n\nSecond paragraph.\n\n## Options\n\n-v, --verbose\n    Say more." in text
    assert "\u2022   A bullet item." in text
    assert "verbatim   line one\n      verbatim line two" in text
    for absent in ("comment", "macro body", "typeset only", "\\f", ".TH"):
        assert absent not in text


@pytest.mark.parametrize("name", ["frob.1.gz", "frob.8", "frob.3pm.gz", "frob.5"])
def test_man_page_names_and_compression(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    (write_gz if name.endswith(".gz") else write)(path, MAN_PAGE)
    doc = load_document(path)
    assert doc.format == "man"
    assert "Second paragraph." in doc.text


def test_man_page_that_only_includes_another_is_rejected(tmp_path: Path) -> None:
    path = write_gz(tmp_path / "rfrob.1.gz", ".so man1/frob.1\n")
    with pytest.raises(DocumentRejected, match=r"only includes another page \(man1/frob.1\)"):
        load_document(path)


def test_man_page_accepts_latin1_but_markdown_does_not(tmp_path: Path) -> None:
    latin1 = ".TH CAFE 1\n.SH NAME\ncaf\xe9 \\- coffee\n".encode("latin-1")
    assert load_document(write(tmp_path / "cafe.1", latin1)).title == "caf\xe9 - coffee"
    with pytest.raises(DocumentRejected, match="not valid UTF-8"):
        load_document(write(tmp_path / "cafe.md", "# caf\xe9\n".encode("latin-1")))


def test_mdoc_page(tmp_path: Path) -> None:
    page = (
        ".Dd January 1, 2024\n.Dt ZAP 1\n.Os\n.Sh NAME\n.Nm zap\n.Nd remove things\n"
        ".Sh SYNOPSIS\n.Nm\n.Op Fl fv\n.Ar file ...\n.Sh DESCRIPTION\nThe\n.Nm\nutility removes files.\n"
        ".Bl -tag -width Ds\n.It Fl f\nForce it, see\n.Xr rm 1 .\n.El\n"
    )
    doc = load_document(write(tmp_path / "zap.1", page))
    assert doc.title == "zap - remove things"
    assert "zap [-fv] file ..." in doc.text
    assert "The zap utility removes files." in doc.text
    assert "-f\n    Force it, see rm(1)." in doc.text


def test_real_man_page() -> None:
    pages = sorted(REAL_MAN_DIR.glob("ls.1*")) or sorted(REAL_MAN_DIR.glob("*.1.gz"))[:1]
    if not pages:
        pytest.skip(f"no man pages in {REAL_MAN_DIR}")
    doc = load_document(pages[0])
    assert doc.format == "man"
    assert "# NAME" in doc.text
    assert "\\f" not in doc.text and "\n.TH" not in doc.text


# -- info files -------------------------------------------------------------------
INFO = (
    "This is widget.info, produced by makeinfo version 6.8 from widget.texi.\n\n"
    "INFO-DIR-SECTION Tools\nSTART-INFO-DIR-ENTRY\n* Widget: (widget).  Widgets.\nEND-INFO-DIR-ENTRY\n\n"
    "\x1f\nFile: widget.info,  Node: Top,  Next: Usage,  Up: (dir)\n\n"
    "Widget Manual\n*************\n\nThis manual documents widgets.\n\n"
    "* Menu:\n\n* Usage::     How to use it.\n\n"
    "\x1f\nFile: widget.info,  Node: Usage,  Prev: Top,  Up: Top\n\n"
    "1 Usage\n*******\n\nRun 'widget --spin'.\n\n1.1 Options\n===========\n\n"
    "'--spin'\n     Spin the widget.\n\n"
    "\x1f\nFile: widget.info,  Node: Index,  Prev: Usage,  Up: Top\n\nIndex\n*****\n\n"
    "\x00\x08[index\x00\x08]\n* Menu:\n\n* spin:    Usage.    (line 6)\n\n"
    "\x1f\nTag Table:\nNode: Top\x7f80\nNode: Usage\x7f300\n\x1f\nEnd Tag Table\n\n"
    "\x1f\nLocal Variables:\ncoding: utf-8\nEnd:\n"
)


def test_info_file_keeps_node_text_only(tmp_path: Path) -> None:
    doc = load_document(write(tmp_path / "widget.info", INFO))
    assert doc.format == "info"
    assert doc.title == "widget: Widget Manual"
    assert doc.text.startswith("# Widget Manual\n\nThis manual documents widgets.\n\n# 1 Usage")
    assert "## 1.1 Options\n\n'--spin'\n     Spin the widget." in doc.text
    for absent in ("\x1f", "\x7f", "\x00", "\x08", "Tag Table", "File:", "* Menu", "INFO-DIR", "coding"):
        assert absent not in doc.text


@pytest.mark.parametrize("name", ["widget.info.gz", "widget.info-2.gz", "widget.info-1"])
def test_info_names_and_compression(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    (write_gz if name.endswith(".gz") else write)(path, INFO)
    assert load_document(path).title == "widget: Widget Manual"


def test_indirect_info_file_is_rejected(tmp_path: Path) -> None:
    indirect = "Preamble.\n\x1f\nIndirect:\nw.info-1: 100\n\x1f\nTag Table:\n(Indirect)\nNode: Top\x7f100\n\x1f\nEnd Tag Table\n"
    with pytest.raises(DocumentRejected, match="info index file"):
        load_document(write_gz(tmp_path / "w.info.gz", indirect))


def test_real_info_file() -> None:
    files = sorted(REAL_INFO_DIR.glob("*.info.gz")) if REAL_INFO_DIR.is_dir() else []
    for path in files:
        try:
            doc = load_document(path)
        except DocumentRejected:
            continue  # an indirect table of contents
        assert doc.format == "info"
        assert not any(char in doc.text for char in "\x00\x08\x1f\x7f")
        assert ": " in doc.title
        return
    pytest.skip(f"no loadable info file in {REAL_INFO_DIR}")


# -- rejections -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("blank.txt", b"  \n\t\r\n  ", "empty"),
        ("nul.html", b"<p>text</p>\x00\x01\x02", "binary content (contains NUL bytes)"),
        ("controls.txt", bytes(range(1, 9)) * 20 + b"some text", "binary content (mostly non-text bytes)"),
        ("bad.md", b"# Title\n\xff\xfe broken", "not valid UTF-8"),
        ("empty.1.gz", gzip.compress(b"", mtime=0), "empty after decompression"),
        ("corrupt.1.gz", b"\x1f\x8b\x08 definitely not gzip", "not a valid gzip file"),
        ("plain.1.gz", b"not gzip at all", "not a valid gzip file"),
        ("comments.1", b'.\\" only a comment\n.TH X 1\n', "no text left"),
    ],
)
def test_rejections(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(DocumentRejected) as caught:
        load_document(path)
    assert reason in str(caught.value)
    assert str(path) in str(caught.value)


def test_size_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024**3)  # sparse: reading it would take far too long
    with pytest.raises(DocumentRejected, match="exceeds the limit of 5000000"):
        load_document(path)
    small = write(tmp_path / "small.txt", "x" * 101)
    with pytest.raises(DocumentRejected, match="101 bytes exceeds the limit of 100"):
        load_document(small, max_bytes=100)
    assert load_document(small, max_bytes=101).text == "x" * 101


def test_gzip_bomb_is_rejected(tmp_path: Path) -> None:
    bomb = write(tmp_path / "bomb.1.gz", gzip.compress(b".TH A 1\n" + b"a" * 20_000))
    assert bomb.stat().st_size < 1000
    with pytest.raises(DocumentRejected, match="possible gzip bomb"):
        load_document(bomb, max_bytes=1000)
    assert load_document(bomb, max_bytes=3000).format == "man"


def test_unsupported_and_irregular_files(tmp_path: Path) -> None:
    with pytest.raises(DocumentRejected, match=r"unsupported extension '\.pdf'"):
        load_document(write(tmp_path / "manual.pdf", "%PDF"))
    with pytest.raises(DocumentRejected, match=r"unsupported extension '\(none\)'"):
        load_document(write(tmp_path / "README", "text"))
    with pytest.raises(DocumentRejected, match=r"not a regular file \(directory\)"):
        load_document(tmp_path)
    with pytest.raises(DocumentRejected, match="no such file"):
        load_document(tmp_path / "missing.md")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_rejected_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    with pytest.raises(DocumentRejected, match=r"not a regular file \(special file\)"):
        load_document(fifo)


# -- directory walk -------------------------------------------------------------------
def make_tree(root: Path) -> None:
    write(root / "b.md", "# B\n")
    write(root / "a.txt", "A text\n")
    write(root / "sub" / "c.html", "<h1>C</h1>")
    write(root / "sub" / "deeper" / "d.1", ".TH D 1\n.SH NAME\nd \\- dee\n")
    write(root / "sub" / "empty.md", "")
    write(root / "sub" / "image.png", b"\x89PNG\x00\x00")
    write(root / ".hidden.md", "# hidden\n")
    write(root / ".git" / "notes.md", "# hidden dir\n")
    write(root / "z" / "e.info", INFO)


def test_walk_is_sorted_recursive_and_skips_hidden(tmp_path: Path) -> None:
    make_tree(tmp_path)
    items = list(iter_documents([tmp_path]))
    assert [Path(item.source).relative_to(tmp_path).as_posix() for item in items] == [
        "a.txt", "b.md", "sub/c.html", "sub/deeper/d.1", "sub/empty.md", "z/e.info",
    ]
    assert isinstance(items[4], Skipped) and items[4].reason == "empty file"
    assert all(isinstance(item, Document) for i, item in enumerate(items) if i != 4)
    assert items == list(iter_documents([tmp_path]))


def test_walk_does_not_follow_symlinked_directories(tmp_path: Path) -> None:
    make_tree(tmp_path / "docs")
    write(tmp_path / "elsewhere" / "outside.md", "# outside\n")
    (tmp_path / "docs" / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "docs" / "loop").symlink_to(tmp_path / "docs", target_is_directory=True)
    (tmp_path / "docs" / "alias.md").symlink_to(tmp_path / "elsewhere" / "outside.md")
    sources = [Path(item.source).relative_to(tmp_path / "docs").as_posix() for item in iter_documents([tmp_path / "docs"])]
    assert "alias.md" in sources
    assert not any(source.startswith(("link/", "loop/")) for source in sources)


def test_explicit_paths_are_always_reported(tmp_path: Path) -> None:
    make_tree(tmp_path)
    explicit = [tmp_path / "sub" / "image.png", tmp_path / "nope.md", tmp_path / ".hidden.md", tmp_path / "b.md"]
    items = list(iter_documents(explicit))
    assert isinstance(items[0], Skipped) and "unsupported extension '.png'" in items[0].reason
    assert isinstance(items[1], Skipped) and items[1].reason == "no such file"
    assert [type(item) for item in items[2:]] == [Document, Document]


def test_max_docs_counts_documents_only(tmp_path: Path) -> None:
    make_tree(tmp_path)
    items = list(iter_documents([tmp_path / "sub", tmp_path], max_docs=3))
    assert [type(item).__name__ for item in items] == ["Document", "Document", "Skipped", "Document"]
    assert list(iter_documents([tmp_path], max_docs=0)) == []
    with pytest.raises(ValueError):
        list(iter_documents([tmp_path], max_docs=-1))


def test_walk_passes_max_bytes(tmp_path: Path) -> None:
    write(tmp_path / "big.md", "# Big\n" + "x" * 200)
    (item,) = iter_documents([tmp_path], max_bytes=100)
    assert isinstance(item, Skipped) and "exceeds the limit of 100" in item.reason


def test_html_declared_charset_is_honoured_but_undeclared_bytes_are_not(tmp_path: Path) -> None:
    declared = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>caf\xe9</p>'
    assert load_document(write(tmp_path / "a.html", declared.encode("latin-1"))).text == "caf\xe9"
    with pytest.raises(DocumentRejected, match="not valid UTF-8"):
        load_document(write(tmp_path / "b.html", "<p>caf\xe9</p>".encode("latin-1")))
