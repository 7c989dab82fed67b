"""`lbi search` and `lbi index`: find stored examples of an environment; embed the ones not indexed yet."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    app.command("search")(search)
    app.command("index")(index)


def search(
    text: str = typer.Argument(..., help="What to look for (a task, an observation, an error)."),
    env: str = typer.Option("sqlite-chinook-v0", "--env", help="Environment id; results come from it alone."),
    k: int = typer.Option(10, "--k", min=1, max=100, help="How many examples."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (with each example's reference text)."),
) -> None:
    """Hybrid search (embeddings + full text, fused by reciprocal rank) over an environment's accepted examples."""
    from lbi.retrieval import retriever_for
    from lbi.store.migrate import migrate

    retriever = retriever_for(env)
    migrate(retriever.engine)
    retriever.ensure_indexed()
    hits = retriever.search(text, k=k)
    if json_out:
        print(json.dumps([asdict(hit) for hit in hits], indent=2, ensure_ascii=False))
        return
    if not hits:
        console.print(f"no examples found in {env} (are there accepted examples? run `lbi synthesize`)")
        return
    table = Table("rank", "example", "score", "dense", "text", "instruction", title=f"{env}: {text}")
    for rank, hit in enumerate(hits, start=1):
        table.add_row(str(rank), str(hit.example_id), f"{hit.score:.4f}", _rank(hit.dense_rank),
                      _rank(hit.text_rank), hit.instruction)
    console.print(table)


def index(
    env: Optional[str] = typer.Option(None, "--env", help="Only this environment; default all."),
) -> None:
    """Embed accepted examples that are not indexed yet (the synthesize flow does this for its own runs)."""
    from lbi import runtime
    from lbi.config import Settings
    from lbi.retrieval.embedders import embedder_for
    from lbi.retrieval.index import index_examples
    from lbi.store.migrate import migrate

    settings = Settings()
    engine = runtime.store(settings)
    migrate(engine)
    embedder = embedder_for(settings)
    count = index_examples(engine, embedder, environment_id=env)
    console.print(f"indexed {count} examples with {embedder.name}" + (f" in {env}" if env else ""))


def _rank(rank: int | None) -> str:
    return "-" if rank is None else str(rank)
