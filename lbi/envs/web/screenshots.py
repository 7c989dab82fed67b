"""A screenshot of every step, for people reading a trajectory (never shown to the model).

Stored under ``DIR/ENV_ID/EPISODE/step-NNN.jpg``; only the newest ``KEEP_EPISODES`` episodes are kept.
Without a directory (``screenshots_dir=None``) it is ``$LBI_HOME/artifacts/web`` (default
``~/.local/share/lbi``), unless ``LBI_WEB_SCREENSHOTS=0`` turns them off.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

KEEP_EPISODES = 200


class Screenshots:
    def __init__(self, directory: Path | None, env_id: str) -> None:
        home = Path(os.environ.get("LBI_HOME") or Path.home() / ".local" / "share" / "lbi")
        self.root: Path | None = home / "artifacts" / "web" / env_id
        if directory is not None:
            self.root = Path(directory)
        elif os.environ.get("LBI_WEB_SCREENSHOTS", "1") == "0":
            self.root = None
        self.current: Path | None = None
        self.last: Path | None = None

    def begin(self, episode: str) -> None:
        if self.root is None:
            return
        self.current = self.root / episode
        self.current.mkdir(parents=True, exist_ok=True)
        episodes = sorted(self.root.iterdir(), key=lambda p: p.stat().st_mtime)
        for old in episodes[:-KEEP_EPISODES]:
            shutil.rmtree(old, ignore_errors=True)

    async def take(self, browser: Any, step: int) -> None:
        if self.current is None:
            return
        path = self.current / f"step-{step:03d}.jpg"
        try:
            await browser.screenshot(path)
            self.last = path
        except Exception:
            self.last = None  # a page that cannot be drawn has no screenshot; the step goes on
