"""The `lbi` command line: thin; it parses, then calls flows or the library."""

from __future__ import annotations

import importlib
import json
import logging
import os
import pkgutil
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup
from typer.exceptions import TyperException

from lbi.config import Settings
from lbi.errors import LbiError
from lbi.method.committee import Policy

EPHEMERAL_STARTUP_VARIABLE = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
EPHEMERAL_TIMED_OUT = "Timed out while attempting to connect to ephemeral Prefect API server"  # Prefect's words

# Prefect reads these when it is first imported. Its own logs (tracebacks of failed task runs
# included) show on the terminal with --verbose; without it the command prints one clear message per
# error. Only the terminal is quieted: runs still send their logs to the Prefect API at INFO, and the
# processes a command starts for the operator (the worker of `lbi deploy`) get none of this.
_VERBOSE = bool({"-v", "--verbose"} & set(sys.argv))
_QUIET_TERMINAL = {} if _VERBOSE or "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL" in os.environ else {
    "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL": "CRITICAL"}
os.environ.update(_QUIET_TERMINAL)
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
# With no PREFECT_API_URL a flow starts Prefect's temporary server, which makes its database first: Prefect
# waits 20 s for it, which a loaded machine exceeded (the run then failed before its first step).
os.environ.setdefault(EPHEMERAL_STARTUP_VARIABLE, "120")
for _noisy in ("EventsWorker", "great_expectations"):
    logging.getLogger(_noisy).setLevel(logging.INFO if _VERBOSE else logging.CRITICAL)



class OneLineErrors(TyperGroup):
    """The root command: an error the user can act on (a bad setting, an LbiError such as units failing on
    model errors, the store out of reach) ends any command with one line and exit code 1; a failure of lbi's
    own code ends it with one line naming it and exit code 4 (LBI_DEBUG=1 keeps the traceback). The same run
    as `lbi` or through typer's CliRunner."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except (TyperException, typer.Exit, typer.Abort, BrokenPipeError):
            raise  # usage errors and exits: typer reports them itself; a closed pipe is main's
        except Exception as error:
            message = _one_line(error)
            if message is None:
                if _debugging():
                    raise
                _print_error(_internal(error))
                raise SystemExit(EXIT_INTERNAL) from None
            raise SystemExit(f"error: {message}") from None


def _internal(error: BaseException) -> str:
    where = error.__traceback__
    while where is not None and where.tb_next is not None:
        where = where.tb_next
    place = f" at {Path(where.tb_frame.f_code.co_filename).name}:{where.tb_lineno}" if where is not None else ""
    text = " ".join(str(error).split())[:300]
    return (f"internal error, a bug in lbi (not your model or settings): {type(error).__name__}{place}: {text}; "
            "work finished so far is kept; LBI_DEBUG=1 shows the traceback")


def operator_environment() -> dict[str, str]:
    """This process's environment without the terminal quieting above (for a worker the operator reads)."""
    return {name: value for name, value in os.environ.items() if name not in _QUIET_TERMINAL}


def _debugging() -> bool:
    return _VERBOSE or os.environ.get("LBI_DEBUG", "") not in ("", "0")


app = typer.Typer(help="Learn-by-interact: synthesize agent data from an environment and its docs.",
                  no_args_is_help=True, pretty_exceptions_enable=False, cls=OneLineErrors)
