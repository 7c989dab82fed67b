"""The gates' GX validations, run in a worker process of their own (lbi.quality.validator_worker).

GX costs seconds of CPU to import (torch comes with it) and ~0.1 s per suite,
all of it under the interpreter lock of the process that runs it. In a
synthesize run that process is the flow's, whose threads feed the model: at
C = 64 it is bound by its lock, and a fresh run's first gate held it for
seconds. One worker process (per process that validates) takes the suites one
at a time; ``start`` starts it ahead of the first gate, and it imports GX while
the run goes on. A worker that died is replaced, and the validation it was
running is tried once more on the new one.

The worker is a plain ``python -m`` child talking pickles over its pipes:
multiprocessing's spawn would import the caller's main script again in the
child, which runs a script's top-level flow call a second time.
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
import subprocess
import sys
import threading
from typing import Any

from lbi.errors import LbiError
from lbi.quality.suite import Check
from lbi.quality.validator_worker import PARENT_VARIABLE

log = logging.getLogger(__name__)


class ValidatorError(LbiError, RuntimeError):
    """A validation failed in the GX worker process (GX raised), or the worker died twice in it."""


class _Worker:
    def __init__(self) -> None:
        self.popen = subprocess.Popen([sys.executable, "-m", "lbi.quality.validator_worker"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      env={**os.environ, PARENT_VARIABLE: str(os.getpid())})

    def call(self, request: dict[str, Any]) -> tuple[bool, Any]:
        """The worker's answer to ``request``: (True, results) or (False, the error); EOFError or
        OSError when the worker is gone."""
        pickle.dump(request, self.popen.stdin)
        self.popen.stdin.flush()
        return pickle.load(self.popen.stdout)

    def stop(self) -> None:
        """End it now: between validations it only reads, and it may still be importing GX."""
        for stream in (self.popen.stdin, self.popen.stdout):
            try:
                stream.close()
            except OSError:
                pass
        self.popen.terminate()
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()


_lock = threading.Lock()  # one validation at a time, as GX's context allows
_worker: _Worker | None = None


def start() -> None:
    """Start the worker process if none runs; it imports GX before its first validation."""
    with _lock:
        _running()


def validate_rows(url: str, *, name: str, query: str, checks: list[tuple[Check, str]], key: str,
                  sample: int) -> list[dict[str, Any]]:
    """lbi.quality.validation.validate_rows, in the worker process."""
    global _worker
    request = dict(url=url, name=name, query=query, checks=checks, key=key, sample=sample)
    with _lock:
        for attempt in (1, 2):
            worker = _running()
            try:
                ok, answer = worker.call(request)
            except (EOFError, OSError, pickle.UnpicklingError):
                worker.stop()
                _worker = None
                if attempt == 1:
                    log.warning("the GX worker process died while validating '%s' (exit code %s); validating on"
                                " a new one", name, worker.popen.returncode)
                continue
            if not ok:
                raise ValidatorError(f"the quality gate '{name}' could not be validated: {answer}")
            return answer
        raise ValidatorError(f"the quality gate '{name}' could not be validated: its GX worker process died twice"
                            f" (exit code {worker.popen.returncode})")


def stop() -> None:
    """End the worker process, if one runs (the next validation starts another)."""
    global _worker
    with _lock:
        if _worker is not None:
            _worker.stop()
            _worker = None


def _running() -> _Worker:
    global _worker
    if _worker is not None and _worker.popen.poll() is not None:
        _worker.stop()
        _worker = None
    if _worker is None:
        _worker = _Worker()
    return _worker


atexit.register(stop)
