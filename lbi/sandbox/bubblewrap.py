"""The bubblewrap backend: every command runs in a new ``bwrap`` sandbox over the episode's files.

How each bound is enforced:
- filesystem: /usr and /etc are read-only binds (/etc/passwd and /etc/group
  replaced); the episode's home (with the workspace) and /tmp are host
  directories private to the episode; nothing else of the host is mounted;
- network, processes, IPC, hostname: new namespaces (``--unshare-net`` leaves
  only a loopback with nothing listening); ``--die-with-parent`` and the PID
  namespace end every process of the command, background ones included;
- identity: started by root, bwrap sets up the mounts and ``setpriv`` then drops
  to an unprivileged uid leased for this sandbox alone (uids.py), with no
  capabilities and ``no_new_privs``; started by anyone else, bwrap runs
  unprivileged in a user namespace of its own, with nested ones disabled;
- memory, processes, file size, open files, CPU: ``prlimit`` rlimits (address
  space per process; RLIMIT_NPROC per uid, which binds because the uid is not
  root; as a non-root user it counts your other processes too, so the cap is
  set that many above them);
- time and output: the caller's deadline and output ceiling, then SIGKILL to
  the process group (the sandbox's PID namespace dies with it);
- disk: the files are measured after each command against the quota (a file is
  bounded by RLIMIT_FSIZE while the command runs).
"""

from __future__ import annotations

import math
import os
import selectors
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Mapping

from lbi.sandbox import script, uids
from lbi.sandbox.base import HOME, USER, WORKDIR, CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits
from lbi.sandbox.capture import BoundedOutput
from lbi.sandbox.tree import MAX_FILES, check_size, copy_tree
from lbi.sandbox.workdir import under_home, validated_binds, validated_workdir

MB = 1024 * 1024
READ_BYTES = 65536
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
MOUNTED = ("/home", "/tmp", "/run")  # made by the arguments before the workspace's
INSTALL_HINT = "install it with `apt-get install bubblewrap` (Debian, Ubuntu) or `dnf install bubblewrap`"


def _is_root() -> bool:
    return os.geteuid() == 0


def _problem() -> str | None:
    tools = ("bwrap", "prlimit", *(["setpriv"] if _is_root() else []))
    return _probe(tuple((tool, shutil.which(tool)) for tool in tools))


@cache
def _probe(tools: tuple[tuple[str, str | None], ...]) -> str | None:
    """Whether a sandbox starts, once per process and set of tools found."""
    missing = [tool for tool, path in tools if path is None]
    if "bwrap" in missing:
        return f"bubblewrap (bwrap) is not installed; {INSTALL_HINT}"
    if missing:
        return f"{', '.join(missing)} not found (Debian package util-linux)"
    try:
        with BubblewrapSandbox(None, SandboxLimits(), Path(tempfile.gettempdir())) as sandbox:
            result = sandbox.run("echo ok", timeout_s=10, fresh=True)
    except (OSError, SandboxError) as error:
        return f"bubblewrap cannot start a sandbox here: {error}"
    if result.output.strip() != "ok":
        return ("bubblewrap cannot start a sandbox here (are user namespaces allowed? see "
                f"`sysctl kernel.unprivileged_userns_clone`): {result.output.strip()[:500]}")
    return None


class BubblewrapBackend(SandboxBackend):
    name = "bubblewrap"

    def __init__(self, workdir: Path | None = None) -> None:
        self._base_dir = Path(workdir) if workdir is not None else Path(tempfile.gettempdir())

    def problem(self) -> str | None:
        return _problem()

    def open(self, tree: Path | None, limits: SandboxLimits, *, workdir: str = WORKDIR,
             read_only: Mapping[str, Path] | None = None) -> Sandbox:
        return BubblewrapSandbox(tree, limits, self._base_dir, workdir=workdir, read_only=read_only)


