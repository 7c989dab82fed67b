"""What an evaluation reports: success rate, model calls and tokens per task, retrieval hits, by difficulty."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lbi.evaluation.runner import TASK_SET_ERROR, TaskResult


@dataclass
class EvaluationReport:
    evaluation_id: int
    run_id: int | None
    environment_id: str
    mode: str
    task_set: str
    status: str
    message: str | None
    results: list[TaskResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # weak tasks found when the task set was validated

    def task_set_errors(self) -> list[TaskResult]:
        """Tasks whose gold failed (in replay, or a gold query or reference that failed in any mode)."""
        return [r for r in self.results if r.status == TASK_SET_ERROR]

    def summary(self) -> dict[str, Any]:
        return summarize(self.results)

    def by_difficulty(self) -> dict[str, dict[str, Any]]:
        labels = dict.fromkeys(r.difficulty or "unlabeled" for r in self.results)
        return {label: summarize([r for r in self.results if (r.difficulty or "unlabeled") == label])
                for label in labels}

    def as_dict(self) -> dict[str, Any]:
        return {
            "evaluation_id": self.evaluation_id, "run_id": self.run_id, "environment": self.environment_id,
            "mode": self.mode, "task_set": self.task_set, "status": self.status, "message": self.message,
            "summary": self.summary(), "by_difficulty": self.by_difficulty(), "warnings": self.warnings,
            "task_set_errors": [{"task_id": r.task_id, "detail": r.detail} for r in self.task_set_errors()],
            "results": [asdict(r) for r in self.results],
        }


def summarize(results: list[TaskResult]) -> dict[str, Any]:
    """Task-set errors are counted apart: the success rate is over the tasks that could be judged."""
    n = len(results)
    judged = n - sum(r.status == TASK_SET_ERROR for r in results)
    per_task = lambda total: round(total / n, 2) if n else None  # noqa: E731
    successes = sum(r.success for r in results)
    return {
        "tasks": n,
        "successes": successes,
        "success_rate": round(successes / judged, 4) if judged else None,
        "errored": sum(r.status == "errored" for r in results),
        "task_set_errors": n - judged,
        "model_calls_per_task": per_task(sum(r.model_calls for r in results)),
        "tokens_per_task": per_task(sum(r.tokens for r in results)),
        "retrieval_hits_per_task": per_task(sum(r.retrieval_hits for r in results)),
    }
