"""`synthesize` on a directory tree the project has never seen (a small recipe collection with a git history),
registered as a user environment: the offline model works from what the episode shows, so accepted examples
touch files that exist there and no accepted step fails."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from flows.params import SynthesizeParams
from flows.synthesize import synthesize
from lbi.cli import app
from tests.envs.shell_paths import accepted_spans, share_touching_only_existing
from tests.sandbox.backends import needs_bubblewrap

pytestmark = [needs_bubblewrap, pytest.mark.usefixtures("prefect_api", "lbi_env")]

FIRST_COMMIT = {
    "README.md": "# Family recipes\n\nRecipes we cook at home, one markdown file each, by course.\n",
    "recipes/soups/lentil-soup.md": "# Lentil soup\n\n- 200 g red lentils\n- 1 onion\n- 1 l stock\n\n"
                                    "Simmer the lentils for 20 minutes, then blend.\n",
    "recipes/soups/tomato-soup.md": "# Tomato soup\n\n- 6 tomatoes\n- 1 onion\n- basil\n\nRoast, then blend.\n",
    "recipes/desserts/apple-crumble.md": "# Apple crumble\n\n- 4 apples\n- 100 g butter\n- 150 g flour\n"
                                         "- 80 g sugar\n\nBake for 35 minutes at 180 C.\n",
}
SECOND_COMMIT = {
    "pantry.csv": "item,quantity,unit\nlentils,500,g\nflour,1000,g\nbutter,250,g\nonions,6,pieces\n",
    "shopping/2024-05.txt": "tomatoes\nbasil\napples\n",
    "scripts/scale.py": "import sys\n\nfactor = float(sys.argv[1])\nprint(f'scaling by {factor}')\n",
    "notes/ideas.md": "# Ideas\n\nTry a pumpkin soup in autumn.\n",
}
HANDBOOK = """# Working with the recipe collection

Every recipe is a markdown file under recipes/, one directory per course. The
pantry.csv file lists what is in the cupboard, one item per line.

Find a recipe with grep: `grep -ril onion recipes` lists the recipes that use
onions. Count the lines of a file with wc, show its first lines with head.
List the files of a course with ls, or all of them with find.

Before you edit a file, make a backup copy with cp. Write new notes into a
new file, or append a line to an existing one; commit the change with git.
"""


def _git(tree: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Ana", "-c", "user.email=ana@example.org", *args], cwd=tree,
                   check=True, capture_output=True)


def _write(tree: Path, files: dict[str, str]) -> None:
    for path, content in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(content)


@pytest.fixture
def recipes(tmp_path: Path) -> tuple[Path, Path]:
    tree = tmp_path / "recipes-collection"
    tree.mkdir()
    _git(tree, "init", "-q")
    _write(tree, FIRST_COMMIT)
    _git(tree, "add", "-A")
    _git(tree, "commit", "-q", "-m", "Add the first recipes")
    _write(tree, SECOND_COMMIT)
    _git(tree, "add", "-A")
    _git(tree, "commit", "-q", "-m", "Add the pantry, shopping list and scaling script")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "handbook.md").write_text(HANDBOOK)
    return tree, docs


def test_synthesis_on_an_unseen_tree_touches_what_exists(store: sa.Engine, recipes: tuple[Path, Path]) -> None:
    tree, docs = recipes
    added = CliRunner().invoke(app, ["env", "add", "recipes", "--family", "shell", "--tree", str(tree),
                                     "--docs", str(docs)])
    assert added.exit_code == 0, added.output
    result = synthesize(SynthesizeParams(env="recipes", max_docs=3, instructions_per_doc=6, max_steps=4,
                                         max_span_steps=3))
    assert result["status"] == "completed"
    spans = accepted_spans(store)
    assert len(spans) >= 10, result["totals"]
    share = share_touching_only_existing(spans, lambda path: (tree / path).exists())
    assert share >= 0.9, f"{share:.0%} of {len(spans)} accepted examples touch only existing paths"
    assert not [span for span in spans if any(error for _, error in span)], "an accepted step failed"
