"""The synthesize flow (Algorithm 1): ingest -> self-instruct -> rollout -> backward -> committee.

The flow only sequences tasks; each task reads and writes the store by id,
so a second run with the same inputs makes no model call and adds no row,
and a run killed anywhere resumes where it stopped. Batches stream from one
stage to the next (flows/streaming.py); a quality gate checks every stage once
it is complete, and stops the run when its data is bad.
"""

from __future__ import annotations

from typing import Any, Callable

from prefect import flow, get_run_logger
from prefect.context import get_run_context
from prefect.task_runners import ThreadPoolTaskRunner

from flows.params import SynthesizeParams
from flows.runners import release_run, stop_run, unwalked
from flows.streaming import Emit, Stream, StreamStage
from lbi import heap, progress, runtime
from lbi.config import Settings
from lbi.envs import registry
from lbi.errors import LbiError
from lbi.method.stages import Stage
from lbi.models import transport
from lbi.models.endpoint import model_endpoint
from lbi.quality import validator
from lbi.quality.config import GateConfig
from lbi.report import poster
from lbi.store import documents, runs, stats
from lbi.store.migrate import migrate
from tasks.backward import label_spans
from tasks.embed import index_accepted_examples
from tasks.gates import quality_gate
from tasks.ingest import ingest_documents
from tasks.judge import judge_trajectory_examples
from tasks.outcome import Outcome
from tasks.publication import DocumentDraft
from tasks.report import publish_report
from tasks.rollout import roll_out
from tasks.self_instruct import propose_tasks


class SynthesisFailed(LbiError, RuntimeError):
    """Some units of work failed on model errors; the rest is stored and a rerun resumes."""


@flow(name="synthesize", task_runner=ThreadPoolTaskRunner(max_workers=16))
def synthesize(params: SynthesizeParams = SynthesizeParams()) -> dict[str, Any]:
    transport.prestart()  # the run's model transport process starts while the run is set up
    settings = Settings()
    spec = registry.spec(params.env)
    engine = runtime.store(settings)
    validator.start()  # the gates' process imports GX meanwhile
    migrate(engine)
    with model_endpoint(settings) as base_url:
        run_params = {
            **params.model_dump(),
            "docs": params.docs or [str(p) for p in spec.docs],
            "model_base_url": base_url,
            "generator_model": params.generator_model or settings.generator_model,
            "actor_model": params.actor_model or settings.actor_model,
            "committee": params.committee or settings.committee,
            "committee_policy": params.committee_policy or settings.committee_policy,
            "committee_ask_all": settings.committee_ask_all,
            "gates": GateConfig.from_settings(settings).model_dump(),
        }
        with engine.begin() as conn:
            documents.upsert_environment(conn, spec=spec)
            run_id = runs.create_run(
                conn, flow="synthesize", environment_id=spec.id, params=run_params,
                max_llm_calls=params.max_llm_calls, max_tokens=params.max_tokens, flow_run_id=_flow_run_id(),
            )
        try:
            with heap.run_objects_only():
                return _run_stages(run_id, params, run_params["docs"])
        except BaseException as error:
            with engine.begin() as conn:
                if runs.get_run(conn, run_id=run_id)["status"] == "running":
                    runs.finish_run(conn, run_id=run_id, status="failed", message=str(error)[:2000], totals={})
            raise
        finally:
            poster.drain()  # the run's gate results and report, shown in Prefect before the flow run ends
            release_run(run_id)


