"""Removing trees untrusted code built: any depth, links not followed, permissions taken away."""

from __future__ import annotations

import os
from pathlib import Path

from lbi.fs import remove_tree


def _deep(root: Path, levels: int) -> None:
    here = os.open(root, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=here)
            with open(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=here), "w") as file:
                file.write("x")
            below = os.open("d", os.O_RDONLY, dir_fd=here)
            os.close(here)
            here = below
    finally:
        os.close(here)


def test_a_tree_deeper_than_the_recursion_limit_and_path_max_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "deep"
    root.mkdir()
    _deep(root, 5000)
    remove_tree(root)
    assert not root.exists()


def test_links_are_removed_not_followed_and_closed_directories_are_opened(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("kept")
    root = tmp_path / "tree"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "file").write_text("x")
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "a" / "b").chmod(0o000)
    (root / "a").chmod(0o500)
    remove_tree(root)
    assert not root.exists() and (outside / "keep.txt").read_text() == "kept"
    remove_tree(root)  # a missing tree is fine
