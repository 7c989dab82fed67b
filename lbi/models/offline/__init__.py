"""The offline model: a deterministic stand-in that speaks the OpenAI chat-completions protocol over HTTP.

Its data exercises the pipeline; nobody should train on it.
"""

from lbi.models.offline.server import create_app, running, serve

__all__ = ["create_app", "running", "serve"]
