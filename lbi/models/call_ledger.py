"""The ledger as the model's transport process keeps it: lookups and rows in batches, on its own
connections, off the pipeline's interpreter lock.

Lookups made while one is being answered go together in the next statement, and so do rows
(group commit on the process's event loop): under C = 64 the pipeline's threads did this
themselves, ~1.6 ms of its CPU a model call through SQLAlchemy, a pool checkout per statement
and the hand-offs between threads. The statements are the ledger's own (lbi.store.ledger).
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Generic, TypeVar

import psycopg
from psycopg.rows import namedtuple_row

from lbi.store import ledger

Item = TypeVar("Item")
Result = TypeVar("Result")


class GroupCommit(Generic[Item, Result]):
    """``write`` once over every item that came while the previous ``write`` ran; each caller gets
    its own item's result. A batch that fails is written again item by item, so only the item at
    fault fails (a batch that met a broken connection is written again on a new one)."""

    def __init__(self, write: Callable[[list[Item]], Awaitable[list[Result]]]) -> None:
        self._write = write
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._writer is None:
            self._writer = asyncio.create_task(self._write_waiting())
        return await future

    async def _write_waiting(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    results = await self._write([item for item, _ in batch])
                except Exception as error:
                    if len(batch) == 1:
                        batch[0][1].set_exception(error)
                    else:
                        for waiting in batch:
                            await self._write_alone(waiting)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    future.set_result(result)
        finally:
            self._writer = None

    async def _write_alone(self, waiting: tuple[Item, asyncio.Future[Result]]) -> None:
        item, future = waiting
        try:
            [result] = await self._write([item])
        except Exception as error:
            future.set_exception(error)
        else:
            future.set_result(result)


class CallLedger:
    """The run's lookups and ledger rows, over two connections of its own (one for each, so a
    batch of rows never holds up the next lookups). A connection that broke is opened again."""

    def __init__(self, conninfo: str, run_id: int | None) -> None:
        self._conninfo = conninfo
        self._run_id = run_id
        self._connections: dict[str, psycopg.AsyncConnection] = {}
        self.look_up: GroupCommit[str, ledger.Lookup] = GroupCommit(self._look_up)
        self.record: GroupCommit[str, int] = GroupCommit(self._record)  # rows as CallRow.as_json gives them

    async def _look_up(self, request_hashes: list[str]) -> list[ledger.Lookup]:
        conn = await self._connection("lookups")
        cursor = await conn.execute(ledger.SERVE_OR_RESERVE, {"h": request_hashes, "r": self._run_id})
        return ledger.lookups(await cursor.fetchall(), self._run_id)

    async def _record(self, rows: list[str]) -> list[int]:
        conn = await self._connection("rows")
        written = await (await conn.execute(ledger.RECORD_CALLS, ledger.rows_parameters(rows, self._run_id))).fetchall()
        found = {}
        if missing := ledger.keys_without_ids(written):
            found = dict(await (await conn.execute(ledger.ATTEMPT_IDS, {"k": missing})).fetchall())
        return ledger.ids_in_order(written, found)

    async def _connection(self, purpose: str) -> psycopg.AsyncConnection:
        conn = self._connections.get(purpose)
        if conn is None or conn.closed or conn.broken:
            conn = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, row_factory=namedtuple_row, application_name="lbi model transport")
            self._connections[purpose] = conn
        return conn

    async def __aenter__(self) -> CallLedger:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def close(self) -> None:
        for conn in self._connections.values():
            await conn.close()
        self._connections.clear()
