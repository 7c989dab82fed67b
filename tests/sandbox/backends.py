"""Which sandbox backends work on this machine, as skip markers (a test never falls back to running unsandboxed)."""

from __future__ import annotations

from functools import cache

import pytest

from lbi.sandbox.bubblewrap import BubblewrapBackend
from lbi.sandbox.docker import DockerBackend


@cache
def bubblewrap_problem() -> str | None:
    return BubblewrapBackend().problem()


@cache
def docker_problem() -> str | None:
    return DockerBackend().problem()


needs_bubblewrap = pytest.mark.skipif(bubblewrap_problem() is not None,
                                      reason=f"the bubblewrap sandbox cannot run here: {bubblewrap_problem()}")
needs_docker = pytest.mark.skipif(docker_problem() is not None,
                                  reason=f"the docker sandbox cannot run here: {docker_problem()}")
