"""The offline model's skill for any kv store: it reads the keys the store shows and works on those."""

from __future__ import annotations

import re
from random import Random

from lbi.prompts.act import STOP
from lbi.prompts.render import Turn

KEYS = re.compile(r"^Keys \(\d+\): (.*)$", re.MULTILINE)
NEW = (("teal", "#008080"), ("navy", "#000080"), ("olive", "#808000"))
ASK = re.compile(r"^What is the value of (\S+)\?$")
SET = re.compile(r"^Set (\S+) to (\S+)\.$")
DELETE = re.compile(r"^Delete the key (\S+)\.$")


class KvSkill:
    def propose_tasks(self, document: str, environment: str, count: int, rng: Random) -> list[str]:
        found = KEYS.search(environment)
        keys = [k for k in (found.group(1).split(", ") if found else []) if k]
        tasks = [f"What is the value of {k}?" for k in keys] + [f"Delete the key {k}." for k in keys]
        tasks += [f"Set {key} to {value}." for key, value in NEW]
        rng.shuffle(tasks)
        return tasks[:count]

    def next_action(self, task: str, history: list[Turn], rng: Random) -> tuple[str, str]:
        plan = self._plan(task)
        done = [turn.action for turn in history]
        for action in plan:
            if action not in done:
                return f"The task needs `{action}`.", action
        return "The task is done.", STOP

    def _plan(self, task: str) -> list[str]:
        if match := ASK.match(task):
            return ["keys", f"get {match.group(1)}"]
        if match := SET.match(task):
            return [f"set {match.group(1)} {match.group(2)}", f"get {match.group(1)}"]
        if match := DELETE.match(task):
            return [f"del {match.group(1)}"]
        return ["keys"]

    def task_instruction(self, turns: list[Turn], rng: Random) -> str:
        action = next((t.action for t in reversed(turns) if t.action != "keys"), "keys").split()
        if action[0] == "get":
            return f"What is the value of {action[1]}?"
        if action[0] == "set":
            return f"Set {action[1]} to {action[2]}."
        if action[0] == "del":
            return f"Delete the key {action[1]}."
        return "List the keys of the store."

    def replicate(self, turns: list[Turn], rng: Random) -> tuple[list[str], str]:
        summary = [f"Ran `{t.action}`, which answered {t.observation.splitlines()[0][:60]!r}." for t in turns]
        return summary, self.task_instruction(turns, rng)

    def failed(self, observation: str) -> bool:
        return observation.startswith("Error:")

    def is_inspection(self, action: str) -> bool:
        return action.strip() == "keys"

    def asks_about_structure(self, instruction: str) -> bool:
        return "keys" in instruction.lower()

    def subject(self, action: str) -> str:
        words = action.split()
        return f"the key {words[1]}" if len(words) > 1 else "the store"

    def unmentioned(self, instruction: str, action: str) -> tuple[list[str], list[str]]:
        words = action.split()
        key = words[1] if len(words) > 1 else None
        return ([f"the key {key}"] if key and key not in instruction else []), []

    def related(self, first: str, second: str) -> bool:
        return first.split()[1:2] == second.split()[1:2]
