"""The gates' worker process (lbi.quality.validator): reads validation requests as pickles on its
input, answers each with (True, GX's results) or (False, the error's type and message: GX's
exception classes are not imported by the caller), and ends when its input closes or the process
that started it dies. Its stdout is kept for the answers; whatever GX prints goes to stderr."""

from __future__ import annotations

import os
import pickle
import sys
import threading

from lbi.parent_death import die_with_parent, exit_when_orphaned

PARENT_VARIABLE = "LBI_VALIDATOR_PARENT"


def _end_with_parent() -> None:
    """Die with the process that started this one: killed, it never closes the input, and while GX
    imports (seconds) the input is not read. The kernel sends the signal where it can; elsewhere a
    thread watches the parent, when the imports let it run."""
    parent = int(os.environ.get(PARENT_VARIABLE, os.getppid()))
    try:
        die_with_parent(parent)
    except OSError:  # no prctl here
        threading.Thread(target=exit_when_orphaned, args=(parent, 0.2), daemon=True).start()


def _load_niced() -> None:
    """Import GX and make its context at a low priority: it runs while a run starts up, and the run's
    processes go first. On Linux a nice value is a thread's, so the validations, on the main thread,
    keep the normal priority: the last gates are on the run's critical path."""
    os.nice(10)
    from lbi.quality import validation

    validation.load()


def main() -> None:
    _end_with_parent()
    loading = threading.Thread(target=_load_niced, name="load-gx", daemon=True)
    loading.start()
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    requests = sys.stdin.buffer
    from lbi.quality import validation

    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        loading.join()
        try:
            answer = (True, validation.validate_rows(**request))
        except Exception as error:  # noqa: BLE001 - handed to the caller, which raises it
            answer = (False, f"{type(error).__name__}: {error}")
        answers.write(pickle.dumps(answer))
        answers.flush()


if __name__ == "__main__":
    main()
