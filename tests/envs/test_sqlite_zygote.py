"""SQL workers are forked by a zygote process: a dead zygote is replaced, and nothing outlives the
process that started it."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil

from lbi.envs.sqlite import wire, worker_process, zygote
from lbi.envs.sqlite.session import SqlSession
from tests.children import ended
from tests.eventually import eventually


def _database(tmp_path: Path, value: int = 7) -> Path:
    path = tmp_path / f"t{value}.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (?)", (value,))
    return path


def _select(session: SqlSession) -> str:
    return session.request(5, op="run", sql="SELECT x FROM t", max_chars=1000)["text"]


def test_a_killed_zygote_is_started_again(tmp_path: Path) -> None:
    database = _database(tmp_path)
    worker_process.end_idle()  # a worker kept by an earlier test would serve the second session without a zygote
    first = SqlSession(database)
    try:
        assert "7" in _select(first)
        zygote = worker_process._zygote._process
        os.kill(zygote.pid, signal.SIGKILL)
        zygote.wait()
        time.sleep(0.6)  # longer than a worker once took to notice that its zygote was gone
        second = SqlSession(database)
        try:
            assert "7" in _select(second)
            assert worker_process._zygote._process.pid != zygote.pid
        finally:
            second.close()
        assert "7" in _select(first), "a running worker does not need its zygote"
    finally:
        first.close()


def test_the_zygote_and_its_workers_end_with_the_process_that_started_them(tmp_path: Path) -> None:
    database = _database(tmp_path)
    script = textwrap.dedent(f"""
        import sys, time
        from lbi.envs.sqlite.session import SqlSession
        sessions = [SqlSession({str(database)!r}) for _ in range(3)]
        print("ready", flush=True)
        time.sleep(60)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "ready"
        zygotes = psutil.Process(owner.pid).children()
        assert len(zygotes) == 1 and "lbi.envs.sqlite.zygote" in " ".join(zygotes[0].cmdline())
        workers = zygotes[0].children()
        assert len(workers) == 3
    finally:
        owner.kill()
        owner.wait()
    gone, alive = psutil.wait_procs([*zygotes, *workers], timeout=5)
    assert not alive, f"left running: {[p.pid for p in alive]}"


def test_a_released_zygote_stops_at_once_and_open_episodes_go_on(tmp_path: Path) -> None:
    database = _database(tmp_path)
    session = SqlSession(database)
    try:
        zygote = worker_process._zygote._process
        worker_process.release_zygote()  # a run ended while another's episode is open
        assert zygote.poll() is not None and worker_process._zygote._process is None
        assert eventually(lambda: not _channel_threads(), timeout_s=5), "the released zygote's threads end"
        time.sleep(0.6)
        assert "7" in _select(session), "an open episode's worker outlives a released zygote"
    finally:
        session.close()
    later = SqlSession(database)
    try:
        assert "7" in _select(later), "the next episode starts a new zygote"
    finally:
        later.close()


def test_workers_asked_for_at_once_each_belong_to_their_own_episode(tmp_path: Path) -> None:
    """Requests go to the zygote back to back and its answers resolve them in order: each episode gets the
    pidfd of its own worker, so closing one episode kills no other episode's worker."""
    episodes = 24
    databases = [_database(tmp_path, value) for value in range(100, 100 + episodes)]
    opened, half_closed = threading.Barrier(episodes, timeout=10), threading.Barrier(episodes, timeout=10)

    def episode(number: int) -> list[str]:
        opened.wait()
        session = SqlSession(databases[number])
        try:
            seen = [_select(session)]
            if number % 2 == 0:
                session.close()
            half_closed.wait()
            if number % 2:
                seen.append(_select(session))
            return seen
        finally:
            session.close()

    with ThreadPoolExecutor(episodes) as pool:
        seen = list(pool.map(episode, range(episodes)))
    for number, answers in enumerate(seen):
        assert answers and all(str(100 + number) in answer for answer in answers), (number, answers)


def _started_zygote() -> tuple[socket.socket, subprocess.Popen]:
    """A zygote of this process's own, and the control socket to it."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    with theirs:
        episode = os.pidfd_open(os.getpid())
        process = subprocess.Popen([sys.executable, "-m", "lbi.envs.sqlite.zygote", str(theirs.fileno()), str(episode)],
                                   pass_fds=[theirs.fileno(), episode])
        os.close(episode)
    return ours, process


def _answers(ours: socket.socket, workers: int) -> tuple[bytes, list[int]]:
    """The zygote's answers to ``workers`` asked for, one message each, and the pidfds they hand over."""
    answers, pidfds = b"", []
    for _ in range(workers):
        message, fds, _flags, _address = socket.recv_fds(ours, 64, 2)
        assert len(message) == 1, message  # one worker an answer
        answers, pidfds = answers + message, pidfds + fds
    return answers, pidfds


def _end(ours: socket.socket, process: subprocess.Popen, pidfds: list[int], pipes: list[tuple[int, int]]) -> None:
    """Kill the workers, close every descriptor, and see the zygote end once its socket closes."""
    for pidfd in pidfds:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        os.close(pidfd)
    for fd in (fd for pipe in pipes for fd in pipe):
        os.close(fd)
    ours.close()
    assert process.wait(5) == 0


