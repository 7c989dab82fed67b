"""Load documentation files (HTML, Markdown, text, man, info) as cleaned Documents."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from lbi.docs.decoding import decode_text
from lbi.docs.document import Document, Format, Skipped
from lbi.docs.formats import detect_kind
from lbi.docs.html import declared_charset, html_to_text
from lbi.docs.info import info_to_text, strip_inline_markers
from lbi.docs.man import man_to_text
from lbi.docs.plain import first_heading, normalize_text, title_from_name
from lbi.docs.reading import read_bytes
from lbi.errors import DocumentRejected

__all__ = ["Document", "Skipped", "load_document", "iter_documents", "DEFAULT_MAX_BYTES"]

DEFAULT_MAX_BYTES = 5_000_000
_MAX_TITLE_CHARS = 200


def load_document(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
    """Read, decode and clean one file; raises DocumentRejected saying why it cannot be used."""
    path = Path(path)
    _require_regular_file(path)
    kind = detect_kind(path)
    if kind is None:
        raise DocumentRejected(f"{path}: unsupported extension {path.suffix or '(none)'!r}")
    data = read_bytes(path, max_bytes=max_bytes, gzipped=kind.gzipped)
    if kind.format == "info":
        data = strip_inline_markers(data)
    raw = decode_text(path, data, fallback=_fallback_encoding(kind.format, data))
    if not raw.strip():
        raise DocumentRejected(f"{path}: empty (only whitespace)")
    title, text = _convert(path, kind.format, raw)
    text = normalize_text(text)
    if not text.strip():
        raise DocumentRejected(f"{path}: no text left after extracting the {kind.format} content")
    title = " ".join((title or title_from_name(path)).split())[:_MAX_TITLE_CHARS]
    return Document.build(str(path), title, kind.format, text)


def iter_documents(
    paths: Iterable[Path],
    *,
    max_docs: int | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Document | Skipped]:
    """Documents under ``paths`` in a deterministic order, with a Skipped for each unusable file.

    Directories are walked recursively in name order, skipping hidden entries and
    symlinked directories, and ignoring files whose extension names no known format.
    A file named explicitly is always reported, as a Document or a Skipped.
    """
    if max_docs is not None and max_docs < 0:
        raise ValueError(f"max_docs must be >= 0, got {max_docs}")
    loaded = 0
    if max_docs == 0:
        return
    for root in paths:
        for item in _walk(Path(root), max_bytes):
            yield item
            if isinstance(item, Document):
                loaded += 1
                if max_docs is not None and loaded >= max_docs:
                    return


def _walk(root: Path, max_bytes: int) -> Iterator[Document | Skipped]:
    if root.is_dir():
        yield from _walk_directory(root, max_bytes)
    else:
        yield _load_or_skip(root, max_bytes)


def _walk_directory(directory: Path, max_bytes: int) -> Iterator[Document | Skipped]:
    """Depth first, in name order, with a stack of its own: no depth of tree exhausts Python's."""
    listings: list[Iterator[os.DirEntry[str]]] = []
    listing = _listing(directory)
    if isinstance(listing, Skipped):
        yield listing
        return
    listings.append(listing)
    while listings:
        entry = next(listings[-1], None)
        if entry is None:
            listings.pop()
            continue
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_dir(follow_symlinks=False):
            listing = _listing(path)
            if isinstance(listing, Skipped):
                yield listing
            else:
                listings.append(listing)
        elif entry.is_symlink() and path.is_dir():
            continue
        elif detect_kind(path) is not None:
            yield _load_or_skip(path, max_bytes)


def _listing(directory: Path) -> Iterator[os.DirEntry[str]] | Skipped:
    try:
        with os.scandir(directory) as scan:
            return iter(sorted(scan, key=lambda entry: entry.name))
    except OSError as exc:
        return Skipped(str(directory), f"cannot list directory ({exc.strerror})")


def _load_or_skip(path: Path, max_bytes: int) -> Document | Skipped:
    try:
        return load_document(path, max_bytes=max_bytes)
    except DocumentRejected as exc:
        return Skipped(str(path), str(exc).removeprefix(f"{path}: "))


def _require_regular_file(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise DocumentRejected(f"{path}: no such file") from None
    except OSError as exc:
        raise DocumentRejected(f"{path}: cannot stat ({exc.strerror})") from None
    if not stat.S_ISREG(mode):
        kind = "directory" if stat.S_ISDIR(mode) else "special file"
        raise DocumentRejected(f"{path}: not a regular file ({kind})")


def _fallback_encoding(format: Format, data: bytes) -> str | None:
    if format in ("man", "info"):
        return "latin-1"
    if format == "html":
        return declared_charset(data)
    return None


def _convert(path: Path, format: Format, raw: str) -> tuple[str | None, str]:
    if format == "html":
        page = html_to_text(raw)
        return page.title, page.text
    if format == "man":
        page = man_to_text(raw)
        if page.link_target and not normalize_text(page.text).strip():
            raise DocumentRejected(f"{path}: man page only includes another page ({page.link_target})")
        return page.title, page.text
    if format == "info":
        manual = info_to_text(raw)
        if manual.indirect:
            raise DocumentRejected(
                f"{path}: info index file without node text (its parts are separate -N files)"
            )
        return manual.title, manual.text
    text = normalize_text(raw)
    return first_heading(text), text
