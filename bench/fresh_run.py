"""One timed synthesize run in this new process (bench.harness.run_synthesis_fresh starts it): what a
run started by `lbi synthesize` or a deployment pays once per process (imports, the transport and gate
processes starting) falls inside the run. Prints the run's figures as one JSON line."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import run_synthesis  # noqa: E402
from flows.params import SynthesizeParams  # noqa: E402


def main() -> None:
    params, database_url, model_url, concurrency = sys.argv[1:5]
    timed = run_synthesis(SynthesizeParams.model_validate_json(params), database_url=database_url,
                          model_url=model_url, concurrency=int(concurrency))
    print(json.dumps(dataclasses.asdict(timed), default=str))


if __name__ == "__main__":
    main()
