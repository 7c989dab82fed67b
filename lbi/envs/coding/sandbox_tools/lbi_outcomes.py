"""A pytest plugin (``-p lbi_outcomes``): writes each test's outcome to the JSON file named by LBI_OUTCOMES."""

import json
import os

_outcomes = {}
_RANK = {"passed": 0, "skipped": 1, "failed": 2}


def pytest_runtest_logreport(report):
    outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
    if report.when != "call" and outcome == "passed":
        outcome = _outcomes.get(report.nodeid, "passed")
    if _RANK[outcome] >= _RANK.get(_outcomes.get(report.nodeid, "passed"), 0):
        _outcomes[report.nodeid] = outcome


def pytest_collectreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "failed"


def pytest_sessionfinish(session):
    with open(os.environ["LBI_OUTCOMES"], "w") as handle:
        json.dump(_outcomes, handle)
