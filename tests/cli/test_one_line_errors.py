"""A mistake the user can act on is one line on stderr and exit code 1, never a traceback:
bad settings, a home that cannot be a directory, options outside their choices."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lbi.cli import app
from lbi.docs.loaders import iter_documents
from lbi.fs import remove_tree

PROJECT = Path(__file__).resolve().parents[2]

BAD_SETTINGS = {
    "LBI_DATABASE_URL=garbage": "LBI_DATABASE_URL: not a Postgres URL",
    "LBI_DATABASE_URL=sqlite:///x.db": "LBI_DATABASE_URL: not a Postgres URL",
    "LBI_DATABASE_URL=postgresql://me:hunter2@host:port/db": "LBI_DATABASE_URL: not a Postgres URL",
    "LBI_COMMITTEE=,": "LBI_COMMITTEE: ",
    "LBI_COMMITTEE=a,a": "LBI_COMMITTEE: ",
    "LBI_COMMITTEE_POLICY=foo": "LBI_COMMITTEE_POLICY: ",
    "LBI_GATE_SEVERITY=notjson": "LBI_GATE_SEVERITY: cannot be read",
    "LBI_GATE_SEVERITY={\"x\": \"explode\"}": "LBI_GATE_SEVERITY",
    "LBI_MODEL_CONCURRENCY=abc": "LBI_MODEL_CONCURRENCY: ",
    "LBI_MODEL_CONCURRENCY=0": "LBI_MODEL_CONCURRENCY: ",
    "LBI_MODEL_TEMPERATURE=nan": "LBI_MODEL_TEMPERATURE: must be a finite number",
    "LBI_MODEL_TEMPERATURE=9": "LBI_MODEL_TEMPERATURE: must be between 0 and 2",
    "LBI_MODEL_TIMEOUT_S=inf": "LBI_MODEL_TIMEOUT_S: must be a finite number",
    "LBI_MODEL_BASE_URL=garbage": "LBI_MODEL_BASE_URL: not an http(s) URL",
    "LBI_EMBEDDING_BASE_URL=ftp://host": "LBI_EMBEDDING_BASE_URL: not an http(s) URL",
    "LBI_RETRY_FAILED_GENERATIONS=-1": "LBI_RETRY_FAILED_GENERATIONS: ",
    "LBI_GATE_KEEP_RATE_MIN=0.9": "LBI_GATE_KEEP_RATE_MIN is above LBI_GATE_KEEP_RATE_MAX",
    "LBI_HOME=/dev/null/home": "cannot make the embedded server's directory /dev/null",
}


def _lbi(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lbi", *args], env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120, cwd=PROJECT)


@pytest.mark.parametrize("setting", BAD_SETTINGS)
def test_a_bad_setting_is_one_line(setting: str, tmp_path: Path) -> None:
    name, value = setting.split("=", 1)
    env = {"LBI_HOME": str(tmp_path / "home"), "LBI_GATE_KEEP_RATE_MAX": "0.5", name: value}
    if name == "LBI_HOME":
        env.pop("LBI_DATABASE_URL", None)
    result = _lbi("stats", env=env)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith("error: ") and BAD_SETTINGS[setting] in result.stderr
    assert "hunter2" not in result.stderr
    assert not (tmp_path / "home" / "pgdata").exists(), "no server started for a command that cannot run"


def test_a_bad_setting_is_one_line_through_the_cli_runner_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LBI_COMMITTEE", ",")
    result = CliRunner().invoke(app, ["stats"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "error: LBI_COMMITTEE: LBI_COMMITTEE must list distinct model names, comma-separated"
        " (two or more make a committee)"]


def test_options_with_fixed_choices_are_choices() -> None:
    runner = CliRunner()
    help_text = runner.invoke(app, ["synthesize", "--help"], env={"COLUMNS": "240"}).output
    assert "unanimous" in help_text and "majority" in help_text and "any" in help_text
    refused = runner.invoke(app, ["synthesize", "--policy", "foo"])
    assert refused.exit_code == 2 and "Invalid value for '--policy'" in refused.output
    assert "Traceback" not in refused.output


def test_a_documentation_tree_of_any_depth_is_walked_without_recursion(tmp_path: Path) -> None:
    deepest = tmp_path / "docs"
    deepest.mkdir()
    (deepest / "top.md").write_text("# Top\n\ntext\n")
    here = os.open(deepest, os.O_RDONLY)
    try:
        for _ in range(1500):  # deeper than the interpreter's recursion limit, within PATH_MAX
            os.mkdir("d", dir_fd=here)
            below = os.open("d", os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = below
        with open(os.open("deep.md", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here), "w") as deep:
            deep.write("# Deep\n\nat the bottom\n")
        for _ in range(3000):  # and past PATH_MAX: listed as skipped
            os.mkdir("e", dir_fd=here)
            below = os.open("e", os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = below
    finally:
        os.close(here)
    try:
        items = list(iter_documents([tmp_path / "docs"]))
    finally:
        remove_tree(tmp_path / "docs")  # pytest's own clean-up of old temporary directories recurses
    titles = sorted(getattr(item, "title", "") for item in items)
    assert "Deep" in titles and "Top" in titles
    assert any("cannot list directory" in getattr(item, "reason", "") for item in items)


def test_a_failure_of_lbis_own_code_is_one_line_naming_it_and_exit_code_4(monkeypatch: pytest.MonkeyPatch) -> None:
    from lbi.envs import registry

    def broken() -> list[str]:
        raise TypeError("unsupported operand type(s) for +: 'int' and 'str'")

    monkeypatch.setattr(registry, "registered", broken)  # stands for a bug anywhere below a command
    result = CliRunner().invoke(app, ["envs"])
    assert result.exit_code == 4
    line = (result.stderr if hasattr(result, "stderr") else result.output).strip()
    assert "internal error, a bug in lbi" in result.output + line and "TypeError" in result.output + line
    assert "Traceback" not in result.output
    monkeypatch.setenv("LBI_DEBUG", "1")
    assert isinstance(CliRunner().invoke(app, ["envs"]).exception, TypeError)


@pytest.mark.parametrize("command", ["export", "deploy"])
def test_a_reader_that_stops_early_is_no_error(command: str) -> None:
    """`lbi ... --help | head -20`: the pipe closes while the command still writes; it ends quietly, not as a bug."""
    lbi = Path(sys.executable).with_name("lbi")
    piped = subprocess.run(f"'{lbi}' {command} --help | head -20", shell=True, capture_output=True, text=True,
                           timeout=120)
    assert piped.stdout and not piped.stderr.strip(), piped.stderr
