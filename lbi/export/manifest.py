"""The manifest written beside exported data: counts, schema version and content hashes."""

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


def write_manifest(directory: Path, *, fields: dict[str, Any], data_file: Path, records: int) -> Path:
    """No timestamps: the same store exports the same manifest, byte for byte."""
    manifest = {
        **fields,
        "files": [{"name": data_file.name, "records": records, "bytes": data_file.stat().st_size,
                   "sha256": file_sha256(data_file)}],
    }
    path = directory / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path
