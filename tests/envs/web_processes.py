"""Finding processes that outlived their web episode: tracd serving an episode's copy or Chromium with an
episode's profile, whose episode directory (``lbi-web-*``, removed at close) is gone. Episodes still running
(other tests at the same time) keep their directory and are not counted."""

from __future__ import annotations

import os
import re

EPISODE = re.compile(rb"(/[^\0 ]*/lbi-web-[^/\0 ]+)")


def leftover_processes() -> list[tuple[int, str]]:
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as handle:
                cmdline = handle.read()
        except OSError:
            continue
        match = EPISODE.search(cmdline)
        if match and not os.path.isdir(match.group(1)):
            found.append((int(entry.name), cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]))
    return found
