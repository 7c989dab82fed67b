"""The coding environment on click in the real sandbox: the editor, its refusals, the diff and the checks."""

from __future__ import annotations

from typing import Iterator

import pytest

from lbi.envs.coding.checks import parse_check
from lbi.envs.coding.env import CodingEnv
from lbi.envs.registry import make
from tests.sandbox.backends import needs_bubblewrap

pytestmark = needs_bubblewrap
UTILS = "src/click/utils.py"
TEST = "tests/test_utils.py::test_echo"


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CodingEnv]:
    with make("coding-click-v0", workdir=tmp_path_factory.mktemp("work")) as environment:
        yield environment


def step(env: CodingEnv, action: str) -> tuple[str, bool]:
    observation = env.step(action).observation
    return observation.text, observation.error


def test_reset_shows_the_repository_and_is_fresh(env: CodingEnv) -> None:
    first = env.reset().text
    assert "/testbed" in first and "pyproject.toml" in first and "pytest -q" in first
    step(env, 'create("scratch.py", "x = 1\\n")')
    assert env.reset().text == first and env.diff() == ""


def test_view_numbers_lines_and_lists_directories(env: CodingEnv) -> None:
    env.reset()
    text, error = step(env, f'view("{UTILS}", 1, 3)')
    assert not error and text.splitlines()[1] == "     1\tfrom __future__ import annotations"
    listing, _ = step(env, 'view("src")')
    assert "src/click/core.py" in listing


def test_str_replace_needs_exactly_one_match_and_shows_the_region(env: CodingEnv) -> None:
    env.reset()
    text, error = step(env, f'str_replace("{UTILS}", "import os\\n", "import os  # edited\\n")')
    assert not error and "Edited src/click/utils.py" in text and "import os  # edited" in text
    missing, error = step(env, f'str_replace("{UTILS}", "no such text anywhere", "x")')
    assert error and "does not occur" in missing
    many, error = step(env, f'str_replace("{UTILS}", "return", "return")')
    assert error and "times" in many
    assert "+import os  # edited" in env.diff() and env.diff(name_only=True).split() == [UTILS]


def test_insert_create_and_undo(env: CodingEnv) -> None:
    env.reset()
    _, error = step(env, f'insert("{UTILS}", 0, "# first line\\n")')
    assert not error
    assert step(env, f'view("{UTILS}", 1, 1)')[0].endswith("\t# first line")
    assert not step(env, f'undo("{UTILS}")')[1] and env.diff() == ""
    assert not step(env, 'create("notes/new.py", """a = 1\nb = 2\n""")')[1]
    assert step(env, 'create("notes/new.py", "again")')[1], "create refuses an existing file"
    assert "notes/new.py" in env.diff()
    assert not step(env, 'undo("notes/new.py")')[1] and env.diff() == ""
    assert "no edit" in step(env, 'undo("notes/new.py")')[0]


@pytest.mark.parametrize(("setup", "action", "says"), [
    ("", 'view("../../etc/passwd")', "outside the repository"),
    ("", 'view("/etc/passwd")', "outside the repository"),
    ("", 'create("/tmp/elsewhere.py", "x")', "outside the repository"),
    ("ln -s /etc/passwd link.txt", 'view("link.txt")', "outside the repository"),
    ("ln -s /etc passwd-dir", 'create("passwd-dir/pwned", "x")', "outside the repository"),
    ("head -c 3000000 /dev/zero | tr '\\0' x > big.txt", 'view("big.txt")', "bytes"),
    ("printf 'a\\000b' > blob.bin", 'str_replace("blob.bin", "a", "b")', "binary"),
    ("", 'str_replace(".git/config", "bare", "x")', "inside .git"),
    ("", 'view("src/click/utils.py", 900, 950)', "outside src/click/utils.py"),
])
def test_the_editor_refuses_what_it_must(env: CodingEnv, setup: str, action: str, says: str) -> None:
    env.reset()
    if setup:
        assert not step(env, setup)[1]
    text, error = step(env, action)
    assert error and says in text, text
    assert len(text) <= env.limits.max_observation_chars


def test_submit_ends_the_episode_and_shows_the_change(env: CodingEnv) -> None:
    env.reset()
    step(env, f'str_replace("{UTILS}", "import os\\n", "import os  # edited\\n")')
    result = env.step("submit()")
    assert result.done and "src/click/utils.py | 2 +-" in result.observation.text


def test_tests_pass_restores_edited_tests(env: CodingEnv) -> None:
    check = parse_check({"type": "tests_pass", "fail_to_pass": [TEST]})
    env.reset()
    assert env.check(check).success
    step(env, "sed -i 's/def echo(/def echo(*a, **k):\\n    return None\\ndef _old_echo(/' src/click/utils.py")
    assert not env.check(check).success
    step(env, "printf 'def test_echo():\\n    pass\\n' > tests/test_utils.py")
    verdict = env.check(check)
    assert not verdict.success and "FAIL_TO_PASS 0/1" in verdict.detail, "the agent's own test file is not run"


def test_a_missing_test_file_is_a_broken_check(env: CodingEnv) -> None:
    env.reset()
    verdict = env.check(parse_check({"type": "tests_pass", "fail_to_pass": ["tests/test_nothing.py::test_x"]}))
    assert not verdict.success and verdict.broken_check


def test_diff_touches_only(env: CodingEnv) -> None:
    check = parse_check({"type": "diff_touches_only", "files": [UTILS]})
    env.reset()
    step(env, f'str_replace("{UTILS}", "import os\\n", "import os  # edited\\n")')
    assert env.check(check).success
    step(env, 'create("other.py", "x = 1\\n")')
    verdict = env.check(check)
    assert not verdict.success and "other.py" in verdict.detail
