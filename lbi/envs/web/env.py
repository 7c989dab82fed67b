"""A web application in a real browser (the WebArena setting).

Action: one browser action as text: ``click(id)``, ``fill(id, 'text')``, ``select(id, 'option')``,
``press(id, 'Enter')``, ``scroll('down')``, ``goto('/path')`` within the application, ``go_back()``,
``tab_focus(n)``, ``noop(ms)``, ``answer('text')``, ``stop()``. A malformed or impossible action is an error
observation.
Observation: the URL (path and query), the title, the open tabs, the focused element, the previous action
and its error, then the page's accessibility tree with element ids (ids follow the DOM order of the page, so
the same page has the same ids in every episode), cut around the viewport to ``max_observation_chars``.
A screenshot of every step is stored for people (``screenshots_dir``), never shown to the model; the
observation names it as its ``screenshot`` artifact, which is stored with the step.
Episode end: ``answer(...)`` or ``stop()``. Every reset serves a fresh copy of the application's state on a
free loopback port and opens it in a new browser profile; close kills both and removes the copy.
"""

from __future__ import annotations

import asyncio
import shlex
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from lbi.envs.base import CheckResult, Environment, EnvSpec, Limits, Observation, StepResult
from lbi.envs.checks import refuse_foreign
from lbi.envs.web import reaper, state
from lbi.envs.web.actions import Action, ActionError, parse
from lbi.envs.web.application import Application
from lbi.envs.web.browser import LOAD_WAIT_S, Browser, PageView
from lbi.envs.web.checks import (AllOf, AnswerContains, AnswerEquals, AnswerRegex, Check, MilestoneCheck, SqlCheck,
                                 TicketCheck, UrlCheck, WikiCheck)
from lbi.envs.web.family import ACTION_LANGUAGE, LIMITS, TRAC, describe
from lbi.envs.web.login import session_cookies
from lbi.envs.web.loop_thread import LoopThread
from lbi.envs.web.observation import compose, display_url, header
from lbi.envs.web.screenshots import Screenshots
from lbi.envs.web.served import Served
from lbi.errors import ConfigError

RESET_TIMEOUT_S = 60.0
OBSERVE_TIMEOUT_S = 10.0  # at least; a tab that cannot be read within it is taken as stuck (busy machines are slow)


