"""The gates' worker process (lbi.quality.validator): reads validation requests as pickles on its
input, answers each with (True, GX's results) or (False, the error's type and message: GX's
exception classes are not imported by the caller), and ends when its input closes or the process
that started it dies. Its stdout is kept for the answers; whatever GX prints goes to stderr."""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
import time

PARENT_VARIABLE = "LBI_VALIDATOR_PARENT"
PR_SET_PDEATHSIG = 1


def _end_with_parent() -> None:
    """Die with the process that started this one: killed, it never closes the input, and while GX
    imports (seconds) the input is not read. The kernel sends the signal (Linux: PR_SET_PDEATHSIG, on
    the parent thread's exit); elsewhere a thread watches the parent, when the imports let it run."""
    parent = int(os.environ.get(PARENT_VARIABLE, os.getppid()))
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
    except (OSError, AttributeError):
        threading.Thread(target=_watch, args=(parent,), daemon=True).start()
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(0)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main() -> None:
    _end_with_parent()
    os.nice(10)  # it imports GX while a run starts up; the run's processes go first
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    from lbi.quality import validation

    validation.load()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            answer = (True, validation.validate_rows(**request))
        except Exception as error:  # noqa: BLE001 - handed to the caller, which raises it
            answer = (False, f"{type(error).__name__}: {error}")
        answers.write(pickle.dumps(answer))
        answers.flush()


if __name__ == "__main__":
    main()
