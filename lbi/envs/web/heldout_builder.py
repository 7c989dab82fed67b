"""Writes the held-out task set (tasks/trac-heldout.jsonl) from plans that name elements by role and label.

Each plan is replayed on a fresh episode; every step's element is looked up by (role, name[, n-th match]) in
the page as observed, so the gold actions carry the ids the page really has (ids follow the DOM order of a
fresh copy, the same in every episode). Answers come from the seeded database. A task whose gold does not
pass its own check is not written. Run: ``python -m lbi.envs.web.heldout_builder``.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from lbi.envs import registry
from lbi.envs.web.checks import Check
from lbi.envs.checks import parse_check

ENV_ID = "web-trac-v0"
OUT = Path(__file__).with_name("tasks") / "trac-heldout.jsonl"
NAV = {"wiki": "WIKI", "timeline": "TIMELINE", "roadmap": "ROADMAP", "tickets": "VIEW TICKETS",
       "new": "NEW TICKET", "search": "SEARCH"}


def facts(db: sqlite3.Connection) -> dict:
    def one(sql: str, *args: object) -> str:
        return str(db.execute(sql, args).fetchone()[0])

    return {
        "summary": lambda n: one("SELECT summary FROM ticket WHERE id = ?", n),
        "owner_name": lambda n: one("SELECT value FROM session_attribute WHERE name = 'name' AND sid = "
                                    "(SELECT owner FROM ticket WHERE id = ?)", n),
        "field": lambda n, f: one(f"SELECT {f} FROM ticket WHERE id = ?", n),
        "count": lambda where: one(f"SELECT count(*) FROM ticket WHERE {where}"),
    }


def tasks(f: dict) -> list[dict]:
    """(id suffix, instruction, plan, check): a plan step is (verb, role, name[, n], [text]) or (goto, path)."""
    t = []

    def add(instruction: str, plan: list, check: dict, difficulty: str = "easy") -> None:
        t.append({"instruction": instruction, "plan": plan, "check": check, "difficulty": difficulty})

    for n in (7, 25, 64, 150, 280):
        add(f"What is the summary of ticket #{n}?", [("goto", f"/ticket/{n}"), ("answer", f["summary"](n))],
            {"type": "answer_equals", "text": f["summary"](n)})
    for n in (3, 77, 120):
        add(f"Who owns ticket #{n}? Give the owner's full name.",
            [("goto", f"/ticket/{n}"), ("answer", f["owner_name"](n))],
            {"type": "answer_equals", "text": f["owner_name"](n), "ignore_case": True})
    for n, field in ((12, "resolution"), (200, "priority"), (314, "component"), (57, "milestone")):
        add(f"What is the {field} of ticket #{n}?", [("goto", f"/ticket/{n}"), ("answer", f["field"](n, field))],
            {"type": "answer_equals", "text": f["field"](n, field), "ignore_case": True})
    add("According to the wiki's release process page, who is the release manager?",
        [("click", "link", NAV["wiki"]), ("click", "link", "How we release"), ("answer", "Carol Lindqvist")],
        {"type": "answer_contains", "text": "Carol Lindqvist"}, "medium")
    add("What is the default chunk size according to the Architecture page of the wiki?",
        [("click", "link", NAV["wiki"]), ("click", "link", "Architecture overview"), ("answer", "4 MB")],
        {"type": "answer_regex", "pattern": r"4\s*MB", "mode": "search", "ignore_case": True}, "medium")
    add("How big can a single file be, according to the FAQ?",
        [("click", "link", NAV["wiki"]), ("click", "link", "Frequently asked questions"), ("answer", "16 GB")],
        {"type": "answer_regex", "pattern": r"16\s*GB", "mode": "search", "ignore_case": True}, "medium")
    add("Who is on call this month, according to the team contacts page?",
        [("click", "link", "Team contacts"), ("answer", "Dave Ishikawa")],
        {"type": "answer_contains", "text": "Dave Ishikawa"})
    add("What is Carol Lindqvist's IRC nickname?",
        [("click", "link", "Team contacts"), ("answer", "clind")], {"type": "answer_equals", "text": "clind"})
    add("Which milestone will move its due date to the end of September, according to the 2024-06-03 meeting notes?",
        [("click", "link", "Meeting notes"), ("click", "link", "2024-06-03"), ("answer", "1.2")],
        {"type": "answer_equals", "text": "1.2"}, "medium")
    add("How many tickets assigned to milestone 2.0 are still open?",
        [("click", "link", NAV["roadmap"]), ("answer", f["count"]("milestone = '2.0' AND status != 'closed'"))],
        {"type": "answer_regex", "pattern": f["count"]("milestone = '2.0' AND status != 'closed'") + r"( tickets?)?",
         "ignore_case": True}, "medium")
    dave_new = f["count"]("owner = 'dave' AND status = 'new'")
    add("How many new tickets does dave own? Use a ticket query.",
        [("goto", "/query?owner=dave&status=new"), ("answer", dave_new)],
        {"type": "answer_regex", "pattern": dave_new + r"( tickets?)?"}, "hard")
    for name, path in (("roadmap", "/roadmap"), ("timeline", "/timeline")):
        add(f"Open the project's {name}.", [("click", "link", NAV[name])], {"type": "url", "path": path})
    add("Open the page of milestone 1.2.", [("click", "link", NAV["roadmap"]), ("click", "link", "Milestone: 1.2")],
        {"type": "url", "path": "/milestone/1.2"})
    add("Open the list of available reports.", [("click", "link", NAV["tickets"])], {"type": "url", "path": "/report"})
    add("Open the Active Tickets report.", [("click", "link", NAV["tickets"]), ("click", "link", "{1} Active Tickets")],
        {"type": "url", "path": "/report/1"}, "medium")
    add("Open the wiki's index of all pages.", [("click", "link", NAV["wiki"]), ("click", "link", "Index")],
        {"type": "url", "path": "/wiki/TitleIndex"})
    add("Search the site for 'LDAP'.", [("click", "link", NAV["search"]), ("fill", "textbox", "Search", 0, "LDAP"),
                                        ("click", "button", "Search", 1)],
        {"type": "url", "pattern": r"/search\?.*q=LDAP.*"}, "medium")
    new_tickets = (
        ("Upload resumes from the start after a timeout", "defect", "server", "critical"),
        ("Show file sizes in the share dialog", "enhancement", "web-ui", "minor"),
        ("Document the S3 backend settings", "task", "docs", "major"),
        ("Token endpoint rejects valid refresh tokens", "defect", "auth", "blocker"),
        ("Add retry metrics to the sync engine", "enhancement", "sync-engine", "trivial"),
    )
    for summary, kind, component, priority in new_tickets:
        add(f"Create a {kind} ticket titled '{summary}' in the {component} component with priority {priority}.",
            [("click", "link", NAV["new"]), ("fill", "textbox", "Summary:", summary),
             ("select", "combobox", "Type:", kind), ("select", "combobox", "Component:", component),
             ("select", "combobox", "Priority:", priority), ("click", "button", "Create ticket")],
            {"type": "ticket", "fields": {"summary": summary, "type": kind, "component": component,
                                          "priority": priority, "reporter": "alice"}}, "medium")
    add("File a ticket 'Sync stalls on very long paths' for milestone 1.2, version 1.1.",
        [("click", "link", NAV["new"]), ("fill", "textbox", "Summary:", "Sync stalls on very long paths"),
         ("select", "combobox", "Milestone:", "1.2"), ("select", "combobox", "Version:", "1.1"),
         ("click", "button", "Create ticket")],
        {"type": "ticket", "fields": {"summary": "Sync stalls on very long paths", "milestone": "1.2",
                                      "version": "1.1"}}, "medium")
    comments = ((7, "The install guide now mentions the quota."), (25, "Reproduced with a 2-hour token."),
                (150, "Seen again on the staging cluster."), (280, "Profiling shows a lock held too long."))
    for n, comment in comments:
        add(f"Add the comment '{comment}' to ticket #{n}.",
            [("goto", f"/ticket/{n}"), ("fill", "textbox", "You may use WikiFormatting here.", comment),
             ("click", "button", "Submit changes")],
            {"type": "ticket", "id": n, "comment_contains": comment}, "medium")
    for n in (7, 64, 314):
        add(f"Close ticket #{n} as fixed.",
            [("goto", f"/ticket/{n}"), ("click", "link", "Modify Ticket"), ("click", "radio", "resolve"),
             ("select", "combobox", "", 0, "fixed"), ("click", "button", "Submit changes")],
            {"type": "ticket", "id": n, "fields": {"status": "closed", "resolution": "fixed"}}, "hard")
    add("Close ticket #25 as a duplicate.",
        [("goto", "/ticket/25"), ("click", "link", "Modify Ticket"), ("click", "radio", "resolve"),
         ("select", "combobox", "", 0, "duplicate"), ("click", "button", "Submit changes")],
        {"type": "ticket", "id": 25, "fields": {"status": "closed", "resolution": "duplicate"}}, "hard")
    for n, person, user in ((120, "Carol Lindqvist", "carol"), (150, "Bob Okafor", "bob")):
        add(f"Reassign ticket #{n} to {person}.",
            [("goto", f"/ticket/{n}"), ("click", "link", "Modify Ticket"), ("click", "radio", "reassign"),
             ("select", "combobox", "", 1, person), ("click", "button", "Submit changes")],
            {"type": "ticket", "id": n, "fields": {"owner": user, "status": "assigned"}}, "hard")
    for n, field, label, value in ((77, "priority", "Priority:", "blocker"), (3, "milestone", "Milestone:", "1.2"),
                                   (200, "component", "Component:", "api")):
        add(f"Change the {field} of ticket #{n} to {value}.",
            [("goto", f"/ticket/{n}"), ("click", "link", "Modify Ticket"), ("select", "combobox", label, value),
             ("click", "button", "Submit changes")],
            {"type": "ticket", "id": n, "fields": {field: value}}, "medium")
    add("Add the keyword 'security' to ticket #280 (replacing its keywords).",
        [("goto", "/ticket/280"), ("click", "link", "Modify Ticket"), ("fill", "textbox", "Keywords:", "security"),
         ("click", "button", "Submit changes")],
        {"type": "ticket", "id": 280, "fields": {"keywords": "security"}}, "medium")
    pages = (("OnboardingChecklist", "= Onboarding =\n\n * Get an account on the tracker.\n"),
             ("ReleaseNotes/1.2", "= Release notes 1.2 =\n\nTwo-factor login is here.\n"))
    for page, text in pages:
        add(f"Create a wiki page named {page} with the text: {text.strip().splitlines()[-1].strip(' *')}",
            [("goto", f"/wiki/{page}"), ("click", "button", "Create this page"), ("fill", "textbox", "", 1, text),
             ("click", "button", "Submit changes")],
            {"type": "wiki", "page": page, "contains": text.strip().splitlines()[-1].strip(" *")}, "medium")
    team = ("= Team contacts =\n\n||= Name =||= Area =||= IRC =||\n|| Alice Moreau || web UI and docs || amoreau ||\n"
            "|| Bob Okafor || server and sync engine || bokafor ||\n|| Carol Lindqvist || client and API || clind ||\n"
            "|| Dave Ishikawa || storage and auth || dishi ||\n|| Erin Walsh || QA and support || ewalsh ||\n"
            "|| Frank Osei || build and release || fosei ||\n\nOn-call this month: Dave Ishikawa.\n")
    add("Add Frank Osei (build and release, IRC fosei) to the team contacts page.",
        [("click", "link", "Team contacts"), ("click", "button", "Edit this page"), ("fill", "textbox", "", 1, team),
         ("click", "button", "Submit changes")],
        {"type": "wiki", "page": "TeamContacts", "contains": "Frank Osei"}, "hard")
    add("Change the on-call person on the team contacts page to Erin Walsh.",
        [("click", "link", "Team contacts"), ("click", "button", "Edit this page"),
         ("fill", "textbox", "", 1, team.replace("|| Frank Osei || build and release || fosei ||\n", "")
          .replace("On-call this month: Dave Ishikawa.", "On-call this month: Erin Walsh.")),
         ("click", "button", "Submit changes")],
        {"type": "wiki", "page": "TeamContacts", "contains": "On-call this month: Erin Walsh."}, "hard")
    add("Close milestone 1.2 in the roadmap.",
        [("goto", "/milestone/1.2"), ("click", "button", "Edit milestone"), ("click", "checkbox", "Completed:"),
         ("click", "button", "Submit changes")],
        {"type": "milestone", "name": "1.2", "completed": True}, "hard")
    add("Close the 2.0 milestone.",
        [("click", "link", NAV["roadmap"]), ("click", "link", "Milestone: 2.0"), ("click", "button", "Edit milestone"),
         ("click", "checkbox", "Completed:"), ("click", "button", "Submit changes")],
        {"type": "milestone", "name": "2.0", "completed": True}, "hard")
    return t


def resolve(env, step: tuple) -> str:
    verb, rest = step[0], step[1:]
    if verb in ("goto", "answer"):
        return f"{verb}({rest[0]!r})"
    role, name, *more = rest
    index = more.pop(0) if more and isinstance(more[0], int) else 0
    matches = [e for e in env.page_elements.values() if e.role == role and e.name == name]
    if len(matches) <= index:
        raise LookupError(f"no {role} {name!r} (#{index}) on {env.url}")
    element = matches[index].id
    return f"{verb}({element})" if verb == "click" else f"{verb}({element}, {more[0]!r})"


def build() -> list[dict]:
    spec = registry.spec(ENV_ID)
    written = []
    env = registry.make(ENV_ID)
    try:
        env.reset()
        with sqlite3.connect(env.state_path / "db" / "trac.db") as db:
            found = facts(db)
            plans = tasks(found)
        for number, task in enumerate(plans, start=1):
            env.reset()
            actions = []
            for step in task["plan"]:
                action = resolve(env, step)
                result = env.step(action)
                if result.observation.error:
                    raise RuntimeError(f"task {number}: {action} failed:\n{result.observation.text[:1500]}")
                actions.append(action)
            check = parse_check(Check, task["check"])
            verdict = env.check(check)
            if not verdict.success:
                raise RuntimeError(f"task {number}: the gold fails its check: {verdict.detail}")
            written.append({"id": f"web-trac-{number:03d}", "env": ENV_ID, "instruction": task["instruction"],
                            "difficulty": task["difficulty"], "setup": [], "gold_actions": actions,
                            "check": task["check"]})
    finally:
        env.close()
    assert spec.task_set is not None
    spec.task_set.parent.mkdir(exist_ok=True)
    spec.task_set.write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in written))
    return written


if __name__ == "__main__":
    print(f"wrote {len(build())} tasks to {OUT}")