class WebEnv(Environment):
    check_type = Check

    def __init__(self, env_id: str, app: str = "trac", start: str | None = None, url: str | None = None,
                 database: str | None = None, limits: Limits | None = None, workdir: Path | None = None,
                 screenshots_dir: Path | None = None, cache_dir: Path | None = None) -> None:
        self.limits = limits or LIMITS
        self._app_name = str(app)
        self._application: Application | None = None if self._app_name == "trac" else user_application(
            self._app_name, start, url, database)
        self._cache_dir = cache_dir
        self._workdir = Path(workdir) if workdir is not None else None
        name = "Trac" if self._application is None else Path(self._app_name).name
        subject = TRAC if self._application is None else f"the web application '{name}'"
        self.spec = EnvSpec(id=env_id, family="web", description=describe(subject), action_language=ACTION_LANGUAGE,
                            limits=self.limits)
        self._screenshots = Screenshots(screenshots_dir, env_id)
        self._loop: LoopThread | None = None
        self._playwright: Any = None
        self._episode: Path | None = None
        self._record: Path | None = None
        self._served: Served | None = None
        self._browser: Browser | None = None
        self._view: PageView | None = None
        self._answer: str | None = None
        self._steps = 0

    @property
    def application(self) -> Application:
        if self._application is None:
            from lbi.envs.web.trac_site import trac_application

            self._application = trac_application(self._cache_dir)
        return self._application

    def reset(self) -> Observation:
        self._end_episode()
        app = self.application
        if self._loop is None:
            reaper.reap()
            self._loop = LoopThread(f"web-{self.spec.id}")
        if self._workdir is not None:
            self._workdir.mkdir(parents=True, exist_ok=True)
        self._episode = Path(tempfile.mkdtemp(prefix="lbi-web-", dir=self._workdir))
        self._served = Served(app, self._episode)
        self._answer, self._steps = None, 0
        try:
            self._loop.run(asyncio.wait_for(self._start(app), RESET_TIMEOUT_S))
        except BaseException:
            self._end_episode()
            raise
        self._screenshots.begin(self._episode.name)
        return self._observe(previous=None, error=None)

    async def _start(self, app: Application) -> None:
        if self._playwright is None:
            from playwright.async_api import async_playwright

            self._playwright = await async_playwright().start()
        assert self._served is not None and self._episode is not None
        origin = self._served.spawn()
        browser = self._browser = Browser(self._playwright, self._episode / "profile", origin,
                                          app.login[:2] if app.login else None)
        self._record = reaper.record(self._episode.name, server_pid=self._served.process.pid,  # type: ignore[union-attr]
                                     profile=browser.profile, directory=self._episode)
        launched = asyncio.ensure_future(browser.launch())
        try:
            origin = await self._served.ready()
            if app.login:
                user, password, path = app.login
                cookies = await asyncio.get_running_loop().run_in_executor(
                    None, session_cookies, origin + path, user, password)
        finally:
            await launched
        browser.origin = origin
        if app.login:
            await browser.add_cookies(cookies)
        await browser.goto(origin + app.start_url)

    def step(self, action: str) -> StepResult:
        if self._browser is None or self._loop is None:
            raise RuntimeError("reset() must be called before step()")
        if not isinstance(action, str) or len(action) > self.limits.max_action_chars:
            return StepResult(self._observe(None, f"an action is text of at most {self.limits.max_action_chars} "
                                                  "characters", failed=True))
        self._steps += 1
        try:
            parsed = parse(action)
        except ActionError as error:
            return StepResult(self._observe(None, str(error), failed=True))
        if parsed.name in ("answer", "stop"):
            self._answer = parsed.args[0] if parsed.name == "answer" else self._answer
            said = f"answered {parsed.args[0]!r}" if parsed.name == "answer" else "stopped"
            return StepResult(Observation(f"The episode is over: you {said}."), done=True)
        previous = self._describe(parsed)
        error = self._act(parsed)
        return StepResult(self._observe(previous, error, failed=error is not None))

    def _act(self, action: Action) -> str | None:
        assert self._browser is not None and self._loop is not None
        deadline = time.monotonic() + self.limits.action_timeout_s
        try:
            self._loop.run(asyncio.wait_for(self._browser.act(action, self._elements(), deadline),
                                            self.limits.action_timeout_s))
        except ActionError as error:
            return str(error)
        except (asyncio.TimeoutError, TimeoutError):
            return f"the action timed out after {self.limits.action_timeout_s:g} s"
        except Exception as error:  # Playwright's own errors: the element could not be acted on
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            if "Timeout" in first or "Timeout" in type(error).__name__:
                return f"the action timed out after {self.limits.action_timeout_s:g} s ({first[:200]})"
            return f"{action.name} failed: {first[:300]}"
        wait_s = max(LOAD_WAIT_S, self.limits.action_timeout_s)
        try:
            self._loop.run(asyncio.wait_for(self._browser.settle(wait_s), wait_s + 1))
        except (asyncio.TimeoutError, TimeoutError):
            pass  # a page still busy is observed as it is (the observation has its own deadline)
        if self._browser.blocked:
            blocked, self._browser.blocked = self._browser.blocked, []
            return f"blocked: {blocked[0][:120]} is outside the application"
        return None

    def _elements(self) -> dict:
        return self._view.elements if self._view is not None else {}

    def _describe(self, action: Action) -> str:
        """The action as the next observation reports it, with the element it was taken on."""
        args = ", ".join(repr(a) for a in action.args[1:]) if action.element is not None else \
            ", ".join(repr(a) for a in action.args)
        target = self._elements().get(action.element or "")
        on = f" on {target.describe()}" if target is not None else ""
        return f"{action.name}({', '.join(filter(None, [action.element, args]))}){on}"

    def _observe(self, previous: str | None, error: str | None, failed: bool = False) -> Observation:
        assert self._browser is not None and self._loop is not None
        notes, self._browser.notes = self._browser.notes, []
        timeout_s = max(OBSERVE_TIMEOUT_S, self.limits.action_timeout_s)
        try:
            view = self._loop.run(asyncio.wait_for(self._browser.observe(), timeout_s))
        except (asyncio.TimeoutError, TimeoutError):
            self._loop.run(self._browser.recover(self._browser.origin + self.application.start_url))
            notes.append(f"the tab stopped answering within {timeout_s:g} s (a script running forever "
                         "or a huge page) and was closed")
            failed = True
            error = error or "the page did not answer"
            view = self._loop.run(asyncio.wait_for(self._browser.observe(), timeout_s))
        self._view = view
        head = header(view, self._browser.origin, previous, error, notes)
        text, truncated = compose(head, view, self.limits.max_observation_chars)
        artifacts = {}
        if self._episode is not None:
            self._loop.run(self._screenshots.take(self._browser, self._steps))
            if self._screenshots.last is not None:
                artifacts["screenshot"] = str(self._screenshots.last)
        return Observation(text, error=failed or error is not None, truncated=truncated, artifacts=artifacts)

    @property
    def url(self) -> str | None:
        """The active tab's URL as observations show it (path and query)."""
        if self._view is None or self._browser is None:
            return None
        return display_url(self._view.url, self._browser.origin)

    @property
    def page_elements(self) -> dict:
        """The elements the last observation showed, by id (role and name)."""
        return dict(self._elements())

    @property
    def answer(self) -> str | None:
        return self._answer

    @property
    def state_path(self) -> Path | None:
        """The episode's copy of the application's state (for checks and tests)."""
        return self._served.state if self._served is not None else None

    def check(self, check: Any) -> CheckResult:
        refuse_foreign(check, Check, "web")
        if isinstance(check, AllOf):
            results = [self.check(inner) for inner in check.checks]
            failed = next((r for r in results if not r.success), None)
            if failed is not None:
                return CheckResult(False, failed.detail, broken_check=failed.broken_check)
            return CheckResult(True, "; ".join(r.detail for r in results))
        if isinstance(check, (AnswerEquals, AnswerContains, AnswerRegex)):
            return check.judge(self._answer)
        if isinstance(check, UrlCheck):
            return check.judge(self.url or "")
        database = self.application.database
        if database is None or self.state_path is None:
            return CheckResult(False, "this application declares no database to check", broken_check=True)
        with state.connect(self.state_path / database) as db:
            judge = {TicketCheck: state.ticket, WikiCheck: state.wiki, MilestoneCheck: state.milestone,
                     SqlCheck: state.sql}[type(check)]
            return judge(db, check)  # type: ignore[operator]

    def close(self) -> None:
        """End the episode, then stop the browser's driver and the loop thread."""
        self._end_episode()
        if self._loop is not None:
            if self._playwright is not None:
                try:
                    self._loop.run(asyncio.wait_for(self._playwright.stop(), 10))
                except Exception:
                    pass
                self._playwright = None
            self._loop.stop()
            self._loop = None

    def _end_episode(self) -> None:
        if self._loop is not None:
            if self._browser is not None:
                browser, self._browser = self._browser, None
                try:
                    self._loop.run(asyncio.wait_for(browser.close(), 10))
                except Exception:
                    pass
        if self._served is not None:
            self._served.stop()
            self._served = None
        if self._episode is not None:
            shutil.rmtree(self._episode, ignore_errors=True)
            self._episode = None
        reaper.forget(self._record)
        self._record, self._view = None, None


def user_application(app: str, start: str | None, url: str | None, database: str | None) -> Application:
    """A user's application: ``app`` the state directory copied per episode, ``start`` the command serving it."""
    directory = Path(app).expanduser()
    if not directory.is_dir():
        raise ConfigError(f"app '{app}' is neither the shipped application (trac) nor a directory")
    if not start:
        raise ConfigError("a web application needs --start, the command that serves it on {port}")
    args = tuple(shlex.split(start))
    if not any("{port}" in arg for arg in args):
        raise ConfigError(f"--start must contain {{port}}, where the application is told its port: {start!r}")
    if url is not None and not url.startswith("/"):
        raise ConfigError(f"--url is a path within the application, like /items, not {url!r}")
    if database is not None and not (directory / database).is_file():
        raise ConfigError(f"--database names a file in the app directory; {directory / database} is not one")
    return Application(state=directory.resolve(), start=args, start_url=url or "/", database=database)
