"""Write the click held-out task set from click_mutations.py, checking every task in the sandbox.

For each breaking change: apply it and commit it as the starting point (setup); run the whole suite and take
the failing tests as FAIL_TO_PASS (function-level ids); PASS_TO_PASS is a bounded relevant subset, up to
``MAX_PASS_TO_PASS`` tests of the same files that pass with the bug. Then check that the check fails before
the fix, that the gold fix (the original text back, then submit()) passes, and that the perturbed gold (the
fix replaced by a comment) fails. A change that breaks no test, or whose task does not behave, is left out
and reported.

    python -m lbi.envs.coding.tasks.make_tasks     # rewrites click-heldout.jsonl and click-heldout-perturbed.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lbi.envs.coding.actions import call_text
from lbi.envs.coding.checks import parse_check
from lbi.envs.coding.env import CodingEnv
from lbi.envs.coding.tasks.click_mutations import MUTATIONS

HERE = Path(__file__).parent
ENV_ID = "coding-click-v0"
MAX_PASS_TO_PASS = 40
MAX_FAIL_TO_PASS = 25
START_OVER = ("GIT_COMMITTER_DATE=2024-01-01T00:00:00Z git -c user.name=lbi -c user.email=lbi@localhost "
              "commit -q -a --amend --no-edit && rm -rf /tmp/.lbi-editor")
OUTCOMES = ("LBI_OUTCOMES=/tmp/.all.json PYTHONPATH=/opt/lbi/tools:$PYTHONPATH python -m pytest -q -p no:cacheprovider "
            "-p lbi_outcomes --tb=no >/dev/null 2>&1; python -c \"import json; print(json.dumps(json.load("
            "open('/tmp/.all.json'))))\" | gzip | base64 -w0")


def outcomes(env: CodingEnv) -> dict[str, str]:
    import base64
    import gzip

    result = env.run_after(OUTCOMES, 300)
    return json.loads(gzip.decompress(base64.b64decode(result.output.strip())))


def function_id(nodeid: str) -> str:
    return nodeid.split("[", 1)[0]


def task_for(env: CodingEnv, mutation: tuple) -> tuple[dict, list[str]] | str:
    number, path, original, broken, issue = mutation
    setup = [call_text("str_replace", path, original, broken), START_OVER]
    env.reset()
    for action in setup:
        if env.step(action).observation.error:
            return f"setup failed: {action[:80]}"
    seen = outcomes(env)
    failing = sorted({function_id(n) for n, o in seen.items() if o == "failed"})
    if not failing or len(failing) > MAX_FAIL_TO_PASS:
        return f"{len(failing)} tests fail"
    files = {f.split("::")[0] for f in failing}
    passing = sorted({function_id(n) for n, o in seen.items() if n.split("::")[0] in files} - set(failing))
    passing = [p for p in passing if all(o != "failed" for n, o in seen.items() if function_id(n) == p)]
    check = {"type": "all_of", "checks": [
        {"type": "tests_pass", "fail_to_pass": failing, "pass_to_pass": passing[:MAX_PASS_TO_PASS]},
        {"type": "diff_touches_only", "files": [path]}]}
    gold = [call_text("str_replace", path, broken, original), "submit()"]
    perturbed = [call_text("str_replace", path, broken, broken + "  # fixed"), "submit()"]
    parsed = parse_check(check)
    if env.check(parsed).success:
        return "the check passes before the fix"
    for actions, should_pass in ((gold, True), (perturbed, False)):
        env.reset()
        for action in setup + actions:
            env.step(action)
        verdict = env.check(parsed)
        if verdict.success != should_pass:
            return f"{'gold' if should_pass else 'perturbed gold'}: {verdict.detail}"
    difficulty = "easy" if len(failing) == 1 else "medium" if len(failing) <= 5 else "hard"
    task = {"id": f"coding-click-{number}", "env": ENV_ID, "instruction": issue, "difficulty": difficulty,
            "setup": setup, "gold_actions": gold, "check": check}
    return task, perturbed


def main() -> int:
    tasks, perturbed, dropped = [], {}, []
    with CodingEnv(ENV_ID) as env:
        for mutation in MUTATIONS:
            made = task_for(env, mutation)
            if isinstance(made, str):
                dropped.append(f"{mutation[0]}: {made}")
                print("dropped", dropped[-1], file=sys.stderr)
                continue
            task, wrong = made
            tasks.append(task)
            perturbed[task["id"]] = wrong
            print("kept", task["id"], len(task["check"]["checks"][0]["fail_to_pass"]), file=sys.stderr)
    (HERE / "click-heldout.jsonl").write_text("".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks))
    (HERE / "click-heldout-perturbed.json").write_text(json.dumps(perturbed, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(tasks)} tasks written, {len(dropped)} left out", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
