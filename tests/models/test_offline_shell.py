"""The offline model's shell skill over real HTTP, on a tree it has never seen: tasks name only what the
episode's first observation lists, commands run in the real sandbox on files that exist and mostly succeed,
labels say what the commands did on which files, judges as for SQL."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import openai
import pytest

from lbi.envs.base import EnvSpec, Limits
from lbi.envs.shell.env import ACTION_LANGUAGE, ShellEnv
from lbi.prompts.render import Turn
from tests.envs.shell_paths import referenced_paths
from tests.models.offline_shell_roles import ShellRoles
from tests.sandbox.backends import needs_bubblewrap

SPEC = EnvSpec(id="my-site", family="shell", description="bash over a small website project.",
               action_language=ACTION_LANGUAGE)
SITE = {
    "index.html": "<html><body><h1>Garden club</h1><p>Meetings every Tuesday.</p></body></html>\n",
    "style.css": "body { font-family: serif; }\nh1 { color: green; }\n",
    "posts/2024/spring-planting.md": "# Spring planting\n\nSow tomatoes indoors in March.\nPlant out in May.\n",
    "posts/2024/compost.md": "# Compost\n\nMix green and brown waste.\n",
    "posts/2023/pruning.md": "# Pruning\n\nPrune roses in late winter.\n",
    "members.csv": "name,joined\nAna,2021\nBen,2022\nChen,2023\n",
    "build.sh": "#!/bin/sh\necho building the site\n",
    "README.md": "# Garden club website\n\nStatic pages and posts. Run build.sh to publish.\n",
}
START = ("bash in a sandbox (no network); the working directory is /home/user/project, a fresh copy of site.\n"
         "$ ls -AFC\n.git/  README.md  build.sh*  index.html  members.csv  posts/  style.css\n\n"
         "$ git status --short --branch\n## master")
MANUAL = ("NAME\n    grep, wc, head - search, count and show lines of files\n\nDESCRIPTION\n    grep searches files "
          "for lines matching a pattern; with -r it searches a directory recursively. wc counts lines and words. "
          "head and tail print the first or last lines of a file.")
EDITING = ("# Editing the site\n\nBefore you change a page, copy it to a backup with cp. Create new posts as "
           "markdown files and append a line to README.md when you add a section.")
LOOK = Turn("ls -l members.csv", "-rw-r--r-- 1 user user 43 May 13 10:00 members.csv\n[exit code 0]")
HEAD = Turn("head -n 3 members.csv", "name,joined\nAna,2021\nBen,2022\n[exit code 0]")
MISSING = Turn("head -n 3 member.csv", "head: cannot open 'member.csv' for reading: No such file or directory\n"
                                       "[exit code 1]")
DISCOVERING = "Find the longest file under posts and show its first 3 lines."
GIT_LOG = Turn("git log --oneline -n 3", "a1b2c3d Add posts\n0f9e8d7 First pages\n[exit code 0]")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("site")
    for path, content in SITE.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(content)
    (tree / "build.sh").chmod(0o755)
    git = ["git", "-c", "user.name=Ana", "-c", "user.email=ana@example.org"]
    subprocess.run(["git", "init", "-q"], cwd=tree, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tree, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "First pages"], cwd=tree, check=True)
    return tree


@pytest.fixture(scope="module")
def roles(offline_model: str) -> ShellRoles:
    return ShellRoles(openai.OpenAI(base_url=offline_model, api_key="offline"), SPEC, START)


@pytest.fixture(scope="module")
def episodes(roles: ShellRoles, site: Path,
             tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, list[Turn]]]:
    """Rollouts of proposed tasks in the real sandbox over the site: (task, initial observation, turns)."""
    env = ShellEnv("my-site", tree=str(site), limits=Limits(max_observation_chars=1000),
                   workdir=tmp_path_factory.mktemp("work"))
    rollouts = []
    with env:
        initial = env.reset().text
        started = ShellRoles(roles.client, SPEC, initial)
        tasks = started.proposed(MANUAL, 8) + started.proposed(EDITING, 6) + [DISCOVERING]
        for task in tasks:
            observation = env.reset().text
            turns: list[Turn] = []
            for _ in range(8):
                decision = started.decided(task, turns, observation)
                if decision.stop:
                    break
                observation = env.step(decision.action).observation.text
                turns.append(Turn(decision.action, observation))
            rollouts.append((task, initial, turns))
    return rollouts


def test_tasks_name_only_what_the_listing_shows(roles: ShellRoles) -> None:
    listed = {"README.md", "build.sh", "index.html", "members.csv", "posts", "style.css"}
    for chunk in (MANUAL, EDITING):
        tasks = roles.proposed(chunk, 6)
        assert len(tasks) == len(set(tasks)) == 6
        for task in tasks:
            named = set(re.findall(r"\b[\w-]+\.(?:md|csv|html|css|sh)\b|\bposts\b", task))
            assert named <= listed | {"NOTES.md", "README.md.bak", "members.csv.bak", "index.html.bak",
                                      "style.css.bak", "build.sh.bak"}, task
    assert not any(re.search(r"readings|weather|station", t) for t in roles.proposed(MANUAL, 10))


def test_git_tasks_only_for_a_repository_and_writes_only_when_the_document_changes_files(roles: ShellRoles) -> None:
    plain = ShellRoles(roles.client, SPEC, START.split("\n\n$ git")[0].replace(".git/  ", ""))
    assert not any(re.search(r"commit|branch|tag|repository", t) for t in plain.proposed(MANUAL, 10))
    writes = r"backup|Create|Append|Archive|copy"
    assert not any(re.search(writes, t) for t in roles.proposed(MANUAL, 10))
    assert any(re.search(writes, t) for t in roles.proposed(EDITING, 6))


@needs_bubblewrap
def test_the_actor_touches_existing_files_and_mostly_succeeds(episodes: list, site: Path) -> None:
    actions = [t for _, _, turns in episodes for t in turns]
    failed = [t for t in actions if not t.observation.endswith("[exit code 0]")]
    assert len(failed) <= 0.1 * len(actions), failed
    assert all(1 <= len(turns) <= 6 for _, _, turns in episodes)
    assert sum(len(turns) >= 2 for _, _, turns in episodes) >= 0.3 * len(episodes)
    read = {p for t in actions if " > " not in t.action and ">>" not in t.action and " cp " not in f" {t.action}"
            and "tar -c" not in t.action and "mkdir" not in t.action for p in referenced_paths(t.action)}
    assert all((site / path).exists() for path in read), read
    discovered = next(turns for task, _, turns in episodes if task == DISCOVERING)
    assert discovered[-1].action == "head -n 3 posts/2024/spring-planting.md", discovered


def test_a_free_form_task_explores_then_acts_on_the_best_matching_file(roles: ShellRoles) -> None:
    task = "How many lines does the compost post have?"
    first = roles.decided(task, [])
    assert first.action.startswith("find . -maxdepth 3")
    found = Turn(first.action, "./README.md\n./members.csv\n./posts/2023/pruning.md\n./posts/2024/compost.md\n"
                               "[exit code 0]")
    assert roles.decided(task, [found]).action == "wc -l posts/2024/compost.md"
    assert roles.decided(task, [found, Turn("wc -l posts/2024/compost.md", "3 posts/2024/compost.md\n"
                                                                            "[exit code 0]")]).stop
    named = roles.decided("Show the last 2 lines of members.csv", [])
    assert named.action in ("tail -n 2 members.csv", first.action)


def test_the_actor_is_deterministic_and_looks_around_after_a_failure(roles: ShellRoles) -> None:
    task = "Show the first 3 lines of members.csv."
    assert roles.decided(task, [LOOK]) == roles.decided(task, [LOOK])
    assert roles.decided(task, [LOOK, HEAD]).stop
    recovering = roles.decided("Show the first 3 lines of member.csv.", [MISSING])
    assert recovering.action == "ls -l" and "failed" in recovering.reason


def test_the_labelers_say_what_the_commands_did_on_which_files(roles: ShellRoles) -> None:
    assert roles.labelled("task", [LOOK, HEAD]).instruction == "Show the first 3 lines of members.csv."
    result = roles.labelled("replicate", [MISSING, HEAD])
    assert len(result.summary) == 2 and "failed" in result.summary[0] and "No such file" in result.summary[0]
    assert "members.csv" in result.instruction and "name,joined" in result.instruction


def test_the_judge_accepts_a_good_example_and_rejects_bad_ones(roles: ShellRoles) -> None:
    good = roles.verdicts("Show the first 3 lines of members.csv.", [LOOK, HEAD])
    assert all(v.accept for v in good.values()), good
    failing = roles.verdicts("Show the first 3 lines of members.csv.", [MISSING, HEAD])
    assert not failing["coherent"].accept
    vague = roles.verdicts("Run a command in the working tree.", [HEAD])
    assert not vague["aligned"].accept and "members.csv" in vague["aligned"].rationale
    vague_git = roles.verdicts("Check something in the files.", [GIT_LOG])
    assert not vague_git["aligned"].accept
    assert roles.verdicts("Show the last 3 commits.", [GIT_LOG])["aligned"].accept
    assert not roles.verdicts("Show the first 3 lines of members.csv.", [LOOK])["aligned"].accept


@needs_bubblewrap
def test_the_committee_keeps_between_30_and_90_percent(roles: ShellRoles, episodes: list) -> None:
    kept, total = roles.committee_keeps(episodes[:8])
    assert 0.3 <= kept / total <= 0.9, f"kept {kept} of {total}"


def test_the_offline_model_knows_no_project_by_name() -> None:
    from lbi.models.offline.skill import skill_for

    assert type(skill_for("shell")).__name__ == "ShellSkill"
    sources = [*Path("lbi/envs/shell/offline").glob("*.py"), *Path("lbi/models/offline").glob("*.py")]
    assert sources and not [p for p in sources if re.search(r"weatherlog|readings\.csv|ST0\d", p.read_text())]