def _run_stages(run_id: int, params: SynthesizeParams, docs: list[str]) -> dict[str, Any]:
    logger = get_run_logger()
    rt = runtime.for_run(run_id)
    chunk_ids: list[int] = []

    def ingest(emit: Emit) -> list[int]:
        with rt.make_env() as env:
            env.prepare()  # what the documentation may need first (a repository's docs come from its sdist)
        rt.start_observation_soon()  # the first tasks are proposed from it
        chunk_ids.extend(ingest_documents(run_id, docs, params.max_docs, params.chunk_chars, on_chunks=emit))
        logger.info("run %d: %d chunks to propose tasks from", run_id, len(chunk_ids))
        return chunk_ids

    gate_stage, published = _gate(run_id, logger), []
    log_batch = _batch_logger(run_id, logger)

    def gate(stage: str, ids: list[int]) -> Any:
        """The judging gate runs while the last vectors are stored and the accepted examples' documents,
        written as the judging batches ended, wait for its verdict to be committed."""
        if stage != Stage.JUDGE:
            return gate_stage(stage, ids)
        result, done = draft.publish_beside(lambda: gate_stage(stage, ids), stream.outcome(Stage.JUDGE).unembedded)
        published.append(done)
        return result

    def on_batch(stage: str, units: list[int], outcome: Outcome) -> None:
        log_batch(stage, units, outcome)
        if stage == Stage.JUDGE:
            draft.add(outcome.unpublished)

    with DocumentDraft(run_id) as draft:
        stream = Stream(run_id, [
            StreamStage(Stage.SELF_INSTRUCT, propose_tasks, (params.instructions_per_doc,)),
            StreamStage(Stage.ROLLOUT, roll_out, (params.max_steps,)),
            StreamStage(Stage.BACKWARD, label_spans, (params.max_span_steps,), passes_input_on=True),
            StreamStage(Stage.JUDGE, judge_trajectory_examples),
        ], units_per_task=rt.settings.units_per_task_run(), gate=gate,
            stop=lambda reason: stop_run(run_id, reason), on_batch=on_batch)
        stages = stream.run_from(Stage.INGEST, ingest)
    if Stage.JUDGE in stages:
        judged = stages[Stage.JUDGE]
        unpublished = [] if published == [True] else judged.unpublished
        stages[Stage.INDEX] = index_accepted_examples(run_id, unwalked(judged.ids), unwalked(unpublished))
        logger.info("run %d: %d accepted examples indexed for retrieval", run_id, len(stages[Stage.INDEX].ids))
        quality_gate(run_id, Stage.INDEX, unwalked(stages[Stage.INDEX].ids))
    return _finish(run_id, chunk_ids, stages)


def _gate(run_id: int, logger: Any) -> Callable[[str, list[int]], Any]:
    def gate(stage: str, ids: list[int]) -> Any:
        logger.info("run %d: %s produced %d ids", run_id, stage, len(ids))
        return quality_gate(run_id, stage, unwalked(ids))
    return gate


def _batch_logger(run_id: int, logger: Any) -> Callable[[str, list[int], Outcome], None]:
    """Log one line per finished batch, with the model calls the ledger got since the previous line
    (from this process or, with Dask, from the workers)."""
    rt = runtime.for_run(run_id)
    mark = [progress.LedgerMark()]

    def log_batch(stage: str, units: list[int], outcome: Outcome) -> None:
        line, mark[0] = progress.batch_line(rt.engine, run_id=run_id, stage=stage, units=units,
                                            produced=outcome.ids, errored=len(outcome.failures), since=mark[0])
        logger.info("run %d: %s", run_id, line)
    return log_batch


def _finish(run_id: int, chunk_ids: list[int], stages: dict[str, Outcome]) -> dict[str, Any]:
    failures = [f for outcome in stages.values() for f in outcome.failures]
    budget = next((o.budget_message for o in stages.values() if o.budget_message), None)
    engine = runtime.for_run(run_id).engine
    with engine.begin() as conn:
        totals = stats.run_totals(
            conn, run_id=run_id, chunk_ids=chunk_ids,
            instruction_ids=stages.get(Stage.SELF_INSTRUCT, Outcome()).ids,
            trajectory_ids=stages.get(Stage.ROLLOUT, Outcome()).ids,
        )
        if failures:
            status = "failed"
            message = f"{len(failures)} units failed on model errors; rerun to resume. First: {failures[0]}"
        elif budget:
            status, message = "budget_exhausted", budget
        else:
            status, message = "completed", None
        runs.finish_run(conn, run_id=run_id, status=status, message=message, totals=totals)
        budget_left = progress.budget_line(conn, run_id)
    get_run_logger().info("run %d %s: %s; %s", run_id, status,
                          ", ".join(f"{name} {value}" for name, value in totals.items()), budget_left)
    publish_report(run_id, totals, status, message)
    if status == "failed":
        raise SynthesisFailed(message)
    return {"run_id": run_id, "status": status, "message": message, "totals": totals}


def _flow_run_id() -> str | None:
    try:
        return str(get_run_context().flow_run.id)
    except Exception:
        return None
