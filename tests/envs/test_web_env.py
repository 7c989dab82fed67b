"""The web environment on Trac: ids are the same in every fresh episode, a malformed action is an error
observation, the observation carries URL, title, focus and the previous action, and Trac's guide is read
through the project's loaders (the shipped pages are what the installed Trac renders)."""

from __future__ import annotations

import re

import pytest

from lbi.docs.loaders import load_document
from lbi.envs import registry
from lbi.envs.web.actions import ActionError, parse
from lbi.envs.web.family import guide
from lbi.envs.web.trac_guide import PAGES, render_pages
from lbi.envs.web.trac_site import materialize
from tests.envs.web_processes import leftover_processes

ENV_ID = "web-trac-v0"
GRAPH_ID = re.compile(r"trac-workflow-graph-[0-9a-f]+")  # TracWorkflow's graph gets a fresh element id per render
# [[RecentChanges]] heads its list with the day the pages were stored: the day of the render
RENDER_DAY = re.compile(r'(<h3 class="section">)\d\d/\d\d/\d\d(</h3>)')
PAGES_SEEN = ("goto('/newticket')", "goto('/ticket/150')", "goto('/roadmap')", "goto('/report/1')")


def test_ids_are_the_same_in_every_fresh_episode() -> None:
    seen = []
    for _ in range(2):
        with registry.make(ENV_ID) as env:
            env.reset()
            seen.append([env.step(action).observation.text for action in PAGES_SEEN])
    assert seen[0] == seen[1]
    assert leftover_processes() == []


@pytest.mark.parametrize("action", ["click(", "click()", "click('x')", "hover(3)", "fill(3)", "scroll('left')",
                                    "goto(1)", "click(3, 4)", "__import__('os')", "click(id=3)", "click(99999)"])
def test_a_malformed_action_is_an_error_observation(action: str) -> None:
    with registry.make(ENV_ID) as env:
        env.reset()
        observation = env.step(action).observation
        assert observation.error and "Error: " in observation.text
        assert not env.step("scroll('down')").observation.error


def test_parse_reads_literals_only() -> None:
    assert parse("click([12])").args == ("12",) and parse("fill('7', 'a, b')").args == ("7", "a, b")
    with pytest.raises(ActionError):
        parse("fill(1, open('/etc/passwd').read())")


def test_the_observation_says_where_the_agent_is() -> None:
    with registry.make(ENV_ID) as env:
        first = env.reset().text
        assert first.startswith("URL: /wiki/WikiStart\nTitle: Tidewater\nFocused: none\nPage:\n")
        assert "StaticText 'Alice Moreau'" in first, "the agent is logged in as an ordinary user"
        new = next(e.id for e in env.page_elements.values() if e.name == "NEW TICKET")
        after = env.step(f"click({new})").observation.text
        assert f"Previous action: click({new}) on [{new}] link 'NEW TICKET'" in after
        assert "URL: /newticket" in after and "Focused: " in after and "textbox 'Summary:'" in after


def test_the_guide_is_trac_s_own_rendered_by_the_installed_trac() -> None:
    assert [p.stem for p in guide()] == sorted(PAGES)
    rendered = render_pages(materialize())
    for path in guide():
        shipped, fresh = (RENDER_DAY.sub(r"\1\2", GRAPH_ID.sub("", page))
                          for page in (path.read_text(encoding="utf-8"), rendered[path.stem]))
        assert shipped == fresh, path.name
        document = load_document(path)
        assert document.text and document.title == path.stem
