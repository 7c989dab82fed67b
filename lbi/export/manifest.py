"""The manifest written beside exported data: what was exported and how, and every file's size and hash."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for block in iter(lambda: data.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def files_of(directory: Path, outputs: tuple[str, ...]) -> list[Path]:
    """The files the outputs hold (an output directory's files, sorted), relative to ``directory``."""
    found = []
    for name in outputs:
        path = directory / name
        inside = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        found.extend(p.relative_to(directory) for p in inside)
    return found


def write_manifest(directory: Path, *, fields: dict[str, Any], outputs: tuple[str, ...], records: int) -> Path:
    """No timestamps: the same store exports the same manifest, byte for byte."""
    manifest = {
        **fields,
        "records": records,
        "files": [{"name": name.as_posix(), "bytes": (directory / name).stat().st_size,
                   "sha256": file_sha256(directory / name)} for name in files_of(directory, outputs)],
    }
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
