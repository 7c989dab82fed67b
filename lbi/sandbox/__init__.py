"""Sandboxes for untrusted commands: one interface (base.py), one backend per file, chosen in choose.py."""

from lbi.sandbox.base import CommandResult, Sandbox, SandboxBackend, SandboxError, SandboxLimits, SandboxUnavailable
from lbi.sandbox.choose import backend_names, choose_backend

__all__ = ["CommandResult", "Sandbox", "SandboxBackend", "SandboxError", "SandboxLimits", "SandboxUnavailable",
           "backend_names", "choose_backend"]
