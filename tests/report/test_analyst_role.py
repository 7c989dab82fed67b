"""The analysts' role, made by the migrations: it reads the views and can change nothing."""

from __future__ import annotations

import itertools
import os
from typing import Iterator

import pytest
import sqlalchemy as sa

from lbi.store import embedded
from lbi.store.migrate import migrate

_databases = itertools.count()

VIEWS = ("accepted_dataset", "example_spans", "example_lineage", "dataset_funnel", "stage_keep_rates",
         "criterion_keep_rates", "judge_keep_rates", "span_lengths", "run_costs", "quality_gates")


@pytest.fixture
def analyst(synthesized_store: sa.Engine) -> Iterator[sa.Engine]:
    engine = sa.create_engine(synthesized_store.url.set(username="lbi_analyst"))
    yield engine
    engine.dispose()


def test_the_analyst_reads_every_view(analyst: sa.Engine) -> None:
    with analyst.connect() as conn:
        counts = {view: conn.execute(sa.text(f"SELECT count(*) FROM lbi.{view}")).scalar_one() for view in VIEWS}
    assert counts["accepted_dataset"] > 0 and counts["run_costs"] == 1


@pytest.mark.parametrize("statement", [
    "SELECT * FROM lbi.examples",
    "SELECT request FROM lbi.llm_calls",
    "UPDATE lbi.examples SET status = 'accepted'",
    "INSERT INTO lbi.model_prices VALUES ('m', 0, 0)",
    "DELETE FROM lbi.gate_results",
    "CREATE TABLE lbi.mine (x int)",
    "DROP VIEW lbi.accepted_dataset",
    "CREATE TEMP TABLE scratch (x int)",
])
def test_the_analyst_cannot_touch_anything_else(analyst: sa.Engine, statement: str) -> None:
    with analyst.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="permission denied|read-only|must be owner"):
        conn.execute(sa.text(statement))


@pytest.fixture
def migrated_analyst(pg_info) -> Iterator[sa.Engine]:  # noqa: ANN001
    """The analyst on a store migrated in place (database grants are not copied from a template)."""
    name = f"analyst_{os.getpid()}_{next(_databases)}"
    with embedded.admin_connection(pg_info) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    owner = sa.create_engine(embedded.url_for(pg_info, name))
    migrate(owner)
    owner.dispose()
    engine = sa.create_engine(embedded.url_for(pg_info, name).replace("postgres@", "lbi_analyst@"))
    yield engine
    engine.dispose()


WRITES = [
    "CREATE TEMP TABLE scratch (x int)",
    "CREATE TABLE public.mine (x int)",
    "CREATE TABLE lbi.mine (x int)",
    "CREATE SCHEMA mine",
    "CREATE VIEW public.mine AS SELECT 1",
    "CREATE FUNCTION pg_temp.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "SELECT lo_create(0)",
    "SELECT lo_creat(-1)",
    "SELECT lo_from_bytea(0, 'x')",
    "INSERT INTO lbi.model_prices VALUES ('m', 0, 0)",
    "TRUNCATE lbi.gate_results",
    "LOCK TABLE lbi.examples IN ACCESS EXCLUSIVE MODE",
    "UPDATE lbi.examples SET status = 'accepted'",
    "SELECT nextval('lbi.runs_id_seq')",
    "COMMENT ON VIEW lbi.accepted_dataset IS 'mine'",
    "DROP VIEW lbi.accepted_dataset",
]


def test_the_analyst_cannot_undo_read_only(migrated_analyst: sa.Engine, pg_info) -> None:  # noqa: ANN001
    admin = embedded.admin_connection(pg_info)
    try:
        with migrated_analyst.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("SET default_transaction_read_only = off"))  # a setting, so the role may
            conn.execute(sa.text("ALTER ROLE lbi_analyst RESET ALL"))  # and its own defaults too
        migrated_analyst.dispose()
        for statement in WRITES:
            with migrated_analyst.connect() as conn:
                assert conn.execute(sa.text("SHOW default_transaction_read_only")).scalar() == "off"
                with pytest.raises(sa.exc.DBAPIError, match="permission denied|must be owner"):
                    conn.execute(sa.text(statement))
    finally:
        admin.execute("ALTER ROLE lbi_analyst SET default_transaction_read_only = on")
        admin.execute("ALTER ROLE lbi_analyst SET statement_timeout = '5min'")
        admin.close()


def test_the_analyst_owns_nothing_and_belongs_to_no_role(migrated_analyst: sa.Engine) -> None:
    with migrated_analyst.connect() as conn:
        owned = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid)"
            " + (SELECT count(*) FROM pg_namespace WHERE nspowner = r.oid)"
            " + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid)"
            " + (SELECT count(*) FROM pg_auth_members WHERE member = r.oid)"
            " FROM pg_roles r WHERE r.rolname = 'lbi_analyst'")).scalar_one()
        attributes = conn.execute(sa.text(
            "SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolreplication OR rolbypassrls"
            " FROM pg_roles WHERE rolname = 'lbi_analyst'")).scalar_one()
        temp = conn.execute(sa.text("SELECT has_database_privilege(current_database(), 'TEMP')")).scalar_one()
    assert owned == 0 and not attributes and not temp