db_app = typer.Typer(help="The Postgres store: embedded server lifecycle and migrations.", no_args_is_help=True)
env_app = typer.Typer(help="Run an environment by hand.", no_args_is_help=True)
offline_app = typer.Typer(help="The offline model: a deterministic OpenAI-compatible stand-in.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(env_app, name="env")
app.add_typer(offline_app, name="offline-model")

console = Console()
EXIT_FAILED, EXIT_BUDGET, EXIT_INTERNAL = 1, 3, 4
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a command ended by SIGPIPE


def _print_error(message: str) -> None:
    Console(stderr=True, soft_wrap=True).print(f"error: {message}", style="red", markup=False, highlight=False)


def _fail(message: str, code: int = EXIT_FAILED) -> None:
    _print_error(message)
    raise typer.Exit(code)


def _table(title: str, rows: dict[str, Any]) -> Table:
    table = Table(title=title, show_header=True)
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in rows.items():
        table.add_row(key.replace("_", " "), "-" if value is None else str(value))
    return table


@db_app.command("up")
def db_up() -> None:
    """Start the embedded Postgres (if LBI_DATABASE_URL is unset) and apply migrations."""
    from lbi import runtime
    from lbi.store.migrate import migrate

    settings = Settings()
    applied = migrate(runtime.store(settings))
    where = settings.database_url and "configured server" or f"embedded server in {settings.pgdata}"
    console.print(f"store ready ({where}); migrations applied now: {', '.join(applied) or 'none'}")


@db_app.command("down")
def db_down() -> None:
    """Stop the embedded Postgres server."""
    from lbi.store import embedded

    settings = Settings()
    if settings.database_url:
        _fail("LBI_DATABASE_URL is set: that server is not ours to stop")
    stopped = embedded.stop(settings.pgdata)
    console.print("embedded Postgres stopped" if stopped else "embedded Postgres was not running")


@db_app.command("url")
def db_url() -> None:
    """Print the store's connection URL (starting the embedded server if needed)."""
    from lbi.store.engine import database_url

    print(database_url(Settings()))


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations."""
    from lbi import runtime
    from lbi.store.migrate import migrate

    applied = migrate(runtime.store(Settings()))
    console.print(f"applied: {', '.join(applied)}" if applied else "schema is up to date")


@app.command()
def envs() -> None:
    """List registered environments."""
    from lbi.envs import registry

    table = Table("id", "family", "action language", "documentation")
    for env_id in registry.registered():
        spec = registry.spec(env_id)
        folders = sorted({str(p.parent if p.is_file() else p) for p in spec.docs})
        table.add_row(spec.id, spec.family, spec.action_language, f"{len(spec.docs)} sources in " + ", ".join(folders))
    console.print(table)


@env_app.command("run")
def env_run(
    env_id: str = typer.Argument(..., metavar="ENV", help="Environment id."),
    action: list[str] = typer.Option([], "--action", "-a", help="An action to run; repeat for several."),
) -> None:
    """Reset the environment and run actions by hand, printing each observation."""
    from lbi.envs import registry

    with registry.make(env_id) as env:
        console.rule("reset")
        print(env.reset().text)
        for number, text in enumerate(action, start=1):
            result = env.step(text)
            console.rule(f"action {number}" + (" [red](error)[/red]" if result.observation.error else ""))
            console.print(text, style="bold", markup=False, highlight=False)
            print(result.observation.text)
            for name, value in result.observation.artifacts.items():  # kept beside the step, not shown to models
                lines = value.count("\n")
                console.print(f"[{name}: {value if lines == 0 else f'{lines} lines'}]", markup=False, style="dim",
                              soft_wrap=True)
            if result.done:
                console.print("(episode done)")
                break


@app.command()
def synthesize(
    env: str = typer.Option("sqlite-chinook-v0", "--env", help="Environment id (see `lbi envs`)."),
    docs: list[Path] = typer.Option([], "--docs", help="Document file or directory; repeatable. Default: the environment's docs."),
    max_docs: Optional[int] = typer.Option(None, "--max-docs", min=1),
    instructions_per_doc: int = typer.Option(3, "--instructions-per-doc", min=1, max=20),
    max_steps: int = typer.Option(5, "--max-steps", min=1, max=50),
    max_span_steps: Optional[int] = typer.Option(None, "--max-span-steps", min=1, help="Longest span relabeled."),
    max_llm_calls: Optional[int] = typer.Option(None, "--max-llm-calls", min=0),
    max_tokens: Optional[int] = typer.Option(None, "--max-tokens", min=0),
    policy: Optional[Policy] = typer.Option(None, "--policy", help="Committee policy; default LBI_COMMITTEE_POLICY."),
    dask_address: Optional[str] = typer.Option(None, "--dask-address", help="Run tasks on this Dask cluster (tcp://host:port)."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show Prefect's logs."),
) -> None:
    """Run the synthesize flow and print a summary."""
    for path in docs:
        if not path.exists():
            _fail(f"--docs {path}: no such file or directory")
    from lbi.models import transport

    transport.prestart()  # the run's model transport starts while Prefect and the flow are imported
    from flows.params import SynthesizeParams
    from flows.runners import task_runner
    from flows.synthesize import synthesize as synthesize_flow
    from lbi import runtime
    from lbi.progress import live_progress
    from lbi.store.migrate import migrate

    settings = Settings()
    params = SynthesizeParams(
        env=env, docs=[str(p.resolve()) for p in docs], max_docs=max_docs, instructions_per_doc=instructions_per_doc,
        max_steps=max_steps, max_span_steps=max_span_steps, max_llm_calls=max_llm_calls, max_tokens=max_tokens,
        committee_policy=policy.value if policy else None,
    )
    engine = runtime.store(settings)
    migrate(engine)
    progress_console = Console(stderr=True)
    with live_progress(engine, env, progress_console):
        runner = task_runner(workers=2 * settings.model_concurrency, dask_address=dask_address)
        result = synthesize_flow.with_options(task_runner=runner)(params)
    if json_out:
        print(json.dumps(result, indent=2, default=str))
    else:
        console.print(_table(f"run {result['run_id']} of {env}: {result['status']}", result["totals"]))
    if result["status"] == "budget_exhausted":
        console.print(f"[yellow]stopped:[/yellow] {result['message']}")
        raise typer.Exit(EXIT_BUDGET)


@app.command()
def stats(
    env: Optional[str] = typer.Option(None, "--env", help="Only this environment."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Counts per stage, keep rate, model calls and tokens (cached vs paid)."""
    from lbi import runtime
    from lbi.store import stats as store_stats
    from lbi.store.migrate import migrate

    engine = runtime.store(Settings())
    migrate(engine)
    with engine.connect() as conn:
        rows = store_stats.environment_stats(conn, environment_id=env)
    if json_out:
        print(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        console.print("no data yet" + (f" for {env}" if env else "") + ": run `lbi synthesize` first")
        return
    for row in rows:
        console.print(_table(row.pop("environment"), row))


@offline_app.command("serve")
def offline_serve(
    port: int = typer.Option(8765, "--port"),
    host: str = typer.Option("127.0.0.1", "--host"),
    latency_ms: float = typer.Option(0.0, "--latency-ms", min=0,
                                     help="each answer leaves this long after its request arrived, the model's work included"),
    fault_rate: float = typer.Option(0.0, "--fault-rate", min=0.0, max=1.0),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Serve the offline model over HTTP (OpenAI chat-completions protocol)."""
    from lbi.models.offline.server import serve

    console.print(f"offline model on http://{host}:{port}/v1 (latency {latency_ms} ms, fault rate {fault_rate})")
    serve(host=host, port=port, latency_ms=latency_ms, fault_rate=fault_rate, seed=seed)


def _register_command_modules() -> None:
    import lbi.commands

    for module in pkgutil.iter_modules(lbi.commands.__path__):
        importlib.import_module(f"lbi.commands.{module.name}").register(app)


_register_command_modules()


def _setting_problem(error: Any) -> str:
    """One setting's problem in a line: ``LBI_COMMITTEE: ...``."""
    where = "_".join(str(part) for part in error.get("loc", ()) if isinstance(part, str))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    return f"LBI_{where.upper()}: {message}" if where else message


def _one_line(error: BaseException) -> str | None:
    """The line that tells the user what went wrong, or None for an error that is a bug (it keeps its traceback)."""
    import sqlalchemy as sa
    from pydantic import ValidationError
    from pydantic_settings import SettingsError

    if isinstance(error, ValidationError):
        if error.title == Settings.__name__:
            return "; ".join(_setting_problem(e) for e in error.errors())
        problems = ("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()))
        return f"invalid {error.title}: {problems}"
    if isinstance(error, SettingsError):  # a value that is not even parsed (LBI_GATE_SEVERITY not JSON)
        field = str(error).split('"')[1] if str(error).count('"') >= 2 else ""
        cause = f": {error.__cause__}" if error.__cause__ else ""
        return f"LBI_{field.upper()}: cannot be read{cause}" if field else str(error)
    if isinstance(error, LbiError):
        return str(error)
    if isinstance(error, RuntimeError) and str(error).startswith(EPHEMERAL_TIMED_OUT):
        return (f"Prefect's temporary server (PREFECT_API_URL is not set) did not start within"
                f" {os.environ[EPHEMERAL_STARTUP_VARIABLE]} s: set PREFECT_API_URL to a running server"
                f" (`prefect server start`), or give it longer with {EPHEMERAL_STARTUP_VARIABLE}")
    if isinstance(error, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        first = (str(error.orig or error).strip().splitlines() or ["unreachable"])[0]
        return (f"the store is unreachable ({first}). Work finished so far is kept;"
                " run the command again when the store is back to resume.")
    return None


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # the reader went away (`lbi ... | head`): nothing is wrong, nothing more to print
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit's flush does not fail again
        sys.exit(EXIT_BROKEN_PIPE)
    except Exception as error:  # raised outside a command (OneLineErrors handles those inside)
        message = _one_line(error)
        if message is None:
            if _debugging():
                raise
            _print_error(_internal(error))
            sys.exit(EXIT_INTERNAL)
        _print_error(message)
        sys.exit(EXIT_FAILED)
