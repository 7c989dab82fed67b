"""For the python-repo family's synthesis tests: a small Python repository the project has never seen (a
package, its tests with one failing, a README), and the accepted examples with their final diffs."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa

from lbi.envs.coding.samples import applies_to_fresh_copy
from lbi.export.run import export

FILES = {
    "README.md": "# shapes\n\nSmall geometry helpers. `rectangle_area` and `square_area` compute areas;\n"
                 "`clamp` limits a value to a range and `is_inside` tells whether a value lies\n"
                 "in a closed range. Run the tests with `pytest -q`.\n",
    "shapes/__init__.py": '"""Small geometry helpers."""\n\nfrom shapes.area import rectangle_area, square_area\n'
                          "from shapes.bounds import clamp, is_inside\n",
    "shapes/area.py": 'def rectangle_area(width, height):\n    """The area of a width x height rectangle."""\n'
                      "    if width < 0 or height < 0:\n        raise ValueError(\"sides must not be negative\")\n"
                      "    return width * height\n\n\ndef square_area(side):\n    return rectangle_area(side, side)\n",
    "shapes/bounds.py": 'def clamp(value, low, high):\n    """``value`` limited to the range low..high."""\n'
                        "    if value < low:\n        return low\n    if value > high:\n        return high\n"
                        '    return value\n\n\ndef is_inside(value, low, high):\n    """Whether low <= value <= high."""\n'
                        "    return low <= value < high\n",
    "tests/test_area.py": "import pytest\n\nfrom shapes.area import rectangle_area, square_area\n\n\n"
                          "def test_rectangle_area():\n    assert rectangle_area(2, 3) == 6\n\n\n"
                          "def test_square_area():\n    assert square_area(4) == 16\n\n\n"
                          "def test_negative_sides_are_refused():\n    with pytest.raises(ValueError):\n"
                          "        rectangle_area(-1, 2)\n",
    "tests/test_bounds.py": "from shapes.bounds import clamp, is_inside\n\n\n"
                            "def test_clamp():\n    assert clamp(5, 0, 3) == 3\n    assert clamp(-1, 0, 3) == 0\n\n\n"
                            "def test_is_inside_includes_both_ends():\n    assert is_inside(3, 0, 3)\n"
                            "    assert is_inside(0, 0, 3)\n",
}
FIX = ("shapes/bounds.py", "    return low <= value < high", "    return low <= value <= high")
FAILING = "tests/test_bounds.py::test_is_inside_includes_both_ends"


def write_repository(root: Path) -> Path:
    for path, content in FILES.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)
    return root


def accepted_examples(store: sa.Engine) -> list[tuple[int, int, list[tuple[str, bool]]]]:
    """(end step, examples' trajectory actions up to it, the span's steps) of each accepted example."""
    with store.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT e.id, e.start_step, e.end_step, s.idx, s.action, s.observation_error FROM lbi.examples e "
            "JOIN lbi.steps s ON s.trajectory_id = e.trajectory_id AND s.idx <= e.end_step "
            "WHERE e.status = 'accepted' ORDER BY e.id, s.idx")).all()
    examples: dict[int, tuple[int, list[str], list[bool]]] = {}
    for example_id, start, end, idx, action, error in rows:
        _, actions, errors = examples.setdefault(example_id, (start, [], []))
        actions.append(action)
        if idx >= start:
            errors.append(error)
    return [(start, actions, errors) for start, actions, errors in examples.values()]


def final_diffs_apply(env_id: str, store: sa.Engine, directory: Path) -> int:
    """How many distinct final diffs the exported examples carry; each must apply to a fresh copy."""
    export(store, environment_id=env_id, fmt="jsonl", destination=str(directory))
    records = [json.loads(line) for line in (directory / "examples.jsonl").read_text().splitlines()]
    assert all(r["final_artifacts"] == (r["steps"][-1]["artifacts"] if r["steps"] else {}) for r in records)
    diffs = {r["final_artifacts"].get("diff", "") for r in records} - {""}
    for diff in diffs:
        assert diff.startswith("diff --git") and applies_to_fresh_copy(env_id, diff), diff
    return len(diffs)
