"""Text from HTML: the CPU to extract the pages Chinook's environment reads from the SQLite manual, by
the standard library's parser alone and with inline svg cut first (lbi.docs.html.without_svg_content),
and whether both give the same text. Run `python bench/html_text.py`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lbi.docs.html import html_to_text, parsed  # noqa: E402
from lbi.envs.sqlite.family import SQLITE_MANUAL, manual  # noqa: E402

ROUNDS = 5


def best_cpu_seconds(extract, pages: list[str]) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        started = time.process_time()
        for markup in pages:
            extract(markup)
        best = min(best, time.process_time() - started)
    return best


def main() -> None:
    pages = [page.read_text(encoding="utf-8", errors="replace") for page in manual()]
    if not pages:
        sys.exit(f"no SQLite manual under {SQLITE_MANUAL}: install the sqlite3-doc package")
    whole, cut = best_cpu_seconds(parsed, pages), best_cpu_seconds(html_to_text, pages)
    same = all(parsed(markup) == html_to_text(markup) for markup in pages)
    print(f"{len(pages)} pages, {sum(map(len, pages)) / 1e6:.1f} MB of HTML (best of {ROUNDS})")
    print(f"  parser alone   {whole * 1000:7.1f} ms of CPU")
    print(f"  svg cut first  {cut * 1000:7.1f} ms of CPU  ({whole / cut:.1f}x less; same text: {same})")


if __name__ == "__main__":
    main()
