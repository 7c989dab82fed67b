"""The gates validate in a worker process of their own (lbi.quality.validator): GX never loads in the
caller's process, a worker that dies is replaced (during a validation too), an error in the worker
reaches the caller, and stopping leaves no process or pipe behind."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest
import sqlalchemy as sa

from lbi.quality import validator
from lbi.quality.config import GateConfig
from lbi.quality.runner import validate
from lbi.quality.scope import Scope
from lbi.quality.suite import not_null
from lbi.quality.suites import SUITES
from tests.children import children_running, ended
from tests.eventually import eventually

APART = """
import sys
import sqlalchemy as sa
from lbi.quality.config import GateConfig
from lbi.quality.runner import validate
from lbi.quality.scope import Scope
from lbi.quality.suites import SUITES

outcome = validate(sa.create_engine(sys.argv[1]), SUITES["verdicts"], Scope(run_id=1), GateConfig())
print("OUTCOME", outcome.outcome, len(outcome.checks), outcome.rows > 0)
print("HERE", "great_expectations" in sys.modules, "torch" in sys.modules)
"""


def _workers(parent: int | None = None) -> list[psutil.Process]:
    return children_running("lbi.quality.validator_worker", parent)


def _pipes() -> int:
    return sum(os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:") for fd in os.listdir("/proc/self/fd")
               if os.path.exists(f"/proc/self/fd/{fd}"))


def test_a_validation_runs_apart_and_gx_never_loads_in_the_caller(synthesized_store: sa.Engine) -> None:
    url = synthesized_store.url.render_as_string(hide_password=False)
    done = subprocess.run([sys.executable, "-c", APART, url], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "OUTCOME passed" in done.stdout and "True" in done.stdout.split("OUTCOME")[1].splitlines()[0]
    assert "HERE False False" in done.stdout, done.stdout


def test_a_worker_killed_during_a_validation_is_replaced_and_the_validation_done(
        synthesized_store: sa.Engine, caplog: pytest.LogCaptureFixture) -> None:
    validator.stop()
    validator.start()  # it imports GX for seconds: the validation below waits for it, and it is killed then
    [worker] = _workers()
    threading.Timer(1.0, os.kill, (worker.pid, signal.SIGKILL)).start()
    with caplog.at_level(logging.WARNING, logger="lbi.quality.validator"):
        outcome = validate(synthesized_store, SUITES["verdicts"], Scope(run_id=1), GateConfig())
    assert outcome.outcome == "passed" and len(outcome.checks) >= 5
    assert "died while validating 'verdicts'" in caplog.text
    assert [w.pid for w in _workers()] != [worker.pid]


def test_a_worker_that_died_between_validations_is_replaced(synthesized_store: sa.Engine) -> None:
    validate(synthesized_store, SUITES["instructions"], Scope(run_id=1), GateConfig())
    [worker] = _workers()
    worker.kill()
    worker.wait(10)
    outcome = validate(synthesized_store, SUITES["instructions"], Scope(run_id=1), GateConfig())
    assert outcome.outcome == "passed" and outcome.rows > 0


def test_an_error_in_the_worker_reaches_the_caller(synthesized_store: sa.Engine) -> None:
    url = synthesized_store.url.set(database="no_such_database").render_as_string(hide_password=False)
    with pytest.raises(validator.ValidatorError, match="no_such_database"):
        validator.validate_rows(url, name="x", query="SELECT 1 AS id", key="id", sample=5,
                                checks=[(not_null("id-present", "ids are there", "id"), "stop")])
    outcome = validate(synthesized_store, SUITES["instructions"], Scope(run_id=1), GateConfig())
    assert outcome.outcome == "passed", "the worker goes on after an error"


def test_stopping_leaves_no_process_or_pipe(synthesized_store: sa.Engine) -> None:
    validator.stop()
    pipes = _pipes()
    validate(synthesized_store, SUITES["instructions"], Scope(run_id=1), GateConfig())
    [worker] = _workers()
    validator.stop()
    assert ended(worker.pid)
    assert eventually(lambda: _pipes() <= pipes, 5), f"{_pipes() - pipes} pipes left open"
    assert _workers() == []


def test_a_worker_still_importing_gx_stops_at_once() -> None:
    validator.stop()
    validator.start()
    [worker] = _workers()
    started = time.monotonic()
    validator.stop()  # as at the exit of a run that failed before its first gate
    assert time.monotonic() - started < 2, "stopping waited for the worker's import"
    assert ended(worker.pid)


def test_the_worker_ends_with_a_process_killed_while_it_imports_gx() -> None:
    owner = subprocess.Popen([sys.executable, "-c", "from lbi.quality import validator; import time;"
                              " validator.start(); print('started', flush=True); time.sleep(60)"],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "started"
        [worker] = _workers(owner.pid)
    finally:
        owner.kill()
        owner.wait()
    assert eventually(lambda: not worker.is_running() or worker.status() == psutil.STATUS_ZOMBIE, 3), \
        "the worker outlived the process that started it"


def _thread_nice(tid: int) -> int | None:
    """A thread's nice value (on Linux a thread is addressed as a process); None once it has ended."""
    try:
        return psutil.Process(tid).nice()
    except psutil.NoSuchProcess:
        return None


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a nice value is a thread's on Linux only")
def test_gx_loads_at_a_low_priority_and_validations_run_at_the_callers(synthesized_store: sa.Engine) -> None:
    """The worker imports GX while a run starts up, below the run's processes; the gates themselves (the
    last ones are on the run's critical path) run at the caller's priority."""
    validator.stop()
    validator.start()
    [worker] = _workers()
    assert eventually(lambda: any(_thread_nice(t.id) == os.nice(0) + 10 for t in worker.threads()), 10), \
        "no thread of the worker imports GX at a lower priority"
    outcome = validate(synthesized_store, SUITES["instructions"], Scope(run_id=1), GateConfig())
    assert outcome.outcome == "passed"
    assert _thread_nice(worker.pid) == os.nice(0), "the validations ran at a lower priority"
