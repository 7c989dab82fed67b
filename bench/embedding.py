"""Embedding throughput: our embedder against a plain sentence-transformers loop on the same texts
(one encode per batch of 64, in order) and against one encode call over all of them.

Prints texts per second and the ratios (target: at least 0.95, the wrapper must
cost nothing). Rounds alternate, and each side keeps its best round, so a busy
neighbour on this 2-core machine hurts all alike.
Run `python bench/embedding.py [--texts N] [--rounds R]`.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bench.retrieval_corpus import sentences  # noqa: E402
from lbi.retrieval.embedders import BundledEmbedder, bundled_model  # noqa: E402

BATCH = 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pool = sentences()
    texts = [f"{pool[i % len(pool)].text} {pool[(7 * i) % len(pool)].sql}" for i in range(args.texts)]
    started = time.perf_counter()
    model = bundled_model()
    print(f"model loaded in {time.perf_counter() - started:.1f} s")
    ours = BundledEmbedder(batch_size=BATCH)

    def plain() -> None:
        for start in range(0, len(texts), BATCH):
            model.encode(texts[start:start + BATCH], batch_size=BATCH, normalize_embeddings=True)

    def one_call() -> None:
        model.encode(texts, batch_size=BATCH, normalize_embeddings=True)

    sides = {"plain loop": plain, "one encode call": one_call, "lbi embedder": lambda: ours.embed(texts)}
    plain()  # warm up
    best = dict.fromkeys(sides, 0.0)
    for round_number in range(1, args.rounds + 1):
        rates = {name: len(texts) / _seconds(work) for name, work in sides.items()}
        best = {name: max(best[name], rates[name]) for name in sides}
        print(f"round {round_number}: " + ", ".join(f"{name} {rate:.1f} texts/s" for name, rate in rates.items()))
    same = np.allclose(ours.embed(texts[:32]), model.encode(texts[:32], normalize_embeddings=True), atol=1e-5)
    print("best: " + ", ".join(f"{name} {rate:.1f} texts/s" for name, rate in best.items()) + f" (same vectors: {same})")
    print(f"ratio lbi embedder / plain loop: {best['lbi embedder'] / best['plain loop']:.3f}; "
          f"/ one encode call: {best['lbi embedder'] / best['one encode call']:.3f}")


def _seconds(work) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
