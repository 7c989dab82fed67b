"""Builds the seeded Trac environment (run as ``python -m lbi.envs.web.trac_build DIR``, so Trac's global
component registry never enters the pipeline's process). ``DIR/env`` is the Trac environment, ``DIR/htpasswd``
the users' passwords."""

from __future__ import annotations

import base64
import hashlib
import sys
import warnings
from datetime import timedelta
from pathlib import Path
from random import Random

from lbi.envs.web import trac_seed as seed

INI = {
    "project": {"name": seed.PROJECT, "descr": "File sync for desktops, servers and the web"},
    "trac": {"default_dateinfo_format": "absolute", "default_timezone": "UTC", "default_date_format": "iso8601",
             "default_language": "en_US"},
    "ticket": {"restrict_owner": "true"},
    "logging": {"log_type": "none"},
    "notification": {"smtp_enabled": "false"},
    "wiki": {"render_unsafe_content": "false"},
    "header_logo": {"alt": f"{seed.PROJECT} issue tracker", "src": "common/trac_banner.png", "link": "/"},
}


def build(directory: Path) -> None:
    from trac.env import Environment
    from trac.perm import PermissionSystem
    from trac.ticket.model import Component, Milestone, Ticket, Version
    from trac.util.datefmt import utc
    from trac.wiki.model import WikiPage

    options = [(section, name, value) for section, values in INI.items() for name, value in values.items()]
    env = Environment(str(directory / "env"), create=True,
                      options=[("trac", "database", "sqlite:db/trac.db"), *options])
    for model in (*Component.select(env), *Milestone.select(env, include_completed=True), *Version.select(env)):
        model.delete()
    for name, (owner, _) in sorted(seed.COMPONENTS.items()):
        component = Component(env)
        component.name, component.owner = name, owner
        component.description = f"Work on the {name} component."
        component.insert()
    for name, due, completed, description in seed.MILESTONES:
        milestone = Milestone(env)
        milestone.name, milestone.description = name, description
        milestone.due = due.replace(tzinfo=utc) if due else None
        milestone.completed = completed.replace(tzinfo=utc) if completed else None
        milestone.insert()
    for name, released in seed.VERSIONS:
        version = Version(env)
        version.name, version.time = name, released.replace(tzinfo=utc)
        version.insert()
    permissions = PermissionSystem(env)
    for group, actions in seed.GROUPS.items():
        for action in actions:
            permissions.grant_permission(group, action)
    lines = []
    with env.db_transaction as db:
        for user, (full_name, email, password, groups) in seed.USERS.items():
            for group in groups:
                permissions.grant_permission(user, group)
            db("INSERT INTO session (sid, authenticated, last_visit) VALUES (%s, 1, 0)", (user,))
            for name, value in (("name", full_name), ("email", email)):
                db("INSERT INTO session_attribute (sid, authenticated, name, value) VALUES (%s, 1, %s, %s)",
                   (user, name, value))
            digest = base64.b64encode(hashlib.sha1(password.encode()).digest()).decode()
            lines.append(f"{user}:{{SHA}}{digest}")
    (directory / "htpasswd").write_text("\n".join(lines) + "\n")
    for item in seed.tickets(Random(2024)):
        ticket = Ticket(env)
        ticket.populate(item["fields"])
        ticket.insert(when=item["opened"])
        for author, comment, update, when in item["changes"]:
            ticket.populate(update)
            ticket.save_changes(author=author, comment=comment, when=when)
    for number, (name, versions) in enumerate(seed.WIKI.items()):
        for version, (author, text) in enumerate(versions):
            page = WikiPage(env, name)
            page.text = text
            page.save(author, "" if version == 0 else "Updated.",
                      seed.WIKI_START + timedelta(days=number * 9 + version * 30))
    env.shutdown()


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    build(Path(sys.argv[1]))
