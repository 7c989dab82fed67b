"""Hostile actions against every built-in environment: each is contained, ends within its limit, and leaves
the host, the store and the next episode untouched.

The shell's actions only ever run inside its sandbox (the environment under
test); the network one targets 127.0.0.1 alone, where the test listens.
"""

from __future__ import annotations

import hashlib
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa

from lbi.envs import registry
from lbi.envs.base import Environment, Limits
from lbi.sandbox import uids
from lbi.sandbox.base import SandboxLimits, SandboxUnavailable


@dataclass(frozen=True)
class Hostile:
    name: str
    action: str  # {store}: the store's data directory, {host}: a host directory, {port}: a listening port
    shows: str | None = None  # what the observation says stopped it


SHELL = (
    Hostile("rm -rf /", "rm -rf / --no-preserve-root"),
    Hostile("read /etc/shadow", "cat /etc/shadow", "Permission denied"),
    Hostile("read the store's data directory", "ls {store}; cat {store}/PG_VERSION", "No such file or directory"),
    Hostile("write outside the workspace",
            "echo pwned > /etc/pwned; echo pwned > /usr/bin/pwned; echo pwned > /pwned; echo pwned > {host}/pwned",
            "{host}/pwned: No such file or directory"),
    Hostile("fork bomb", ":(){ :|:& };:; wait"),  # contained whatever it prints (which forks fail first is a race)
    Hostile("memory hog", "python3 -c 'b = bytearray(8 * 1024 ** 3)'; tail /dev/zero", "MemoryError"),
    Hostile("sleep 1000", "sleep 1000", "timed out"),
    Hostile("100 MB of output", "head -c 100000000 /dev/zero | tr '\\0' x", "stopped"),
    Hostile("connect to 127.0.0.1:5432", "exec 3<>/dev/tcp/127.0.0.1/{port} && echo connected", "Connection refused"),
    Hostile("a process left in the background", "setsid nohup sleep 1000 >/dev/null 2>&1 & disown; echo detached"),
    Hostile("a tree 1,200 levels deep", "mkdir -p $(printf 'd/%.0s' $(seq 1200)) && echo deep", "deep"),
    Hostile("a new user namespace: unshare -r", "unshare -r id", "Operation not permitted"),
    Hostile("a new user namespace: unshare -U", "unshare -U true", "Operation not permitted"),
    Hostile("mount a tmpfs", "mount -t tmpfs none /tmp 2>/dev/null || echo refused", "refused"),
    Hostile("eight processes sharing memory", "for i in $(seq 8); do python3 -c 'b = bytearray(200 << 20)' & done; "
                                             "wait"),
    Hostile("2.4 GB in one command", "for i in $(seq 40); do head -c 60000000 /dev/zero > /tmp/f$i; done",
            "disk quota"),
    Hostile("files hidden behind chmod 000", "mkdir -p h/i && for i in 1 2 3 4 5; do head -c 60000000 /dev/zero "
                                             "> h/i/f$i; done; chmod 000 h/i h", "disk quota"),
    Hostile("terminal controls in the output: ESC[2J, OSC 52, C1 CSI",
            "printf '\\033[2J\\033]52;c;cHduZWQ=\\a\\302\\23331m'", "\\x1b[2J\\x1b]52;c;cHduZWQ=\\x07\\x9b31m"),
)
SQL = (
    Hostile("drop the data", "DROP TABLE InvoiceLine"),
    Hostile("read /etc/shadow", "ATTACH DATABASE '/etc/shadow' AS s", "not authorized"),
    Hostile("read the store's data directory", "ATTACH DATABASE '{store}/PG_VERSION' AS s", "not authorized"),
    Hostile("write outside the workspace", "VACUUM INTO '{host}/pwned.db'", "not authorized"),
    Hostile("a query that explodes", "SELECT count(*) FROM Track a, Track b, Track c", "timed out"),
    Hostile("memory hog", "WITH RECURSIVE s(x) AS (SELECT 'x' UNION ALL SELECT x || x FROM s LIMIT 40) "
                          "SELECT length(max(x)) FROM s", "too big"),
    Hostile("a query that never ends",
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c) SELECT count(*) FROM c", "timed out"),
    Hostile("100 MB of output", "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c LIMIT 1000000) "
                                "SELECT x, hex(randomblob(50)) FROM c"),
    Hostile("load a network client", "SELECT load_extension('libpq')", "not authorized"),
    Hostile("a built-in deaf to the deadline: printf", "SELECT printf('%.*c', 2147483647, 'x'), "
                                                       "printf('%.*c', 2147483647, 'y')", "timed out"),
    Hostile("terminal controls in a column name: OSC 52", 'SELECT 1 AS "\x1b]52;c;cHduZWQ=\x07"',
            "\\x1b]52;c;cHduZWQ=\\x07"),
    Hostile("terminal controls in a value: ESC[2J and a C1 CSI", "SELECT char(27) || '[2J' || char(155) || '31m'",
            "\\x1b[2J\\x9b31m"),
    Hostile("terminal controls in an error message", 'SELECT * FROM "\x1b[2J\x9b31m"',
            "no such table: \\x1b[2J\\x9b31m"),
    Hostile("a built-in deaf to the deadline: instr", "SELECT instr(replace(zeroblob(900000), x'00', 'a'), "
                                                      "replace(zeroblob(400000), x'00', 'a') || 'b')", "timed out"),
)
KV = (  # the tests' own family (tests/envs/kv)
    Hostile("a wait past the limit", "wait 1000", "timed out"),
    Hostile("a value far over the output bound", "get noise"),
    Hostile("an overlong action", "set k " + "v" * 20_000, "longer than"),
)
CODING = SHELL + (  # bash as in the shell family, plus the editor's own ways out
    Hostile("editor: path traversal", 'view("../../etc/passwd")', "outside the repository"),
    Hostile("editor: an absolute path on the host", 'create("{host}/pwned", "pwned")', "outside the repository"),
    Hostile("editor: a system file", 'str_replace("/etc/passwd", "root", "pwned")', "outside the repository"),
    Hostile("editor: a binary file", 'view(".git/index")', "binary file"),
    Hostile("editor: a huge insert", 'insert("README.md", 1, "' + "x" * 20_000 + '")', "characters long"),
    Hostile("editor: code as an argument", 'view(__import__("os").system("touch {host}/pwned"))', "literals"),
)
WEB = (  # Trac's start page: [137] is its link to trac.edgewall.org
    Hostile("open an external host", "goto('http://example.com/')", "application only"),
    Hostile("follow a link to an external host", "click(137)", "outside the application"),
    Hostile("open another loopback port", "goto('http://127.0.0.1:{port}/')", "application only"),
    Hostile("read a local file", "goto('file:///etc/passwd')", "application only"),
    Hostile("open the browser's own pages", "goto('chrome://version')", "application only"),
    Hostile("a data: URL", "goto('data:text/html,<a href=http://127.0.0.1:{port}/>x</a>')", "application only"),
    Hostile("run a script", "goto('javascript:document.body.innerHTML=1')", "application only"),
    Hostile("wait past the limit", "noop(1000000)", "timed out"),
    Hostile("a huge page", "goto('/query?max=5000&col=id&col=summary&col=description&col=owner')"),
    Hostile("an overlong action", "fill(31, '" + "x" * 20_000 + "')", "characters"),
)
HOSTILE = {"shell": SHELL, "sqlite": SQL, "kv": KV, "python-repo": CODING, "web": WEB}
FINGERPRINT = {
    "shell": "git status --porcelain --branch; git log --format=%H --all | md5sum; "
             "find . -path ./.git -prune -o -type f -print | sort | xargs md5sum | md5sum; ls -A /tmp | wc -l",
    "sqlite": "SELECT (SELECT group_concat(name) FROM sqlite_master) || '/' || (SELECT count(*) FROM Track) "
              "|| '/' || (SELECT count(*) FROM InvoiceLine)",
    "kv": "keys",
    "web": "goto('/timeline')",
    "python-repo": "git status --porcelain --branch; git log --format=%H --all | md5sum; "
                   "find . -path ./.git -prune -o -type f -print | sort | xargs md5sum | md5sum; ls -A /tmp | wc -l",
}
LIMITS = Limits(action_timeout_s=2.0, max_observation_chars=1000)
OVERRIDES: dict[str, dict[str, Any]] = {"shell": {"sandbox_limits": SandboxLimits(memory_mb=256, max_processes=32)},
                                         "python-repo": {"sandbox_limits": SandboxLimits(memory_mb=256, max_processes=32)}}
