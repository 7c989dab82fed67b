"""Tasks from a document and what the episode shows at its start: small feature requests (a new test), questions
about the code the document names, and bug reports (run the tests, fix what fails)."""

from __future__ import annotations

from random import Random

from lbi.envs.coding.offline import reading

MAX_TERMS = 6  # the names the document most clearly shows as code
KINDS = (
    "Add a test that checks `{}` can be imported from where it is defined, and run it.",
    "Where is `{}` defined in this repository? Show me its code.",
    "Which tests exercise `{}`? Run them and tell me whether they pass.",
)


def propose_tasks(document: str, environment: str, count: int, rng: Random) -> list[str]:
    """One task per name the document shows as code, the kinds taken in turn from a random start, then the
    bug report."""
    terms = reading.doc_terms(document)[:MAX_TERMS]
    start = rng.randrange(len(KINDS))
    tasks = [KINDS[(start + i) % len(KINDS)].format(term) for i, term in enumerate(terms)]
    tasks.append(f"Run the test suite with `{reading.test_command(environment)}` and fix the code if any test fails.")
    return tasks[:count]
