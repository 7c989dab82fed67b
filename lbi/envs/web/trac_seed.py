"""What the seeded Trac project holds: 'Tidewater', a file-sync service with a few hundred tickets across
components, milestones, versions, priorities, owners and states, with comments and history; wiki pages with
several versions; a roadmap; users with different permissions. Deterministic: the same data every build."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from random import Random

PROJECT = "Tidewater"
AGENT_USER = ("alice", "tidewater-alice")  # the ordinary user the agent logs in as
USERS = {  # name -> (full name, e-mail, password, groups)
    "alice": ("Alice Moreau", "alice@tidewater.example", "tidewater-alice", ("developer",)),
    "bob": ("Bob Okafor", "bob@tidewater.example", "tidewater-bob", ("developer",)),
    "carol": ("Carol Lindqvist", "carol@tidewater.example", "tidewater-carol", ("developer",)),
    "dave": ("Dave Ishikawa", "dave@tidewater.example", "tidewater-dave", ("developer",)),
    "erin": ("Erin Walsh", "erin@tidewater.example", "tidewater-erin", ("reporter",)),
    "admin": ("Site Admin", "admin@tidewater.example", "tidewater-admin", ("TRAC_ADMIN",)),
}
GROUPS = {"developer": ("MILESTONE_MODIFY", "REPORT_CREATE", "TICKET_EDIT_CC"), "reporter": ("REPORT_VIEW",)}
OWNERS = ("alice", "bob", "carol", "dave")
COMPONENTS = {  # name -> (owner, the things tickets of it are about)
    "server": ("bob", ("the sync server", "the upload handler", "the session cache", "the health endpoint")),
    "client": ("carol", ("the desktop client", "the tray icon", "the settings dialog", "the file watcher")),
    "storage": ("dave", ("the chunk store", "garbage collection", "the quota checker", "the S3 backend")),
    "sync-engine": ("bob", ("conflict resolution", "the delta encoder", "rename detection", "the retry queue")),
    "web-ui": ("alice", ("the file browser page", "the share dialog", "the login page", "the activity feed")),
    "api": ("carol", ("the REST API", "the token endpoint", "pagination", "the webhook sender")),
    "auth": ("dave", ("password reset", "two-factor login", "the LDAP connector", "session expiry")),
    "docs": ("alice", ("the admin guide", "the install guide", "the API reference", "the FAQ")),
}
MILESTONES = (  # name, due, completed, description
    ("1.0", datetime(2024, 2, 1), datetime(2024, 2, 3), "First stable release: sync, sharing and the web UI."),
    ("1.1", datetime(2024, 5, 15), datetime(2024, 5, 20), "Selective sync and the S3 storage backend."),
    ("1.2", datetime(2024, 9, 30), None, "Two-factor login, faster uploads and the new activity feed."),
    ("2.0", datetime(2025, 3, 31), None, "The new sync engine and the public REST API."),
    ("backlog", None, None, "Accepted ideas with no release yet."),
)
VERSIONS = (("0.9", datetime(2023, 11, 1)), ("1.0", datetime(2024, 2, 3)), ("1.1", datetime(2024, 5, 20)))
DEFECTS = ("crashes when {c}", "hangs when {c}", "shows the wrong status when {c}", "leaks memory when {c}",
           "loses data when {c}", "is slow when {c}", "returns an error when {c}", "ignores the setting when {c}")
CONDITIONS = ("the disk is full", "the network drops", "a file name has emoji", "two users edit at once",
              "the folder is shared", "the token expires", "the file is over 4 GB", "the clock is skewed",
              "the proxy needs auth", "a folder is renamed", "the quota is reached", "the server restarts")
ENHANCEMENTS = ("Add a progress bar to {t}", "Support dark mode in {t}", "Log more detail in {t}",
                "Make {t} configurable", "Add metrics for {t}", "Translate {t} into German",
                "Document the limits of {t}", "Add keyboard shortcuts to {t}")
TASKS = ("Refactor {t}", "Write tests for {t}", "Review the design of {t}", "Clean up warnings in {t}")
COMMENTS = ("I can reproduce this on the current trunk.", "Could you attach the log file?",
            "This looks related to the retry changes.", "Confirmed on Debian and macOS.",
            "Patch attached; please review.", "Moving this to the next release.",
            "Works for me with the latest build.", "Added a test case for this.")
RESOLUTIONS = ("fixed", "fixed", "fixed", "wontfix", "duplicate", "worksforme", "invalid")
START = datetime(2023, 10, 2, 9, 0, tzinfo=timezone.utc)
TICKETS = 320


def tickets(rng: Random) -> list[dict]:
    """Every ticket: its fields, when it was opened, and its later changes (author, comment, new fields)."""
    made, seen = [], set()
    for number in range(1, TICKETS + 1):
        component = rng.choice(sorted(COMPONENTS))
        owner_default, things = COMPONENTS[component]
        kind = rng.choices(("defect", "enhancement", "task"), (6, 3, 1))[0]
        thing = rng.choice(things)
        if kind == "defect":
            summary = f"{thing} {rng.choice(DEFECTS).format(c=rng.choice(CONDITIONS))}"
        else:
            summary = rng.choice(ENHANCEMENTS if kind == "enhancement" else TASKS).format(t=thing)
        summary = summary[0].upper() + summary[1:]
        if summary in seen:
            summary += f" (case {number})"
        seen.add(summary)
        milestone = rng.choices([m[0] for m in MILESTONES], (6, 6, 8, 6, 3))[0]
        opened = START + timedelta(days=number * 1.3, hours=rng.randrange(0, 8))
        done = milestone in ("1.0", "1.1")
        fields = {"summary": summary, "type": kind, "component": component, "milestone": milestone,
                  "priority": rng.choices(("blocker", "critical", "major", "minor", "trivial"), (1, 3, 8, 5, 2))[0],
                  "version": rng.choice(("0.9", "1.0", "1.1", "")), "reporter": rng.choice(sorted(USERS)[:-1]),
                  "owner": owner_default, "status": "new", "keywords": rng.choice(("", "", "regression",
                                                                                  "performance", "ux", "security")),
                  "description": f"{summary}.\n\nSteps: see the attached notes. Reported against "
                                 f"{component} while testing milestone {milestone}."}
        changes = []
        when = opened
        for _ in range(rng.randrange(0, 3)):
            when += timedelta(hours=rng.randrange(2, 60))
            changes.append((rng.choice(OWNERS), rng.choice(COMMENTS), {}, when))
        final = "closed" if done or rng.random() < 0.2 else rng.choice(("new", "assigned", "accepted", "reopened"))
        if final != "new":
            when += timedelta(hours=rng.randrange(2, 90))
            owner = rng.choice(OWNERS)
            if final == "closed":
                update = {"status": "closed", "resolution": rng.choice(RESOLUTIONS), "owner": owner}
                note = "Fixed in the release branch." if update["resolution"] == "fixed" else "Closing."
            else:
                update = {"status": final, "owner": owner}
                note = {"assigned": "Assigning.", "accepted": "I'll take this one.", "reopened": "Still happens."}[final]
            changes.append((owner, note, update, when))
        made.append({"fields": fields, "opened": opened, "changes": changes})
    return made


WIKI = {  # name -> versions of its text (author, text)
    "WikiStart": [("admin", "= Welcome to Tidewater =\n\nTidewater keeps files in sync between desktops, "
                   "servers and the web.\n\n== Where to start ==\n * [wiki:TeamContacts Team contacts]\n"
                   " * [wiki:ReleaseProcess How we release]\n * [wiki:CodingStyle Coding style]\n"
                   " * [wiki:Architecture Architecture overview]\n * [wiki:MeetingNotes Meeting notes]\n"
                   " * [wiki:FAQ Frequently asked questions]\n * [wiki:TracGuide The Trac user guide]\n\n"
                   "See the [roadmap: roadmap] for what comes next and [report:1 active tickets] for open work.\n")],
    "TeamContacts": [("admin", "= Team contacts =\n\n||= Name =||= Area =||= IRC =||\n"
                      "|| Alice Moreau || web UI and docs || amoreau ||\n|| Bob Okafor || server and sync engine || "
                      "bokafor ||\n|| Carol Lindqvist || client and API || clind ||\n"
                      "|| Dave Ishikawa || storage and auth || dishi ||\n|| Erin Walsh || QA and support || ewalsh ||\n"),
                     ("bob", None)],
    "ReleaseProcess": [("bob", "= Release process =\n\n 1. Freeze the milestone one week before its due date.\n"
                        " 1. Run the full test suite on all platforms.\n 1. Tag the release as vX.Y.\n"
                        " 1. Close the milestone in the roadmap.\n\nRelease manager: Bob Okafor.\n"),
                       ("carol", "= Release process =\n\n 1. Freeze the milestone one week before its due date.\n"
                        " 1. Run the full test suite on all platforms.\n 1. Write the release notes.\n"
                        " 1. Tag the release as vX.Y.\n 1. Close the milestone in the roadmap.\n\n"
                        "Release manager: Carol Lindqvist.\n")],
    "CodingStyle": [("dave", "= Coding style =\n\n * Python code follows PEP 8, lines up to 100 characters.\n"
                     " * Every public function has a docstring.\n * Tests live beside the code in tests/.\n"
                     " * Commit messages start with the component name, e.g. `storage: ...`.\n")],
    "Architecture": [("bob", "= Architecture =\n\nThe '''sync server''' stores file chunks in the chunk store "
                      "(local disk or S3). The '''sync engine''' computes deltas on the client and resolves "
                      "conflicts by keeping both copies. The '''web UI''' talks to the REST API.\n\n"
                      "Default chunk size: 4 MB. Default port: 8443.\n")],
    "MeetingNotes": [("alice", "= Meeting notes =\n\n * [wiki:MeetingNotes/2024-06-03 2024-06-03]\n"
                      " * [wiki:MeetingNotes/2024-07-01 2024-07-01]\n")],
    "MeetingNotes/2024-06-03": [("alice", "= Meeting 2024-06-03 =\n\nPresent: Alice, Bob, Carol, Dave.\n\n"
                                 " * Milestone 1.2 moves its due date to the end of September.\n"
                                 " * Dave takes over the LDAP connector.\n")],
    "MeetingNotes/2024-07-01": [("carol", "= Meeting 2024-07-01 =\n\nPresent: Bob, Carol, Erin.\n\n"
                                 " * Erin starts a weekly triage of new tickets.\n"
                                 " * The web UI dark mode is postponed to 2.0.\n")],
    "FAQ": [("erin", "= FAQ =\n\n== How big can a file be? ==\nUp to 16 GB per file.\n\n"
             "== Which platforms are supported? ==\nLinux, macOS and Windows 10 or later.\n")],
}
WIKI["TeamContacts"][1] = ("bob", WIKI["TeamContacts"][0][1] + "\nOn-call this month: Dave Ishikawa.\n")
WIKI_START = datetime(2024, 1, 10, 10, 0, tzinfo=timezone.utc)
