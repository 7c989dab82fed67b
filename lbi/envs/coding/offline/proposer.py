"""Tasks from a document and what the episode shows at its start: questions about the code the document
names, bug reports (run the tests, fix what fails) and small feature requests (a new test)."""

from __future__ import annotations

from random import Random

from lbi.envs.coding.offline import reading

MAX_TERMS = 4  # the names the document most clearly shows as code


def propose_tasks(document: str, environment: str, count: int, rng: Random) -> list[str]:
    test_command = reading.test_command(environment)
    terms = reading.doc_terms(document)[:MAX_TERMS]
    tasks = [f"Run the test suite with `{test_command}` and fix the code if any test fails."]
    for term in terms:
        tasks += [f"Where is `{term}` defined in this repository? Show me its code.",
                  f"Which tests exercise `{term}`? Run them and tell me whether they pass.",
                  f"Add a test that checks `{term}` can be imported from where it is defined, and run it."]
    rng.shuffle(tasks)
    return tasks[:count]