class BubblewrapSandbox(Sandbox):
    """The tree is copied into the episode's home when ``workdir`` lies inside it, else into a directory of
    its own bound at ``workdir``."""

    def __init__(self, tree: Path | None, limits: SandboxLimits, base_dir: Path, workdir: str = WORKDIR,
                 read_only: Mapping[str, Path] | None = None) -> None:
        self.limits = limits
        self.workdir = validated_workdir(workdir)
        self._read_only = validated_binds(read_only)
        inside_home = under_home(self.workdir)
        if tree is not None:
            check_size(tree, limits.disk_mb * MB)
        self._lease = uids.lease_uid() if _is_root() else None
        self.uid = self._lease.uid if self._lease else os.getuid()
        self.gid = self._lease.uid if self._lease else os.getgid()
        base_dir.mkdir(parents=True, exist_ok=True)
        self.root: Path | None = Path(tempfile.mkdtemp(prefix="lbi-sandbox-", dir=base_dir))
        try:
            owner = (self.uid, self.gid) if self._lease else (None, None)
            for name in ("home", "tmp", "state"):
                (self.root / name).mkdir(mode=0o700)
                if self._lease:
                    os.chown(self.root / name, self.uid, self.gid)
            self._workspace = self.root / "home" / inside_home if inside_home else self.root / "workspace"
            self._workspace.parent.mkdir(parents=True, exist_ok=True)
            if tree is not None:
                copy_tree(tree, self._workspace, *owner)
            else:
                self._workspace.mkdir()
            if self._lease:
                for directory in (self._workspace, *self._workspace.parents):
                    if directory in (self.root, self.root / "home"):
                        break
                    os.chown(directory, self.uid, self.gid)
        except BaseException:
            self.close()
            raise

    def run(self, command: str, *, timeout_s: float, fresh: bool = False) -> CommandResult:
        if self.root is None:
            raise SandboxError("the sandbox is closed")
        identity = [_data(_passwd(self.uid, self.gid)), _data(_group(self.gid))]
        try:
            argv = self._argv(command, fresh, timeout_s, *identity)
            started = time.monotonic()
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, start_new_session=True, pass_fds=identity,
                                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        finally:
            for fd in identity:
                os.close(fd)
        output, timed_out, stopped = _collect(process, started + timeout_s, self.limits)
        seconds = time.monotonic() - started
        code = None if timed_out or stopped else process.returncode
        return CommandResult(output=output.text(), exit_code=code, output_bytes=output.total,
                             truncated=output.truncated, timed_out=timed_out, output_stopped=stopped,
                             over_disk_quota=self._over_quota(), seconds=seconds)

    def close(self) -> None:
        if self._lease is not None:
            _kill_all(self.uid)
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def _argv(self, command: str, fresh: bool, timeout_s: float, passwd_fd: int, group_fd: int) -> list[str]:
        limits = self.limits
        processes = limits.max_processes if self._lease else limits.max_processes + len(uids.processes_of(self.uid))
        cpu = math.ceil(timeout_s) + 1
        argv = ["prlimit", f"--as={limits.memory_mb * MB}", f"--nproc={processes}", f"--cpu={cpu}",
                f"--fsize={limits.file_size_mb * MB}", f"--nofile={limits.open_files}", "--core=0", "--", "bwrap"]
        if not self._lease:
            argv += ["--unshare-user", "--disable-userns"]
        argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
                 "--hostname", "sandbox", "--die-with-parent", "--new-session", "--ro-bind", "/usr", "/usr"]
        for name in SYSTEM_LINKS:
            host = Path("/") / name
            if host.is_symlink():
                argv += ["--symlink", os.readlink(host), f"/{name}"]
            elif host.is_dir():
                argv += ["--ro-bind", str(host), f"/{name}"]
        assert self.root is not None
        argv += ["--ro-bind", "/etc", "/etc", "--perms", "0644", "--ro-bind-data", str(passwd_fd), "/etc/passwd",
                 "--perms", "0644", "--ro-bind-data", str(group_fd), "/etc/group", "--proc", "/proc", "--dev", "/dev",
                 "--perms", "0755", "--dir", "/home", "--bind", str(self.root / "home"), HOME,
                 "--bind", str(self.root / "tmp"), "/tmp", "--perms", "0755", "--dir", "/run",
                 "--bind", str(self.root / "state"), script.STATE_DIR]
        if under_home(self.workdir) is None:
            argv += [*_parent_dirs(self.workdir), "--bind", str(self._workspace), self.workdir]
        for target, source in self._read_only.items():
            argv += [*_parent_dirs(target), "--ro-bind", str(source), target]
        argv += ["--chdir", HOME, "--clearenv"]
        for key, value in script.ENVIRONMENT.items():
            argv += ["--setenv", key, value]
        argv.append("--")
        if self._lease:
            argv += ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                     "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        return argv + script.argv(command, fresh=fresh, workdir=self.workdir)

    def _over_quota(self) -> bool:
        assert self.root is not None
        budget, files = self.limits.disk_mb * MB, 0
        for directory, dirs, names in os.walk(self.root):
            for name in dirs + names:
                files += 1
                try:
                    info = os.lstat(os.path.join(directory, name))
                except OSError:
                    continue
                budget -= info.st_blocks * 512 if stat.S_ISREG(info.st_mode) else 0
                if budget < 0 or files > 2 * MAX_FILES:
                    return True
        return False


def _parent_dirs(path: str) -> list[str]:
    """Arguments making the parents of a mount point that the sandbox does not make itself."""
    argv = []
    for parent in reversed(PurePosixPath(path).parents[:-1]):
        if not any(str(parent) == made or str(parent).startswith(made + "/") for made in MOUNTED):
            argv += ["--perms", "0755", "--dir", str(parent)]  # bwrap would make it 0700
    return argv


def _collect(process: subprocess.Popen, deadline: float, limits: SandboxLimits) -> tuple[BoundedOutput, bool, bool]:
    """Read the merged output until EOF, the deadline or the output ceiling; kill on the latter two."""
    output = BoundedOutput(limits.output_bytes)
    timed_out = stopped = False
    assert process.stdout is not None
    fd = process.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, READ_BYTES)
            if not chunk:
                break
            output.feed(chunk)
            if output.total > limits.output_ceiling_bytes:
                stopped = True
                break
    if not (timed_out or stopped):
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    if timed_out or stopped:
        _kill_group(process)
    process.stdout.close()
    return output, timed_out, stopped


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def _kill_all(uid: int) -> None:
    """Make sure no process of the sandbox's own uid is left (the PID namespace normally saw to it)."""
    for attempt in range(50):
        pids = uids.processes_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.01 * (attempt + 1))
    raise SandboxError(f"processes of sandbox uid {uid} survived SIGKILL: {uids.processes_of(uid)}")


def _data(text: str) -> int:
    fd = os.memfd_create("lbi-sandbox-data")
    os.write(fd, text.encode())
    os.lseek(fd, 0, os.SEEK_SET)
    return fd


def _passwd(uid: int, gid: int) -> str:
    return (f"root:x:0:0:root:/root:/usr/sbin/nologin\n{USER}:x:{uid}:{gid}:{USER}:{HOME}:/bin/bash\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")


def _group(gid: int) -> str:
    return f"root:x:0:\n{USER}:x:{gid}:\nnogroup:x:65534:\n"
