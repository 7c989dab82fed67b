"""The offline model's answer to a burst: the self-instruct calls of bench/throughput.py's C = 64 run (one
per chunk of `sqlite-chinook-v0`'s documents, the project's own prompt, as many tasks asked as the run asks)
sent at once on new connections, as a run's start sends them. Prints the latency each round's calls saw
against the latency the model was asked for.
Run `python bench/offline_burst.py [--latency-ms 200] [--rounds 6]`.

A provider answers each call its latency after it arrived however many arrive together; a stand-in whose
answers are computed on its one event loop reads the burst's later requests only after the earlier ones'
answers, and every run's first stage waits for its slowest answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import offline_model  # noqa: E402
from bench.throughput import ENV, WORKLOADS  # noqa: E402
from flows.params import SynthesizeParams  # noqa: E402
from lbi.config import Settings  # noqa: E402
from lbi.docs.chunking import chunk_text  # noqa: E402
from lbi.docs.document import Skipped  # noqa: E402
from lbi.docs.loaders import iter_documents  # noqa: E402
from lbi.envs import registry  # noqa: E402
from lbi.method.roles import Role  # noqa: E402
from lbi.method.self_instruct import tasks_for_chunk  # noqa: E402
from lbi.models.metadata import request_metadata  # noqa: E402
from lbi.prompts import self_instruct  # noqa: E402


def proposal_bodies() -> list[bytes]:
    """The self-instruct requests of the C = 64 run, one per chunk that proposes a task."""
    spec = registry.spec(ENV)
    params = SynthesizeParams(env=ENV, **WORKLOADS[64])
    with registry.make(ENV) as env:
        start = env.reset().text
    model, bodies = Settings().generator_model, []
    for item in iter_documents(list(spec.docs), max_docs=params.max_docs):
        if isinstance(item, Skipped):
            continue
        chunks = chunk_text(item.text, max_chars=params.chunk_chars)
        for index, chunk in enumerate(chunks):
            if n := tasks_for_chunk(params.instructions_per_doc, index, len(chunks)):
                bodies.append(json.dumps({
                    "model": model, "messages": self_instruct.build(spec, start, chunk, n),
                    "metadata": request_metadata(role=Role.SELF_INSTRUCT, family=spec.family)}).encode())
    return bodies


async def burst(url: str, bodies: list[bytes]) -> list[float]:
    """Each body's seconds from its post to its answer, all posted at once on new connections."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=len(bodies))) as http:
        async def one(body: bytes) -> float:
            started = time.perf_counter()
            async with http.post(url, data=body, headers={"Content-Type": "application/json"}) as response:
                await response.read()
                response.raise_for_status()
            return time.perf_counter() - started

        return sorted(await asyncio.gather(*(one(body) for body in bodies)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()
    bodies = proposal_bodies()
    print(f"{len(bodies)} self-instruct calls of {ENV} at once, offline model at {args.latency_ms:.0f} ms;"
          " seconds from post to answer")
    print(f"{'round':>5} {'min':>6} {'median':>6} {'p90':>6} {'max':>6}")
    with offline_model(args.latency_ms) as base_url:
        for round_number in range(1, args.rounds + 1):
            seconds = asyncio.run(burst(base_url + "/chat/completions", bodies))
            print(f"{round_number:>5} {seconds[0]:6.3f} {statistics.median(seconds):6.3f}"
                  f" {seconds[int(0.9 * (len(seconds) - 1))]:6.3f} {seconds[-1]:6.3f}")
            time.sleep(0.5)


if __name__ == "__main__":
    main()