def test_each_worker_asked_for_is_answered_as_soon_as_it_is_forked() -> None:
    """The first episode of a burst gets its worker after one fork, not after the whole burst's."""
    ours, process = _started_zygote()
    burst = 20
    stdins, stdouts = [os.pipe() for _ in range(burst)], [os.pipe() for _ in range(burst)]
    pidfds: list[int] = []
    try:
        socket.send_fds(ours, [zygote.ASK * burst],
                        [fd for stdin, stdout in zip(stdins, stdouts) for fd in (stdin[0], stdout[1])])
        message, pidfds, _flags, _address = socket.recv_fds(ours, 64, burst)
        assert (message, len(pidfds)) == (zygote.STARTED, 1)
        answers, rest = _answers(ours, burst - 1)
        pidfds += rest
        assert answers == zygote.STARTED * (burst - 1) and len(pidfds) == burst
    finally:
        _end(ours, process, pidfds, [*stdins, *stdouts])


def test_the_zygote_answers_a_request_it_cannot_serve_and_goes_on() -> None:
    ours, process = _started_zygote()
    pipes = [os.pipe() for _ in range(4)]  # two workers' stdin and stdout
    fds = [pipes[0][0], pipes[1][1], pipes[2][0], pipes[3][1]]
    try:
        ours.send(b"no descriptors")
        assert _answers(ours, len(b"no descriptors")) == (zygote.REFUSED * len(b"no descriptors"), [])
        socket.send_fds(ours, [zygote.ASK * 2], fds[:3])  # one descriptor short
        assert _answers(ours, 2) == (zygote.REFUSED * 2, [])
        socket.send_fds(ours, [zygote.ASK * 2], fds)
        message, pidfds = _answers(ours, 2)
        assert message == zygote.STARTED * 2 and len(pidfds) == 2
        for pidfd in pidfds:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
            os.close(pidfd)
    finally:
        for fd in (fd for pipe in pipes for fd in pipe):
            os.close(fd)
        ours.close()
        assert process.wait(5) == 0


def test_a_worker_holds_no_descriptor_of_the_others_asked_for_with_it() -> None:
    """Workers asked for in one message are forked while the zygote holds all their pipes: each keeps only its
    own, else a copy of another worker's stdout would hide that worker's death from its episode until the
    statement's deadline."""
    ours, process = _started_zygote()
    stdins, stdouts = [os.pipe() for _ in range(3)], [os.pipe() for _ in range(3)]
    pidfds: list[int] = []
    try:
        socket.send_fds(ours, [zygote.ASK * 3], [fd for i in range(3) for fd in (stdins[i][0], stdouts[i][1])])
        message, pidfds = _answers(ours, 3)
        assert message == zygote.STARTED * 3
        for i in range(3):  # each worker answers: it is past its start, where it lets the others' pipes go
            os.write(stdins[i][1], wire.encode({"op": "close"}))
            assert wire.decode(os.read(stdouts[i][0], 1000)) == {"closed": True}
        for i, pidfd in enumerate(pidfds):
            held = {os.readlink(entry.path) for entry in os.scandir(f"/proc/{_pid_of(pidfd)}/fd")}
            own = {f"pipe:[{os.fstat(stdins[i][0]).st_ino}]", f"pipe:[{os.fstat(stdouts[i][1]).st_ino}]"}
            assert {link for link in held if link.startswith("pipe:")} == own, (i, held)
    finally:
        _end(ours, process, pidfds, [*stdins, *stdouts])


def _pid_of(pidfd: int) -> int:
    with open(f"/proc/self/fdinfo/{pidfd}") as info:
        return int(next(line for line in info if line.startswith("Pid:")).split()[1])


def _channel_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if thread.name.startswith("sql-zygote-")]


def _worker_pids() -> set[int]:
    """The zygote's workers still running (not those ended and not yet reaped)."""
    children = psutil.Process(worker_process._zygote._process.pid).children()
    return {child.pid for child in children if not ended(child.pid)}


def test_an_ended_episode_s_worker_serves_the_next_episode_and_nothing_of_the_first(tmp_path: Path) -> None:
    worker_process.end_idle()
    first = SqlSession(_database(tmp_path, 7))
    first.request(5, op="run", sql="CREATE TEMP TABLE mine (secret)", max_chars=1000)
    first.request(5, op="run", sql="INSERT INTO mine VALUES ('episode one')", max_chars=1000)
    pids = _worker_pids()
    first.close()
    second = SqlSession(_database(tmp_path, 8))
    try:
        assert _worker_pids() == pids, "the first episode's worker was kept and taken again"
        assert "8" in _select(second) and "7" not in _select(second)
        assert "no such table: mine" in second.request(5, op="run", sql="SELECT * FROM mine", max_chars=1000)["text"]
        [worker] = [psutil.Process(pid) for pid in pids]
        assert not any(f.path.endswith("t7.db") for f in worker.open_files()), "the first database is closed"
    finally:
        second.close()
    worker_process.end_idle()


def test_a_killed_worker_is_never_kept_and_a_release_ends_those_waiting(tmp_path: Path) -> None:
    worker_process.end_idle()
    session = SqlSession(_database(tmp_path))
    killed = _worker_pids()
    reply = session.request(0.2, op="run", sql="SELECT printf('%.*c', 2147483647, 'x')", max_chars=100)
    assert reply == {"killed": "timed out"}
    session.close()
    assert all(ended(pid) for pid in killed)
    assert len(worker_process._idle) == 1, "the worker started after the kill was kept"
    waiting = [psutil.Process(pid) for pid in _worker_pids()]
    zygote = worker_process._zygote._process
    worker_process.release_zygote()
    assert zygote.poll() is not None and not worker_process._idle
    gone, alive = psutil.wait_procs(waiting, timeout=5)
    assert len(waiting) == 1 and not alive
