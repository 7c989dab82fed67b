"""The Docker backend: one container per episode, from the image built from ``infra/sandbox/``.

How each bound is enforced: ``network_mode=none``; a read-only root filesystem
with size-capped tmpfs mounts for the home (the workspace) and /tmp, which is
the disk quota; ``mem_limit`` equal to ``memswap_limit`` (no swap): ``memory_total_mb`` for the container as a
whole (its tmpfs pages included); Docker's default seccomp profile refuses new user namespaces;
``pids_limit``; RLIMIT_FSIZE, RLIMIT_NOFILE and no core files as ulimits;
``cap_drop=ALL`` and ``no-new-privileges``; commands run as the image's
unprivileged user under coreutils ``timeout -s KILL``. ``kill -9 -1`` as that user ends whatever a
command left as soon as its shell has ended (a background process would otherwise hold the output
open), past the output ceiling, and at the time limit (plus a moment) whatever ``timeout`` missed,
such as a process in a session of its own.
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any, Mapping

from lbi.sandbox import script
from lbi.sandbox.base import HOME, WORKDIR, CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits
from lbi.sandbox.capture import BoundedOutput
from lbi.sandbox.tree import check_size, tar_tree
from lbi.sandbox.workdir import under_home, validated_binds, validated_workdir

IMAGE = "lbi-sandbox:1"
DOCKERFILE_DIR = Path(__file__).resolve().parents[2] / "infra" / "sandbox"
USER_ID = 1000
ENGINE_TIMEOUT_S = 120
KILLED = 137  # 128 + SIGKILL, what `timeout -s KILL` returns
WATCH_INTERVAL_S = 0.1
BACKSTOP_S = 0.5  # past the time limit, before the host ends what `timeout` did not


def _client() -> Any:
    import docker

    return docker.from_env(timeout=ENGINE_TIMEOUT_S)


class DockerBackend(SandboxBackend):
    name = "docker"

    def __init__(self, image: str = IMAGE, workdir: Path | None = None) -> None:
        self.image = image  # ``workdir`` is unused: every file of an episode lives in its container

    def problem(self) -> str | None:
        try:
            client = _client()
            client.ping()
        except Exception as error:  # the SDK raises many kinds when no engine answers
            return f"no Docker engine answers ({type(error).__name__}: {error})"
        try:
            client.images.get(self.image)
        except Exception:
            if not (DOCKERFILE_DIR / "Dockerfile").is_file():
                return (f"image {self.image} is missing and {DOCKERFILE_DIR} is not here to build it; "
                        f"build it with `docker build -t {self.image} infra/sandbox`")
        finally:
            client.close()
        return None

    def open(self, tree: Path | None, limits: SandboxLimits, *, workdir: str = WORKDIR,
             read_only: Mapping[str, Path] | None = None) -> Sandbox:
        validated_workdir(workdir)
        binds = validated_binds(read_only)
        if tree is not None:
            check_size(tree, limits.disk_mb * 1024 * 1024)
        client = _client()
        try:
            client.images.get(self.image)
        except Exception:
            client.images.build(path=str(DOCKERFILE_DIR), tag=self.image, rm=True, forcerm=True, network_mode="host")
        return DockerSandbox(client, self.image, tree, limits, workdir=workdir, read_only=binds)


class DockerSandbox(Sandbox):
    """The tree is unpacked in the home tmpfs when ``workdir`` lies inside it, else in a tmpfs of its own
    mounted at ``workdir`` (with the same size cap)."""

    def __init__(self, client: Any, image: str, tree: Path | None, limits: SandboxLimits,
                 workdir: str = WORKDIR, read_only: Mapping[str, Path] | None = None) -> None:
        from docker.types import Ulimit

        self.limits = limits
        self.workdir = validated_workdir(workdir)
        inside_home = under_home(self.workdir)
        self._client = client
        megabytes = f"{limits.disk_mb}m"
        workspace = {} if inside_home else {self.workdir: f"size={megabytes},uid={USER_ID},gid={USER_ID},mode=0755"}
        self._container = client.containers.run(  # kept alive by `tail`, so a user's `pgrep sleep` sees only theirs
            image, command=["tail", "-f", "/dev/null"], detach=True, init=True, network_mode="none",
            read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            mem_limit=f"{limits.memory_total_mb}m", memswap_limit=f"{limits.memory_total_mb}m",
            pids_limit=limits.max_processes + 4, nano_cpus=1_000_000_000, labels={"lbi.sandbox": "1"},
            tmpfs={HOME: f"size={megabytes},uid={USER_ID},gid={USER_ID},mode=0755",
                   "/tmp": f"size={megabytes},mode=1777",
                   script.STATE_DIR: f"size=1m,uid={USER_ID},gid={USER_ID},mode=0700", **workspace},
            ulimits=[Ulimit(name="fsize", soft=limits.file_size_mb << 20, hard=limits.file_size_mb << 20),
                     Ulimit(name="nofile", soft=limits.open_files, hard=limits.open_files),
                     Ulimit(name="core", soft=0, hard=0)],
            volumes={str(source): {"bind": target, "mode": "ro"} for target, source in (read_only or {}).items()},
        )
        try:
            if inside_home:
                self._extract(tar_tree(tree, inside_home, USER_ID, USER_ID), HOME)
            else:
                self._extract(tar_tree(tree, ".", USER_ID, USER_ID), self.workdir)
        except BaseException:
            self.close()
            raise

    def run(self, command: str, *, timeout_s: float, fresh: bool = False) -> CommandResult:
        if self._container is None:
            raise SandboxError("the sandbox is closed")
        api = self._client.api
        argv = ["timeout", "-s", "KILL", f"{timeout_s:.3f}s", *script.argv(command, fresh=fresh, workdir=self.workdir)]
        exec_id = api.exec_create(self._container.id, argv, user=f"{USER_ID}:{USER_ID}", workdir=HOME,
                                  environment=script.ENVIRONMENT)["Id"]
        output, stopped, started = BoundedOutput(self.limits.output_bytes), False, time.monotonic()
        finished = threading.Event()
        watch = threading.Thread(target=self._watch, args=(exec_id, started + timeout_s + BACKSTOP_S, finished),
                                 name="docker-sandbox-watch", daemon=True)
        stream = api.exec_start(exec_id, stream=True)
        watch.start()
        try:
            for chunk in stream:
                output.feed(chunk)
                if output.total > self.limits.output_ceiling_bytes:
                    stopped = True
                    break
        finally:
            stream.close()  # its socket: left open with output unread, the next exec's stream never ends
            finished.set()
            watch.join()
            self._kill_leftovers()
        seconds = time.monotonic() - started
        code = _exit_code(api, exec_id)
        timed_out = code == KILLED and seconds >= timeout_s * 0.95
        return CommandResult(output=output.text(), exit_code=None if timed_out or stopped else code,
                             output_bytes=output.total, truncated=output.truncated, timed_out=timed_out,
                             output_stopped=stopped, seconds=seconds)

    def close(self) -> None:
        if self._container is not None:
            try:
                self._container.remove(force=True)
            finally:
                self._container = None
                self._client.close()

    def _watch(self, exec_id: str, deadline: float, finished: threading.Event) -> None:
        """Ends the user's processes once the command's shell has ended or its time is up, so that the
        output stream closes then (it stays open while any process holds it)."""
        api = self._client.api
        while not finished.wait(WATCH_INTERVAL_S):
            if time.monotonic() >= deadline or not api.exec_inspect(exec_id).get("Running"):
                self._kill_leftovers()
                return

    def _kill_leftovers(self) -> None:
        self._container.exec_run(["kill", "-9", "-1"], user=f"{USER_ID}:{USER_ID}")

    def _extract(self, archive: bytes, directory: str) -> None:
        """Unpack a tar into a tmpfs through tar's stdin (the archive API cannot write into tmpfs)."""
        api = self._client.api
        exec_id = api.exec_create(self._container.id, ["tar", "-x", "-C", directory], stdin=True,
                                  user=f"{USER_ID}:{USER_ID}")["Id"]
        connection = api.exec_start(exec_id, socket=True)
        raw = getattr(connection, "_sock", connection)
        try:
            raw.sendall(archive)
            raw.shutdown(socket.SHUT_WR)
            while raw.recv(65536):
                pass
        finally:
            connection.close()
        if _exit_code(api, exec_id) != 0:
            raise SandboxError("could not unpack the workspace in the container")


def _exit_code(api: Any, exec_id: str) -> int | None:
    """The exec's exit code, once the engine has noticed that it ended."""
    for _ in range(100):
        state = api.exec_inspect(exec_id)
        if not state.get("Running"):
            return state.get("ExitCode")
        time.sleep(0.05)
    return None
