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
  unprivileged in a user namespace of its own;
- namespaces: a seccomp filter (seccomp.py) refuses new user namespaces in both
  modes (``unshare -r``, ``unshare -U``, and so any ``mount``);
- memory and processes of the sandbox as a whole: a cgroup (cgroup.py) with
  ``memory.max`` (``memory_total_mb``, plus ``disk_mb`` when the files live in
  a tmpfs, whose pages it is charged) and ``pids.max``; without one, per-process
  limits whose product stays within the total (``cgroup.shared_limits``);
- per process: ``prlimit`` rlimits (address space; RLIMIT_NPROC per uid, which
  binds because the uid is not root; as a non-root user it counts your other
  processes too, so the cap is set that many above them; file size, open files, CPU);
- time and output: the caller's deadline and output ceiling, then SIGKILL to
  the process group (the sandbox's PID namespace dies with it);
- disk: started by root, the episode's files live in a tmpfs of ``disk_mb``
  (tmpfs.py), so a write past it fails (ENOSPC) and a full disk ends the
  episode; otherwise the files are measured after each command, without
  recursion and through directories made unreadable (lbi/fs.py), against the
  quota (a file is bounded by RLIMIT_FSIZE while the command runs).
"""

from __future__ import annotations

import math
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import time
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Callable, Mapping

from lbi.fs import remove_tree, tree_usage
from lbi.sandbox import leftovers, script, seccomp, tmpfs, uids
from lbi.sandbox.base import HOME, USER, WORKDIR, CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits
from lbi.sandbox.capture import BoundedOutput
from lbi.sandbox.cgroup import SETUP_PROCESSES, Cgroup, shared_limits
from lbi.sandbox.tree import MAX_FILES, check_size, copy_tree
from lbi.sandbox.workdir import under_home, validated_binds, validated_workdir

MB = 1024 * 1024
READ_BYTES = 65536
SYSTEM_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
MOUNTED = ("/home", "/tmp", "/run")  # made by the arguments before the workspace's
PREFIX = "lbi-sandbox-"
# Puts the shell into the sandbox's cgroup (each cgroup.procs file before --), then runs the rest.
JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'
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
    if seccomp.problem():
        return seccomp.problem()
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

    def __init__(self, workdir: Path | None = None, *, whole: bool = True) -> None:
        """``whole``: bound the sandbox as a whole where the machine allows (cgroup, tmpfs); False gives the
        fallbacks everywhere (for tests of them)."""
        self._base_dir = Path(workdir) if workdir is not None else Path(tempfile.gettempdir())
        self._whole = whole

    def problem(self) -> str | None:
        leftovers.reclaim_once(self._base_dir)
        return _problem()

    def open(self, tree: Path | None, limits: SandboxLimits, *, workdir: str = WORKDIR,
             read_only: Mapping[str, Path] | None = None) -> Sandbox:
        return BubblewrapSandbox(tree, limits, self._base_dir, workdir=workdir, read_only=read_only,
                                 whole=self._whole)


class BubblewrapSandbox(Sandbox):
    """The tree is copied into the episode's home when ``workdir`` lies inside it, else into a directory of
    its own bound at ``workdir``."""

    def __init__(self, tree: Path | None, limits: SandboxLimits, base_dir: Path, workdir: str = WORKDIR,
                 read_only: Mapping[str, Path] | None = None, whole: bool = True) -> None:
        self.limits = limits
        self.workdir = validated_workdir(workdir)
        self._read_only = validated_binds(read_only)
        inside_home = under_home(self.workdir)
        if tree is not None:
            check_size(tree, limits.disk_mb * MB)
        self.root: Path | None = None
        self.cgroup: Cgroup | None = None
        self._capped = False  # the files live in a tmpfs of disk_mb
        self._lease = uids.lease_uid() if _is_root() else None
        self.uid = self._lease.uid if self._lease else os.getuid()
        self.gid = self._lease.uid if self._lease else os.getgid()
        try:
            base_dir.mkdir(parents=True, exist_ok=True)
            self.root = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=base_dir))
            if whole and self._lease:
                self._capped = _mounted(self.root, limits)
            if whole:
                files = limits.disk_mb * MB if self._capped else 0
                self.cgroup = Cgroup.create(limits.memory_total_mb * MB + files, limits.max_processes + SETUP_PROCESSES)
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
        fds = [_data(_passwd(self.uid, self.gid)), _data(_group(self.gid)), seccomp.program_fd()]
        try:
            argv = self._argv(command, fresh, timeout_s, *fds)
            started = time.monotonic()
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, start_new_session=True, pass_fds=fds,
                                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        finally:
            for fd in fds:
                os.close(fd)
        output, timed_out, stopped = _collect(process, started + timeout_s, self.limits)
        seconds = time.monotonic() - started
        code = None if timed_out or stopped else process.returncode
        return CommandResult(output=output.text(), exit_code=code, output_bytes=output.total,
                             truncated=output.truncated, timed_out=timed_out, output_stopped=stopped,
                             over_disk_quota=self._over_quota(), seconds=seconds)

    def close(self) -> None:
        """Every step runs whatever the others did; the first failure is raised once all have run."""
        failures = [error for step in (self._stop_processes, self._remove_files, self._release_uid)
                    if (error := _attempt(step)) is not None]
        if failures:
            raise SandboxError(f"the sandbox could not release everything: {failures[0]}")

    def _stop_processes(self) -> None:
        try:
            if self._lease is not None:
                _kill_all(self.uid)
        finally:
            if self.cgroup is not None:
                cgroup, self.cgroup = self.cgroup, None
                cgroup.remove()

    def _remove_files(self) -> None:
        root, self.root = self.root, None
        if root is None:
            return
        if self._capped:
            self._capped = False
            tmpfs.unmount(root)
        remove_tree(root)

    def _release_uid(self) -> None:
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def _argv(self, command: str, fresh: bool, timeout_s: float, passwd_fd: int, group_fd: int,
              seccomp_fd: int) -> list[str]:
        limits = self.limits
        if self.cgroup is not None:
            address_space, processes = limits.memory_mb * MB, limits.max_processes
        else:
            address_space, processes = shared_limits(limits)
        if not self._lease:
            processes += len(uids.processes_of(self.uid))
        cpu = math.ceil(timeout_s) + 1
        join = ["/bin/sh", "-c", JOIN, "sh", *map(str, self.cgroup.procs_files), "--"] if self.cgroup else []
        argv = [*join, "prlimit", f"--as={address_space}", f"--nproc={processes}", f"--cpu={cpu}",
                f"--fsize={limits.file_size_mb * MB}", f"--nofile={limits.open_files}", "--core=0", "--", "bwrap"]
        if not self._lease:
            argv += ["--unshare-user", "--disable-userns"]
        argv += ["--seccomp", str(seccomp_fd), "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
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
        if self._capped:
            return tmpfs.is_full(self.root)
        used, files = tree_usage(self.root, max_bytes=self.limits.disk_mb * MB, max_entries=2 * MAX_FILES)
        return used > self.limits.disk_mb * MB or files > 2 * MAX_FILES


def _mounted(root: Path, limits: SandboxLimits) -> bool:
    """Mount a tmpfs of ``disk_mb`` on ``root``; False where mounting is not allowed (the measured fallback)."""
    try:
        tmpfs.mount(root, limits.disk_mb * MB, 2 * MAX_FILES)
    except OSError:
        return False
    return True


def _attempt(step: Callable[[], None]) -> Exception | None:
    try:
        step()
    except Exception as error:  # close goes on with the other steps; the first failure is raised after them
        return error
    return None


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
