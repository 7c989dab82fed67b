"""A run's accepted examples become searchable only once its judging gate has passed. Their documents
are written as its judging batches end, in one transaction that commits only then: writing them (their
full-text vectors and index entries, ~0.45 s of the server's CPU for 1,335 examples) is done while the
committee still judges, not between the run's last answer and its end."""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, Sequence, TypeVar

from lbi import runtime
from lbi.retrieval.documents import ExampleDocument
from lbi.retrieval.store import count_words, insert_documents, lock_documents
from tasks.embed import store_vectors_early

log = logging.getLogger(__name__)
T = TypeVar("T")
_END = None  # what the writer takes last: the documents are all written, their words are to count


class DocumentDraft:
    """The documents of a run's judged examples, written by a thread of its own in one open transaction,
    committed once the judging gate has passed (``publish_beside``) and rolled back otherwise. Leaving the
    ``with`` block without publishing rolls them back: the indexing stage of the next run writes them."""

    def __init__(self, run_id: int) -> None:
        self._run_id = run_id
        self._waiting: queue.SimpleQueue[list[ExampleDocument] | Future | None] = queue.SimpleQueue()
        self._writer: threading.Thread | None = None
        self._verdict = threading.Event()
        self._passed = self._published = False

    def __enter__(self) -> "DocumentDraft":
        return self

    def __exit__(self, *exc: object) -> None:
        self._end()

    def add(self, documents: Sequence[ExampleDocument]) -> None:
        """Documents whose vectors are stored (a judging batch's), to be written now and published later."""
        if documents:
            self._start()
            self._waiting.put(list(documents))

    def publish_beside(self, gate: Callable[[], T], unembedded: Sequence[int] = ()) -> tuple[T, bool]:
        """``gate()``'s result, with the vectors of the examples among ``unembedded`` stored meanwhile and
        their documents added to the draft, which commits only once ``gate`` has returned: its examples
        become searchable only if it passes. The second value says whether they were published; if writing
        them failed, the indexing stage writes them instead."""
        if self._writer is None and not unembedded:
            return gate(), True
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="last-vectors") as embedding:
            self._start()
            if unembedded:  # an endpoint's answer takes as long as a model call's: embedded beside the gate
                self._waiting.put(embedding.submit(store_vectors_early, self._run_id, list(unembedded)))
            self._waiting.put(_END)  # every document is in: their words are counted while the gate runs
            try:
                result = gate()
                self._passed = True
            finally:
                self._end()
        return result, self._published

    def _start(self) -> None:
        if self._writer is None:
            self._writer = threading.Thread(target=self._write, name=f"document-draft-{self._run_id}")
            self._writer.start()

    def _end(self) -> None:
        if self._writer is not None and not self._verdict.is_set():
            self._waiting.put(_END)  # unless publish_beside put it first: a second one is never taken
            self._verdict.set()
            self._writer.join()

    def _write(self) -> None:
        written: list[int] = []
        environments: set[str] = set()
        try:
            with runtime.for_run(self._run_id).engine.connect() as conn, conn.begin() as transaction:
                while (item := self._waiting.get()) is not _END:
                    documents = item.result() if isinstance(item, Future) else item
                    written += insert_documents(conn, documents)
                    environments.update(d.environment_id for d in documents)
                    if self._abandoned():
                        break
                if written and not self._abandoned():
                    lock_documents(conn, environments)
                    count_words(conn, example_ids=written)
                self._verdict.wait()
                if not self._passed:
                    transaction.rollback()
            self._published = self._passed
        except Exception:  # noqa: BLE001 - the indexing stage writes them itself
            log.warning("writing the documents of run %d's accepted examples failed; indexing will do it",
                        self._run_id, exc_info=True)

    def _abandoned(self) -> bool:
        """The run stopped before its judging gate passed: nothing written will be kept."""
        return self._verdict.is_set() and not self._passed
