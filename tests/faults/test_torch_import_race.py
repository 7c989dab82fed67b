"""The quality gates' Great Expectations and the bundled embedder both load torch on first use; started on two
threads at once they once crashed runs ("partially initialized module 'torch'"). Each attempt is a fresh
interpreter, so both imports really are first."""

from __future__ import annotations

import subprocess
import sys

RACE = """
import threading
from lbi.quality import validation
from lbi.retrieval import embedders

errors = []
def run(work):
    try:
        work()
    except BaseException as error:
        errors.append(repr(error))

threads = [threading.Thread(target=run, args=(validation._context,)),
           threading.Thread(target=run, args=(embedders.bundled_model,))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print("ERRORS", errors)
"""


def test_great_expectations_and_the_embedder_load_on_two_threads_at_once() -> None:
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0 and "ERRORS []" in done.stdout, done.stdout[-2000:] + done.stderr[-2000:]
