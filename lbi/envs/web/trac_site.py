"""The prepared Trac site, built once into a cache directory (content-hashed name, atomic rename), and how
an episode serves a copy of it with ``tracd``."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from lbi.envs.web import trac_build, trac_seed
from lbi.envs.web.application import Application
from lbi.errors import ConfigError

BUILD_TIMEOUT_S = 600


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "lbi" / "web"


def materialize(cache_dir: Path | None = None) -> Path:
    """The prepared site's directory (``env/`` and ``htpasswd``), building it on first use."""
    sources = b"".join(Path(module.__file__).read_bytes() for module in (trac_seed, trac_build))
    digest = hashlib.sha256(sources + version("trac").encode()).hexdigest()[:16]
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    target = cache / f"trac-{digest}"
    if (target / "env" / "VERSION").is_file():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".trac-", dir=cache))
    try:
        built = subprocess.run([sys.executable, "-m", "lbi.envs.web.trac_build", str(tmp)], capture_output=True,
                               text=True, timeout=BUILD_TIMEOUT_S)
        if built.returncode != 0:
            raise ConfigError(f"building the Trac site failed: {built.stderr.strip()[-500:]}")
        try:
            os.replace(tmp, target)
        except OSError:
            if not (target / "env" / "VERSION").is_file():  # another builder won the race: theirs is the same
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def trac_application(cache_dir: Path | None = None) -> Application:
    site = materialize(cache_dir)
    user, password = trac_seed.AGENT_USER
    return Application(
        state=site / "env",
        start=(sys.executable, "-W", "ignore", "-m", "trac.web.standalone", "-p", "{port}", "-b", "127.0.0.1",
               "--basic-auth", f"*,{site / 'htpasswd'},{trac_seed.PROJECT}", "-s", "{state}"),
        start_url="/wiki/WikiStart", login=(user, password, "/login"), database="db/trac.db")
