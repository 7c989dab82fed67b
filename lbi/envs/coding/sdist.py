"""A pinned source distribution from the package index: downloaded with pip, checked against its sha256,
unpacked (its tests and docs included). The download is kept in the cache, so it happens once per machine."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from lbi.errors import ConfigError

DOWNLOAD_TIMEOUT_S = 300


@dataclass(frozen=True)
class PinnedSdist:
    name: str
    version: str
    sha256: str

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"

    def archive(self, cache: Path) -> Path:
        """The verified archive in ``cache``, downloaded first when missing."""
        target = cache / "sdists" / self.filename
        if target.is_file() and _sha256(target) == self.sha256:
            return target
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as scratch:
            command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                       f"{self.name}=={self.version}", "-d", scratch]
            done = subprocess.run(command, capture_output=True, text=True, timeout=DOWNLOAD_TIMEOUT_S)
            found = Path(scratch) / self.filename
            if done.returncode != 0 or not found.is_file():
                raise ConfigError(f"could not download {self.filename} with pip: {done.stderr.strip()[-500:]}")
            if _sha256(found) != self.sha256:
                raise ConfigError(f"{self.filename} from the index has sha256 {_sha256(found)}, not {self.sha256}")
            found.replace(target)
        return target

    def unpack(self, cache: Path, destination: Path) -> None:
        """The archive's top directory's contents, written into ``destination`` (regular files and dirs only)."""
        with tarfile.open(self.archive(cache)) as archive:
            prefix = f"{self.name}-{self.version}/"
            members = [m for m in archive.getmembers() if m.name.startswith(prefix) and (m.isfile() or m.isdir())]
            for member in members:
                member.name = member.name[len(prefix):]
            archive.extractall(destination, members=[m for m in members if m.name], filter="data")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
