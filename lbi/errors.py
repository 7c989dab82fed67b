"""One exception root for the project; subclasses also inherit the matching builtin."""


class LbiError(Exception):
    """Base of every error this project raises on purpose."""


class ConfigError(LbiError, ValueError):
    """A setting is missing or has a value that cannot work."""


class StoreError(LbiError, RuntimeError):
    """The Postgres store could not be reached or is not in the expected shape."""


class UnknownEnvironment(LbiError, KeyError):
    """No environment is registered under the given id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown environment"


class ActionRejected(LbiError, ValueError):
    """An agent action was refused before it ran (forbidden or malformed)."""


class ActionTimeout(LbiError, TimeoutError):
    """An agent action ran past its time limit and was stopped."""


class DocumentRejected(LbiError, ValueError):
    """A document cannot be ingested (binary, empty, undecodable, too large)."""


class ModelError(LbiError, RuntimeError):
    """A model call failed after every retry."""


class RunStopped(LbiError, RuntimeError):
    """The run is stopping (a quality gate stopped it): its model client makes no more calls."""


class BudgetExhausted(LbiError, RuntimeError):
    """The run reached its cap on model calls or tokens."""
