"""The shell environment on the real bubblewrap sandbox: the prepared project, observations, checks, user trees."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Iterator

import pytest

from lbi.envs.base import Limits
from lbi.envs.registry import make
from lbi.envs.checks import UnsupportedCheck
from lbi.envs.shell.checks import OutputContains, OutputEquals, State
from lbi.envs.shell.env import ShellEnv
from lbi.envs.sqlite.checks import RowsCheck
from lbi.errors import ConfigError
from lbi.sandbox.base import SandboxLimits
from lbi.sandbox.workdir import validated_workdir
from tests.sandbox.backends import needs_bubblewrap

pytestmark = needs_bubblewrap
LIMITS = Limits(action_timeout_s=2.0, max_observation_chars=600)
HISTORY = "git log --format='%h %an %s' --all"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[ShellEnv]:
    with make("shell-project-v0", limits=LIMITS, workdir=tmp_path / "work") as environment:
        environment.reset()
        yield environment


def text(env: ShellEnv, command: str) -> str:
    return env.step(command).observation.text


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_symlink():
            digest.update(str(path.readlink()).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def test_the_spec_names_the_handbook_first_and_building_it_probes_nothing() -> None:
    env = make("shell-project-v0", sandbox="no-such-backend")
    assert env.spec.family == "shell" and env.spec.action_language.startswith("bash")
    assert "sql" not in env.spec.action_language.lower()
    names = [p.name for p in env.spec.docs]
    assert names[:4] == ["data-and-logs.md", "git-history.md", "maintenance.md", "weatherlog-handbook.md"]
    assert all(p.exists() for p in env.spec.docs)
    assert len(env.spec.docs) <= 60, "a modest default list, not every man page"


def test_the_project_starts_fresh_with_its_history(env: ShellEnv) -> None:
    first = env.reset()
    assert "/home/user/project" in first.text and "## main" in first.text and " M notes/todo.md" in first.text
    for name in ("README.md", "data/", "logs/", "src/", "scripts/", ".git/"):
        assert name in first.text
    log = text(env, HISTORY)
    assert log.count("\n") == 7 and "Draft a wind gust alert threshold" in log and "Ben Okafor" in log
    assert text(env, "git tag; git branch --show-current") == "v0.3.0\nmain\n[exit code 0]"
    assert "Ran 3 tests" in text(env, "make test") and "OK" in text(env, "make test")
    assert text(env, "wc -l < data/readings.csv; grep -c ERROR logs/ingest.log") == "241\n7\n[exit code 0]"
    assert "ST05: 13.0 to 25.5 C" in text(env, "cat reports/2024-05-13.txt")


def test_commit_ids_are_the_same_in_every_episode(tmp_path: Path) -> None:
    logs = set()
    for _ in range(3):
        with make("shell-project-v0", workdir=tmp_path / "work") as env:
            env.reset()
            logs.add(text(env, HISTORY))
    assert len(logs) == 1


def test_observations_show_output_then_the_exit_code(env: ShellEnv) -> None:
    ok = env.step("cat notes/todo.md | head -n 2")
    assert ok.observation.text == "# TODO\n[exit code 0]" and not ok.observation.error and not ok.done
    missing = env.step("cat nope.txt").observation
    assert missing.error and missing.text == "cat: nope.txt: No such file or directory\n[exit code 1]"
    assert text(env, "true") == "(no output)\n[exit code 0]"
    long = env.step("seq 1 5000").observation
    assert len(long.text) <= 600 and long.truncated and long.text.startswith("1\n2\n")
    assert long.text.endswith("4999\n5000\n[exit code 0]") and "omitted" in long.text
    slow = env.step("sleep 10").observation
    assert slow.error and slow.text == "(no output)\n[timed out after 2 s: the command and everything it started were stopped]"


def test_the_directory_and_exports_carry_over_between_steps(env: ShellEnv) -> None:
    assert not env.step("cd src/weatherlog && export STATION=ST03").observation.error
    assert text(env, "pwd; echo $STATION") == "/home/user/project/src/weatherlog\nST03\n[exit code 0]"


def test_bad_actions_are_refused_without_running(env: ShellEnv) -> None:
    for action, reason in (("   ", "empty action"), ("echo a\x00b", "NUL"), ("x" * 10_001, "limit is 10000"),
                           (42, "not int")):
        observation = env.step(action).observation  # type: ignore[arg-type]
        assert observation.error and observation.text.startswith("Error:") and reason in observation.text


def test_reset_starts_from_a_fresh_copy(env: ShellEnv, tmp_path: Path) -> None:
    env.step("rm -rf src data && git commit -qam gone && echo hi > /tmp/left-over")
    assert "ls: cannot access 'src'" in text(env, "ls src")
    env.reset()
    assert "readings.py" in text(env, "ls src/weatherlog") and "Add backup" in text(env, "git log --oneline -n 1")
    assert "No such file" in text(env, "cat /tmp/left-over")
    assert len(list((tmp_path / "work").iterdir())) == 1, "the last episode's files are gone"


def test_output_and_state_checks(env: ShellEnv) -> None:
    env.step("grep -c ',error$' data/readings.csv")
    assert env.check(OutputContains(text="7")).success
    miss = env.check(OutputContains(text="8"))
    assert not miss.success and "output lacks '8'" in miss.detail
    env.step("chmod +x scripts/backup.sh && cd /tmp && export PATH=/nowhere")
    assert env.check(State(command="test -x scripts/backup.sh")).success, "checks run fresh"
    assert env.check(State(command="git status --short", output_contains="notes/todo.md")).success
    failed = env.check(State(command="test -x scripts/rotate_logs.sh && test -f nope"))
    assert not failed.success and "exited with 1, expected 0" in failed.detail
    assert env.check(State(command="test -f nope", exit_code=1)).success
    with pytest.raises(UnsupportedCheck, match="not a shell check"):
        env.check(RowsCheck(rows=[]))


def test_the_tree_can_sit_at_another_workdir(tmp_path: Path) -> None:
    tree = tmp_path / "repo"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pkg" / "mod.py").write_text("x = 1\n")
    for workdir in ("/testbed", "/home/user/src/repo", "/srv/app"):
        with ShellEnv("repo", tree=str(tree), docs=[], workdir=tmp_path / "work", limits=LIMITS,
                      sandbox_workdir=workdir) as env:
            assert workdir in env.spec.description and workdir in env.reset().text
            assert text(env, "pwd; cat pkg/mod.py; cd pkg && touch new") == f"{workdir}\nx = 1\n[exit code 0]"
            assert text(env, "pwd") == f"{workdir}/pkg\n[exit code 0]"
            assert env.check(State(command="pwd; test -f pkg/new", output=OutputEquals(text=workdir))).success
            assert text(env, "ls -ld /home/user | cut -c1") == "d\n[exit code 0]", "the home is still there"
    assert not (tree / "pkg" / "new").exists()


@pytest.mark.parametrize("workdir, problem", [
    ("relative/dir", "absolute"), ("/", "cannot be /"), ("/srv/../etc", "not normalised"), ("/srv/app/", "not normalised"),
    ("/proc/x", "under /proc"), ("/usr/local/src", "under /usr"), ("/etc", "under /etc"), ("/dev/shm/x", "under /dev"),
    ("/sys", "under /sys"), ("/bin/x", "under /bin"), ("/lib/app", "under /lib"), ("/home", "would hide /home/user"),
    ("/home/user", "would hide /home/user"), ("/tmp", "would hide /tmp"), ("/run", "would hide /run/lbi-shell"),
])
def test_a_workdir_the_sandbox_cannot_use_is_refused(workdir: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(problem)):
        validated_workdir(workdir)
    with pytest.raises(ConfigError, match=re.escape(problem)):
        ShellEnv("repo", tree=str(Path(__file__).parent), sandbox_workdir=workdir)


def test_the_shipped_project_stays_at_its_workdir() -> None:
    with pytest.raises(ConfigError, match="shipped project builds its history"):
        make("shell-project-v0", sandbox_workdir="/testbed")


def test_a_disk_quota_overrun_ends_the_episode(tmp_path: Path) -> None:
    with make("shell-project-v0", workdir=tmp_path / "work", limits=LIMITS,
              sandbox_limits=SandboxLimits(disk_mb=8, file_size_mb=4)) as env:
        env.reset()
        result = env.step("for i in 1 2 3; do head -c 4000000 /dev/zero > /tmp/f$i; done")
        after = env.step("rm /tmp/f1; echo still here")
    assert result.done and "disk quota" in result.observation.text
    assert after.done and after.observation.error and "the episode has ended" in after.observation.text


def test_a_failing_sandbox_is_an_error_observation_and_ends_the_episode(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with make("shell-project-v0", workdir=tmp_path / "work", limits=LIMITS) as env:
        env.reset()
        sandbox = env.sandbox

        def broken(*args: object, **kwargs: object) -> None:
            raise RecursionError("maximum recursion depth exceeded")

        monkeypatch.setattr(sandbox, "run", broken)
        result = env.step("ls")
        assert result.done and result.observation.error and "the sandbox failed" in result.observation.text
        assert env.step("ls").observation.error
        root = sandbox.root
    assert not root.exists()
    assert env.reset() and not env.step("true").observation.error
    env.close()


def test_a_users_tree_is_copied_and_never_modified(tmp_path: Path) -> None:
    tree = tmp_path / "shop"
    (tree / "src").mkdir(parents=True)
    (tree / "src" / "app.py").write_text("print('shop')\n")
    (tree / "secret-link").symlink_to("/etc/shadow")
    before = tree_digest(tree)
    with ShellEnv("my-shop", tree=str(tree), docs=[], workdir=tmp_path / "work", limits=LIMITS) as env:
        first = env.reset()
        assert "a fresh copy of shop" in first.text and "src/" in first.text and "git status" not in first.text
        assert "Permission denied" in text(env, "cat secret-link")
        assert not env.step("rm -rf * && echo x > new.txt && git init -q").observation.error
    assert tree_digest(tree) == before
    with pytest.raises(ConfigError, match="neither the shipped"):
        ShellEnv("bad", tree=str(tmp_path / "missing"))
