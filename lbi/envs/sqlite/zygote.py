"""The process that starts episodes' SQL workers by forking itself:
``python -m lbi.envs.sqlite.zygote CONTROL_FD EPISODE_PIDFD``.

A worker started as a new interpreter cost ~35 ms of CPU per episode (the interpreter and its imports);
this process imported the worker once, so a worker costs a fork. It reads one message per worker on the
control socket CONTROL_FD (a SOCK_SEQPACKET): ``ASK``, with the worker's stdin and stdout attached.
It answers every request, in order: a pidfd of the worker, which the episode uses to kill and await it (a
pidfd never reaches another process that got the same pid), or a refusal when it could not fork. It reaps
the workers that ended, and exits when the control socket closes: the episode's process is gone or let it go.
Each worker watches EPISODE_PIDFD, a pidfd of the episode's process, and ends with that process (worker.py),
not with this one: a zygote that dies takes no running episode's worker with it.
"""

from __future__ import annotations

import os
import select
import socket
import sys

from lbi.envs.sqlite import worker

REAP_EVERY_S = 1.0
ASK = b"worker"  # a request (a message is never empty: an empty one is the socket's end)
STARTED, REFUSED = b"started", b"refused"  # one answer per request, in the order they came
MAX_MESSAGE = 1 << 16


def serve(control: socket.socket, episode: int) -> None:
    while True:
        ready, _, _ = select.select([control], [], [], REAP_EVERY_S)
        _reap()
        if not ready:
            continue
        try:
            message, fds, _flags, _address = socket.recv_fds(control, MAX_MESSAGE, 2)
        except OSError:
            return
        if not message:
            return
        try:
            pidfd = _fork_worker(control, fds, episode) if len(fds) == 2 else None
        finally:
            for fd in fds:
                os.close(fd)
        try:
            if pidfd is None:
                control.send(REFUSED)
            else:
                socket.send_fds(control, [STARTED], [pidfd])
        except OSError:
            return
        finally:
            if pidfd is not None:
                os.close(pidfd)


def _fork_worker(control: socket.socket, fds: list[int], episode: int) -> int | None:
    """A pidfd of a new worker, or None when the system would not fork."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        _become_worker(control, fds, episode)
    return os.pidfd_open(pid)  # before this process can reap it: the pidfd is the worker's


def _become_worker(control: socket.socket, fds: list[int], episode: int) -> None:
    code = 1
    try:
        control.close()
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        for fd in (*fds, devnull):
            if fd > 2:
                os.close(fd)
        worker.serve(episode)
        code = 0
    finally:
        os._exit(code)


def _reap() -> None:
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def main() -> None:
    serve(socket.socket(fileno=int(sys.argv[1])), int(sys.argv[2]))


if __name__ == "__main__":
    main()
