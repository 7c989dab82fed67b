"""Run chosen tests in the episode's sandbox and print one JSON line: each requested test id's outcome.

Test files named by the ids (and the conftest.py files above them) are first restored from the pristine
tree, as SWE-bench does, so an edited test cannot pass itself. An id selects the tests whose node ids equal
it or start with it followed by ``[`` or ``::`` (parametrized cases, a class's tests).

Argument: base64 of a JSON object {"root", "pristine", "tests"}.
"""

import base64
import json
import os
import shutil
import subprocess
import sys

OUTCOMES = "/tmp/.lbi-outcomes.json"


def main():
    request = json.loads(base64.b64decode(sys.argv[1]))
    root, pristine, tests = request["root"], request["pristine"], request["tests"]
    absent = restore(root, pristine, tests)
    if absent:
        print(json.dumps({"absent": absent}))
        return
    if os.path.exists(OUTCOMES):
        os.remove(OUTCOMES)
    tools = os.path.dirname(os.path.abspath(__file__))
    environment = dict(os.environ, LBI_OUTCOMES=OUTCOMES,
                       PYTHONPATH=os.pathsep.join(p for p in (tools, os.environ.get("PYTHONPATH")) if p))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--tb=line", "-p", "no:cacheprovider",
                           "-p", "lbi_outcomes", *tests], cwd=root, env=environment, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    outcomes = {}
    if os.path.exists(OUTCOMES):
        with open(OUTCOMES) as handle:
            outcomes = json.load(handle)
    results = {test: outcome_of(test, outcomes) for test in tests}
    tail = done.stdout.decode(errors="replace")[-1500:]
    print(json.dumps({"exit": done.returncode, "results": results, "tail": tail}))


def outcome_of(test, outcomes):
    found = [o for nodeid, o in outcomes.items()
             if nodeid == test or nodeid.startswith(test + "[") or nodeid.startswith(test + "::")]
    if not found:
        return "missing"
    if "failed" in found:
        return "failed"
    return "passed" if "passed" in found else "skipped"


def restore(root, pristine, tests):
    """Copy the named test files and their conftest.py files from the pristine tree; the files it lacks."""
    absent = []
    for path in sorted({test.split("::")[0] for test in tests}):
        if path.startswith("/") or ".." in path.split("/") or not os.path.isfile(os.path.join(pristine, path)):
            absent.append(path)
            continue
        parts = path.split("/")
        for depth in range(len(parts)):
            conftest = "/".join(parts[:depth] + ["conftest.py"])
            if os.path.isfile(os.path.join(pristine, conftest)):
                copy(pristine, root, conftest)
        copy(pristine, root, path)
    return absent


def copy(pristine, root, path):
    target = os.path.join(root, path)
    if os.path.islink(target) or os.path.isdir(target):
        shutil.rmtree(target) if os.path.isdir(target) and not os.path.islink(target) else os.remove(target)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copyfile(os.path.join(pristine, path), target)


if __name__ == "__main__":
    main()
