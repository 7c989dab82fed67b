"""Which rows a suite validates: what one run covered, one environment's, or everything.

Each method returns a SQL condition on an id column. A run's scope is the ids
its stages recorded in lbi.run_stage_ids (made now or found done), so a rerun
validates again what it covers.
"""

from __future__ import annotations

from dataclasses import dataclass

from lbi.errors import LbiError


class UnknownScope(LbiError, LookupError):
    """The environment or run to check is not in the store."""


def sql_literal(text: str) -> str:
    if "\x00" in text:
        raise ValueError("a NUL character cannot be part of an identifier here")
    return "'" + text.replace("'", "''") + "'"


@dataclass(frozen=True)
class Scope:
    run_id: int | None = None
    environment_id: str | None = None

    def describe(self) -> str:
        if self.run_id is not None:
            return f"run {self.run_id}"
        return f"environment {self.environment_id}" if self.environment_id else "every environment"

    def chunks(self, column: str) -> str:
        if self.run_id is not None:
            return self._covered("ingest", column)
        return (f"{column} IN (SELECT c.id FROM lbi.doc_chunks c JOIN lbi.environment_documents d"
                f" ON d.document_id = c.document_id WHERE {self._environment('d.environment_id')})")

    def tasks(self, column: str) -> str:
        """Self-instruct instructions (backward ones belong to their examples)."""
        if self.run_id is not None:
            return self._covered("self_instruct", column)
        return (f"{column} IN (SELECT i.id FROM lbi.instructions i WHERE i.origin = 'self_instruct'"
                f" AND {self._environment('i.environment_id')})")

    def trajectories(self, column: str) -> str:
        if self.run_id is not None:
            return self._covered("rollout", column)
        return f"{column} IN (SELECT t.id FROM lbi.trajectories t WHERE {self._environment('t.environment_id')})"

    def runs(self, column: str) -> str:
        if self.run_id is not None:
            return f"{column} = {int(self.run_id)}"
        return f"{column} IN (SELECT r.id FROM lbi.runs r WHERE {self._environment('r.environment_id')})"

    def environments(self, column: str) -> str:
        return self._environment(column)

    def _covered(self, stage: str, column: str) -> str:
        return (f"{column} IN (SELECT unnest(s.ids) FROM lbi.run_stage_ids s"
                f" WHERE s.run_id = {int(self.run_id)} AND s.stage = {sql_literal(stage)})")  # type: ignore[arg-type]

    def _environment(self, column: str) -> str:
        return f"{column} = {sql_literal(self.environment_id)}" if self.environment_id else "true"
