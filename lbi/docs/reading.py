"""Reading a document's bytes safely: regular files only, bounded size, bounded gzip output."""

from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from pathlib import Path

from lbi.errors import DocumentRejected

GZIP_EXPANSION_LIMIT = 10
_READ_BLOCK = 1 << 16


def read_bytes(path: Path, *, max_bytes: int, gzipped: bool) -> bytes:
    """The file's content, decompressed when ``gzipped``; rejects anything unsafe to ingest."""
    raw = _read_regular_file(path, max_bytes)
    if not raw:
        raise DocumentRejected(f"{path}: empty file")
    if gzipped:
        return _gunzip(path, raw, max_bytes * GZIP_EXPANSION_LIMIT)
    return raw


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    try:
        # O_NONBLOCK keeps a FIFO from hanging the open; fstat then rejects it.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise DocumentRejected(f"{path}: no such file") from None
    except IsADirectoryError:
        raise DocumentRejected(f"{path}: not a regular file (directory)") from None
    except OSError as exc:
        raise DocumentRejected(f"{path}: cannot open ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise DocumentRejected(f"{path}: not a regular file")
        if info.st_size > max_bytes:
            raise DocumentRejected(f"{path}: {info.st_size} bytes exceeds the limit of {max_bytes}")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentRejected(f"{path}: grew past the limit of {max_bytes} bytes while reading")
    return data


def _gunzip(path: Path, compressed: bytes, limit: int) -> bytes:
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
            while block := stream.read(_READ_BLOCK):
                out.write(block)
                if out.tell() > limit:
                    raise DocumentRejected(
                        f"{path}: decompresses past {limit} bytes (possible gzip bomb)"
                    )
    except (OSError, EOFError, zlib.error) as exc:
        raise DocumentRejected(f"{path}: not a valid gzip file ({exc})") from None
    if out.tell() == 0:
        raise DocumentRejected(f"{path}: empty after decompression")
    return out.getvalue()