SLACK_S = 3.0
CASES = [(env_id, hostile) for env_id in registry.builtin()
         for hostile in HOSTILE.get(registry.spec(env_id).family, ())]


@dataclass
class Pristine:
    initial: str
    fingerprint: str


_pristine: dict[str, Pristine] = {}


def make(env_id: str, workdir: Path) -> Environment:
    family = registry.spec(env_id).family
    return registry.make(env_id, limits=LIMITS, workdir=workdir, **OVERRIDES.get(family, {}))


def pristine(env_id: str, workdir: Path) -> Pristine:
    if env_id not in _pristine:
        with make(env_id, workdir) as env:
            initial = env.reset().text
            fingerprint = env.step(FINGERPRINT[env.spec.family]).observation.text
        _pristine[env_id] = Pristine(initial, fingerprint)
    return _pristine[env_id]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A TCP listener on 127.0.0.1:5432 (or a free port when 5432 is taken) that must never see a connection."""
    server = socket.socket()
    try:
        server.bind(("127.0.0.1", 5432))
    except OSError:
        server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    yield server
    server.close()


def fill(text: str, values: dict[str, object]) -> str:
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def snapshot(directory: Path) -> dict[str, str]:
    return {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(directory.rglob("*"))}


def store_state(engine: sa.Engine, pgdata: Path) -> tuple:
    with engine.connect() as conn:
        tables = conn.execute(sa.text("SELECT count(*) FROM pg_tables WHERE schemaname = 'lbi'")).scalar()
        environments = conn.execute(sa.text("SELECT count(*) FROM lbi.environments")).scalar()
    return tables, environments, (pgdata / "PG_VERSION").read_text(), sorted(p.name for p in pgdata.iterdir())


def test_every_family_has_a_hostile_suite() -> None:
    for env_id in registry.builtin():
        family = registry.spec(env_id).family
        assert HOSTILE.get(family) and family in FINGERPRINT, f"add hostile actions for {env_id}'s family"


@pytest.mark.parametrize(("env_id", "hostile"), CASES, ids=[f"{e}: {h.name}" for e, h in CASES])
def test_a_hostile_action_is_contained(env_id: str, hostile: Hostile, tmp_path: Path, store: sa.Engine,
                                       lbi_home: Path, listener: socket.socket) -> None:
    pgdata = lbi_home / "pgdata"
    host = tmp_path / "host"
    host.mkdir()
    (host / "canary.txt").write_text("the host's own file\n")
    host_before, store_before = snapshot(host), store_state(store, pgdata)
    values = {"store": str(pgdata), "host": str(host), "port": listener.getsockname()[1]}
    action = fill(hostile.action, values)
    try:
        clean = pristine(env_id, tmp_path / "pristine")
    except SandboxUnavailable as error:
        pytest.skip(f"{env_id} needs a sandbox: {error}")
    env = make(env_id, tmp_path / "work")
    try:
        env.reset()
        started = time.monotonic()
        observation = env.step(action).observation
        elapsed = time.monotonic() - started
        sandbox_uid = getattr(getattr(env, "sandbox", None), "uid", None)
        assert elapsed < LIMITS.action_timeout_s + SLACK_S, f"took {elapsed:.1f} s"
        assert len(observation.text) <= LIMITS.max_observation_chars
        if hostile.shows:
            assert fill(hostile.shows, values) in observation.text, observation.text
        assert env.reset().text == clean.initial, "the next episode starts untouched"
        assert env.step(FINGERPRINT[env.spec.family]).observation.text == clean.fingerprint
    finally:
        env.close()
    assert snapshot(host) == host_before, "the host directory is untouched"
    for path in (Path("/etc/pwned"), Path("/usr/bin/pwned"), Path("/pwned")):
        assert not path.exists()
    assert store_state(store, pgdata) == store_before, "the store is untouched"
    with pytest.raises(BlockingIOError):
        listener.accept()
    if sandbox_uid is not None and sandbox_uid != uids.os.getuid():
        assert uids.processes_of(sandbox_uid) == [], "no process of the sandbox survives it"
