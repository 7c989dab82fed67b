"""A run's first episode is reset on a thread of its own while the documentation is read, once per run and
process; its error reaches the units that need it, and the next caller tries again."""

from __future__ import annotations

from pathlib import Path

import psutil
import pytest
import sqlalchemy as sa

from lbi import runtime
from lbi.envs import families, registry
from lbi.store import documents, runs
from tests.children import children_running
from tests.envs import user_shop
from tests.envs.user_shop import invoke
from tests.eventually import eventually

pytestmark = pytest.mark.usefixtures("lbi_env")


@pytest.fixture
def shop(tmp_path: Path) -> tuple[Path, Path]:
    return user_shop.build(tmp_path)


def _zygotes() -> list[psutil.Process]:
    return children_running("lbi.envs.sqlite.zygote")


def _run_on(store: sa.Engine, db: Path, docs: Path, model_url: str) -> int:
    invoke("env", "add", "my-shop", "--family", "sqlite", "--db", str(db), "--docs", str(docs))
    with store.begin() as conn:
        documents.upsert_environment(conn, spec=registry.spec("my-shop"))
        return runs.create_run(conn, flow="synthesize", environment_id="my-shop",
                               params={"env": "my-shop", "model_base_url": model_url},
                               max_llm_calls=None, max_tokens=None)


def test_the_first_episode_is_reset_with_no_caller_and_its_helpers_end_with_the_run(
        store: sa.Engine, shop: tuple[Path, Path], lbi_env: dict) -> None:
    run_id = _run_on(store, *shop, lbi_env["LBI_MODEL_BASE_URL"])
    families.family("sqlite").release()
    assert eventually(lambda: not _zygotes(), 30), "a zygote of an earlier test is still running"
    rt = runtime.for_run(run_id)
    rt.start_observation_soon()
    assert eventually(lambda: _zygotes(), 30), "nothing started the first episode"
    observed = rt.start_observation()
    with registry.make("my-shop") as env:
        assert observed == env.reset().text and "item (2)" in observed
    runtime.release(run_id)
    assert eventually(lambda: not _zygotes(), 30), "the run's SQL zygote outlived the run"


def test_a_first_episode_that_fails_fails_its_callers_and_the_next_tries_again(
        store: sa.Engine, shop: tuple[Path, Path], lbi_env: dict) -> None:
    db, docs = shop
    run_id = _run_on(store, db, docs, lbi_env["LBI_MODEL_BASE_URL"])
    rt = runtime.for_run(run_id)
    db.rename(db.with_suffix(".away"))
    try:
        rt.start_observation_soon()
        with pytest.raises(Exception, match="shop"):
            rt.start_observation()
        db.with_suffix(".away").rename(db)
        assert "item (2)" in rt.start_observation()
    finally:
        runtime.release(run_id)
