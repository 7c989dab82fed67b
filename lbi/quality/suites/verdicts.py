"""The committee's verdicts and decisions, after judging."""

from __future__ import annotations

from lbi.method.criteria import Criterion
from lbi.quality.config import GateConfig
from lbi.quality.scope import Scope
from lbi.quality.suite import BATCH, Check, Suite, between, in_set, no_rows

CRITERIA = [str(criterion) for criterion in Criterion]


def rows(scope: Scope) -> str:
    """Decided examples with their verdicts (an example no judge answered for has one row of NULLs)."""
    return f"""
        SELECT e.id AS example_id, e.status, e.policy, v.judge, v.criterion, v.accept,
               (v.rationale ~ '\\S')::int AS rationale_has_text
        FROM lbi.examples e
        LEFT JOIN lbi.verdicts v ON v.example_id = e.id
        WHERE e.status <> 'pending' AND {scope.trajectories("e.trajectory_id")}
    """


def checks(config: GateConfig) -> list[Check]:
    low, high = config.keep_rate_min, config.keep_rate_max
    return [
        in_set("criterion_known", f"every verdict is on one of the {len(CRITERIA)} criteria", "criterion", CRITERIA),
        in_set("decision_known", "a decided example is accepted or rejected", "status", ["accepted", "rejected"]),
        no_rows(
            "one_verdict_per_judge_per_criterion", "a judge that answered gave one verdict on each criterion",
            f"SELECT example_id, judge, count(DISTINCT criterion) AS criteria FROM {BATCH}"
            " WHERE judge IS NOT NULL GROUP BY example_id, judge"
            f" HAVING count(DISTINCT criterion) <> {len(CRITERIA)} OR count(*) <> {len(CRITERIA)}",
            id_column="example_id",
        ),
        no_rows(
            "unanimous_accept_has_no_rejection",
            "under the unanimous policy no accepted example has a rejecting verdict",
            f"SELECT example_id, judge, criterion FROM {BATCH}"
            " WHERE status = 'accepted' AND policy = 'unanimous' AND NOT accept",
            id_column="example_id",
        ),
        no_rows(
            "accepted_by_some_judge", "every accepted example was accepted on every criterion by some judge",
            f"SELECT example_id FROM (SELECT example_id, judge, bool_and(accept) AS accepted_all FROM {BATCH}"
            " WHERE status = 'accepted' GROUP BY example_id, judge) per_judge"
            " GROUP BY example_id HAVING NOT bool_or(coalesce(accepted_all, false))",
            id_column="example_id",
        ),
        between("rationale_given", "every verdict has a rationale", "rationale_has_text", min_value=1,
                severity="warn"),
        no_rows(
            "keep_rate_in_bounds",
            f"the share of judged examples accepted lies within [{low:.0%}, {high:.0%}]; keeping all or none"
            " is suspicious (a judge that accepts everything, or one that rejects everything)",
            "SELECT round(avg((status = 'accepted')::integer), 4) AS keep_rate, count(*) AS decided"
            f" FROM (SELECT DISTINCT example_id, status FROM {BATCH}) decided"
            f" HAVING count(*) > 0 AND avg((status = 'accepted')::integer) NOT BETWEEN {low} AND {high}",
            id_column=None, severity="warn",
        ),
    ]


SUITE = Suite(name="verdicts", key="example_id", rows=rows, checks=checks)
