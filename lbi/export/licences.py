"""The licence of a documentation file, where the system says it: a Debian package's copyright file for
/usr/share/doc, an installed Python distribution's metadata for a file inside one. Else unknown (None)."""

from __future__ import annotations

import importlib.metadata
import re
import sysconfig
from functools import cache
from pathlib import Path

DEBIAN_DOCS = Path("/usr/share/doc")


def licence_of(source: str | None) -> str | None:
    if not source:
        return None
    path = Path(source)
    if path.is_relative_to(DEBIAN_DOCS) and len(path.relative_to(DEBIAN_DOCS).parts) > 1:
        return _debian_licence(path.relative_to(DEBIAN_DOCS).parts[0])
    for root in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        if path.is_relative_to(root) and len(path.relative_to(root).parts) > 1:
            return _distribution_licence(path.relative_to(root).parts[0])
    return None


@cache
def _debian_licence(package: str) -> str | None:
    """The first License: field of the package's machine-readable copyright file."""
    copyright_file = DEBIAN_DOCS / package / "copyright"
    try:
        text = copyright_file.read_text(errors="replace")
    except OSError:
        return None
    match = re.search(r"^License:[ \t]*(\S.*)$", text, re.MULTILINE)
    return f"{match.group(1).strip()} (Debian package {package})" if match else None


@cache
def _distribution_licence(top_level: str) -> str | None:
    for name in importlib.metadata.packages_distributions().get(top_level, []):
        meta = importlib.metadata.metadata(name)
        expression = meta.get("License-Expression") or meta.get("License")
        if expression and len(expression) <= 100:
            return f"{expression.strip()} (Python distribution {name})"
        classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
        if classifiers:
            return f"{', '.join(classifiers)} (Python distribution {name})"
    return None
