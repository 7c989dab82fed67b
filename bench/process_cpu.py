"""CPU seconds by process tree: what the benchmarks count as one group's CPU (the pipeline, its
Postgres, the offline model, the Prefect server), never by process name across the machine."""

from __future__ import annotations

import psutil


def cpu_by_group(roots: dict[str, int | None], apart: frozenset[int] = frozenset()) -> dict[str, float]:
    """CPU seconds used so far by each group's process tree (0 for a group without a pid). A tree
    leaves out the other groups' trees and the processes in ``apart`` (a sampler counts not itself)."""
    children = _children_by_parent()
    stops = {pid for pid in roots.values() if pid is not None} | apart
    return {group: _tree_cpu(pid, children, stops - {pid}) if pid is not None else 0.0
            for group, pid in roots.items()}


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for process in psutil.process_iter(["ppid"]):
        children.setdefault(process.info["ppid"], []).append(process.pid)
    return children


def _tree_cpu(root: int, children: dict[int, list[int]], apart: set[int]) -> float:
    """CPU seconds of ``root`` and its descendants but those under a pid in ``apart``, each
    with its ended children (the kernel adds a child's times to its parent when it is reaped)."""
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:  # ended meanwhile: its parent counts it once it is reaped
            continue
        total += times.user + times.system + times.children_user + times.children_system
        todo.extend(child for child in children.get(pid, ()) if child not in apart)
    return total
