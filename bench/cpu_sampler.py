"""Samples the CPU of the benchmark's process groups every interval until its input closes: one JSON
line per sample, [seconds since the epoch, {group: CPU seconds so far}] (bench.harness.cpu_samples
starts it, with the groups' root pids as JSON). It counts itself in no group."""

from __future__ import annotations

import json
import os
import select
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.process_cpu import cpu_by_group  # noqa: E402
from lbi.parent_death import die_with_parent  # noqa: E402


def main() -> None:
    roots, interval_s = json.loads(sys.argv[1]), float(sys.argv[2])
    die_with_parent(os.getppid())
    apart = frozenset({os.getpid()})
    closed = False
    while True:
        print(json.dumps([time.time(), cpu_by_group(roots, apart)]), flush=True)
        if closed:  # the last sample is taken after the input closed
            return
        readable, _, _ = select.select([sys.stdin], [], [], interval_s)
        closed = bool(readable) and not sys.stdin.buffer.read1(1)


if __name__ == "__main__":
    main()
