"""The process that starts episodes' SQL workers by forking itself:
``python -m lbi.envs.sqlite.zygote CONTROL_FD EPISODE_PIDFD``.

A worker started as a new interpreter cost ~35 ms of CPU per episode (the interpreter and its imports);
this process imported the worker once, so a worker costs a fork. It reads requests on the control socket
CONTROL_FD (a SOCK_SEQPACKET): a message of one ``ASK`` byte per worker asked for, with each worker's
stdin and stdout attached in turn (up to ``MAX_ASKS`` workers a message, so that a burst of episodes costs
the asking process one message, not one round trip each). It answers each worker as soon as it has forked
it, in the order asked, with one byte: ``STARTED`` with a pidfd of the worker attached, which the episode
uses to kill and await it (a pidfd never reaches another process that got the same pid), or ``REFUSED``
when it could not fork. (Answering a message's workers together made the first episode of a burst of 100
wait for all 100 forks: 0.1-0.4 s at a run's start.)
It reaps the workers that ended, and exits when the control socket closes: the episode's process is gone
or let it go. Each worker watches EPISODE_PIDFD, a pidfd of the episode's process, and ends with that
process (worker.py), not with this one: a zygote that dies takes no running episode's worker with it.
"""

from __future__ import annotations

import os
import select
import socket
import sys

from lbi.envs.sqlite import worker

REAP_EVERY_S = 1.0
ASK = b"w"  # one worker asked for (a message is never empty: an empty one is the socket's end)
STARTED, REFUSED = b"s", b"r"  # one answer per worker asked for, in the order they came
MAX_ASKS = 100  # workers a message asks for: two descriptors each, within the kernel's 253 a message


def serve(control: socket.socket, episode: int) -> None:
    while True:
        ready, _, _ = select.select([control], [], [], REAP_EVERY_S)
        _reap()
        if not ready:
            continue
        try:
            message, fds, _flags, _address = socket.recv_fds(control, MAX_ASKS, 2 * MAX_ASKS)
        except OSError:
            return
        if not message:
            return
        well_formed = len(fds) == 2 * len(message) and message == ASK * len(message)
        try:
            for i in range(len(message)):
                pidfd = _fork_worker(control, fds[2 * i:2 * i + 2], episode) if well_formed else None
                if not _answer(control, pidfd):
                    return
        finally:
            for fd in fds:
                os.close(fd)


def _answer(control: socket.socket, pidfd: int | None) -> bool:
    """Tell the asking process about one worker (and hand it the pidfd); False once it cannot be told."""
    try:
        if pidfd is None:
            control.send(REFUSED)
        else:
            socket.send_fds(control, [STARTED], [pidfd])
        return True
    except OSError:
        return False
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _fork_worker(control: socket.socket, fds: list[int], episode: int) -> int | None:
    """A pidfd of a new worker reading ``fds[0]`` and writing ``fds[1]``, or None when the system would not
    fork."""
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:
        _become_worker(control, fds, episode)
    return os.pidfd_open(pid)  # before this process can reap it: the pidfd is the worker's


def _become_worker(control: socket.socket, fds: list[int], episode: int) -> None:
    """Keep nothing but its own pipes and the episode's pidfd: the other workers' pipes of the same message
    (a copy of another's stdout would hide that worker's end from its episode) and their pidfds are closed."""
    code = 1
    try:
        control.close()
        os.dup2(fds[0], 0)
        os.dup2(fds[1], 1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.closerange(3, episode)
        os.closerange(episode + 1, os.sysconf("SC_OPEN_MAX"))
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
