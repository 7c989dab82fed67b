"""The web family and its built-in instance, Trac (declared; nothing here starts a server or a browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from lbi.envs.base import EnvSpec, Limits
from lbi.envs.families import Family
from lbi.envs.web.actions import LANGUAGE

HERE = Path(__file__).parent
GUIDE_DIR = HERE / "docs" / "trac-guide"
ACTION_LANGUAGE = LANGUAGE
LIMITS = Limits(action_timeout_s=10.0, max_observation_chars=12_000, max_action_chars=4_000)
TRAC = ("Tidewater, the Trac 1.6 site (issue tracker, wiki and roadmap) of a file-sync project: a few hundred "
        "tickets across components, milestones, versions, priorities, owners and states, with comments and "
        "history; wiki pages; a roadmap and reports. You are logged in as the ordinary user alice")


def describe(subject: str) -> str:
    return (f"A web browser (Chromium) on {subject}. Each action is one browser action on the page; the "
            "observation is the page's accessibility tree with element ids in brackets, the URL, the title, the "
            "open tabs, the focused element and the previous action's error, cut to a bounded length. Every "
            "episode starts from a fresh private copy of the application; pages outside it cannot be opened.")


def describe_user(name: str, options: Mapping[str, str]) -> str:
    return describe(f"the user's web application '{name}', starting at {options.get('url', '/')}")


def guide() -> tuple[Path, ...]:
    """Trac's own guide (TracGuide and the pages it links for users), from the installed Trac package."""
    return tuple(sorted(GUIDE_DIR.glob("*.html")))


FAMILY = Family(
    name="web", entry_point="lbi.envs.web.env:WebEnv", offline_skill="lbi.envs.web.offline.skill:WebSkill",
    action_language=ACTION_LANGUAGE, describe=describe_user, default_docs=tuple, source_kwarg="app",
    source_option="app", options={"start": "start", "url": "url", "database": "database"},
)

ENVIRONMENTS = (
    EnvSpec(id="web-trac-v0", family="web", description=describe(TRAC), action_language=ACTION_LANGUAGE,
            docs=guide(), limits=LIMITS, task_set=HERE / "tasks" / "trac-heldout.jsonl", kwargs={"app": "trac"}),
)
