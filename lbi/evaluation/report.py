"""What an evaluation reports: success rate, model calls and tokens per task, retrieval hits, by difficulty."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from lbi.evaluation.runner import TaskResult


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
            "summary": self.summary(), "by_difficulty": self.by_difficulty(),
            "results": [asdict(r) for r in self.results],
        }


def summarize(results: list[TaskResult]) -> dict[str, Any]:
    n = len(results)
    per_task = lambda total: round(total / n, 2) if n else None  # noqa: E731
    successes = sum(r.success for r in results)
    return {
        "tasks": n,
        "successes": successes,
        "success_rate": round(successes / n, 4) if n else None,
        "errored": sum(r.status == "errored" for r in results),
        "model_calls_per_task": per_task(sum(r.model_calls for r in results)),
        "tokens_per_task": per_task(sum(r.tokens for r in results)),
        "retrieval_hits_per_task": per_task(sum(r.retrieval_hits for r in results)),
    }
