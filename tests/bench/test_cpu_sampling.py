"""The benchmarks' CPU counting (bench/process_cpu.py, bench/cpu_sampler.py, bench.harness.cpu_between),
on real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.harness import cpu_between
from bench.process_cpu import cpu_by_group
from tests.eventually import eventually

SAMPLER = Path(__file__).resolve().parents[2] / "bench" / "cpu_sampler.py"
BURN = "import sys, time\nsys.stdin.read(1)\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\ntime.sleep(30)"


def _burner(seconds: float) -> subprocess.Popen:
    """A child that burns ``seconds`` of CPU once it reads a byte, then sleeps."""
    return subprocess.Popen([sys.executable, "-c", BURN.format(seconds=seconds)], stdin=subprocess.PIPE)


def test_a_group_s_tree_leaves_out_the_other_groups() -> None:
    burner = _burner(0.5)
    burner.stdin.write(b"go")
    burner.stdin.flush()
    try:
        assert eventually(lambda: cpu_by_group({"other": burner.pid})["other"] >= 0.5, 60), "the burner never burned"
        apart = cpu_by_group({"pipeline": os.getpid(), "other": burner.pid})
        together = cpu_by_group({"pipeline": os.getpid()})
        assert apart["other"] >= 0.5
        assert together["pipeline"] - apart["pipeline"] >= 0.5, "the burner is this process's child"
    finally:
        burner.kill()
        burner.wait()


def test_the_sampler_samples_until_its_input_closes_and_counts_a_burning_child() -> None:
    burner = _burner(0.6)
    sampler = subprocess.Popen([sys.executable, str(SAMPLER), json.dumps({"burner": burner.pid}), "0.1"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        first = sampler.stdout.readline()  # sampled before the burner starts
        burner.stdin.write(b"go")
        burner.stdin.flush()
        assert eventually(lambda: cpu_by_group({"burner": burner.pid})["burner"] >= 0.6, 60), "the burner never burned"
        time.sleep(0.3)
        sampler.stdin.close()
        samples = [json.loads(line) for line in [first, *sampler.stdout]]
        assert sampler.wait(10) == 0
    finally:
        burner.kill()
        burner.wait()
    times = [when for when, _ in samples]
    assert len(samples) >= 3 and times == sorted(times)
    used = cpu_between([(when, cpu) for when, cpu in samples], times[0], times[-1])
    assert 0.55 <= used["burner"] <= 0.8


def test_cpu_between_interpolates_between_samples_and_stops_at_the_ends() -> None:
    samples = [(10.0, {"a": 0.0}), (11.0, {"a": 1.0}), (12.0, {"a": 3.0})]
    assert cpu_between(samples, 10.5, 11.5) == {"a": 1.5}
    assert cpu_between(samples, 11.0, 11.0) == {"a": 0.0}
    assert cpu_between(samples, 0.0, 99.0) == {"a": 3.0}
