"""One episode's browser: Debian's Chromium through Playwright, headless, with a profile of its own, held to
the application's origin. Runs on the environment's loop thread (lbi/envs/web/loop_thread.py).

| bound | how |
|---|---|
| origin | every request is routed: only the application's origin passes; ``goto`` refuses other URLs |
| schemes | ``file:``, ``chrome:``, ``data:``, ``javascript:`` are never opened by ``goto``; Chromium refuses them from pages |
| popups | kept as tabs up to ``MAX_TABS``; more are closed |
| dialogs | dismissed, and reported |
| downloads | refused (``accept_downloads=False``), and reported |
| endless scripts, huge pages | every action and observation has a deadline; a tab that stops answering is closed |
| memory | V8 heap capped per renderer (``--js-flags``) |
| lifetime | the browser dies with its driver, which dies with the run (its pipe closes) |
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from lbi.envs.web.actions import Action, ActionError
from lbi.envs.web.axtree import NUMBER_ELEMENTS, Element, Line, dom_index, render

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-breakpad", "--disable-dev-shm-usage",
         "--js-flags=--max-old-space-size=512", "--renderer-process-limit=4", "--mute-audio",
         "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
VIEWPORT = {"width": 1280, "height": 900}
MAX_TABS = 4
SETTLE_S = 0.1  # an action that opens a page has sent its request by then, even on a busy machine
OBSERVE_ATTEMPTS = 5
# A page being left (a link followed, a form submitted) says so before its request is even sent.
MARK_LEAVING = "addEventListener('beforeunload', () => { window.__lbiLeaving = true; });"
IS_LEAVING = "() => window.__lbiLeaving === true"
NAVIGATED = re.compile(r"context was destroyed|navigat|Target closed|detached|No node with given id", re.I)
LOAD_WAIT_S = 3.0  # the least an action waits for the page it opened to load, after its own time limit


@dataclass
class PageView:
    url: str
    title: str
    tabs: list[str]
    active: int
    focused: str | None
    lines: list[Line]
    elements: dict[str, Element]
    scroll_y: float
    viewport_height: float


class Browser:
    def __init__(self, playwright: Any, profile: Path, origin: str, credentials: tuple[str, str] | None) -> None:
        self.playwright = playwright
        self.profile = profile
        self.origin = origin
        self.credentials = credentials
        self.context: Any = None
        self.active: Any = None
        self.notes: list[str] = []  # what happened outside the action itself (dialogs, blocked requests)
        self.blocked: list[str] = []
        self._navigations: dict[Any, list[int]] = {}  # page -> [started, finished]

    async def launch(self) -> None:
        credentials = ({"username": self.credentials[0], "password": self.credentials[1]}
                       if self.credentials else None)
        self.context = await self.playwright.chromium.launch_persistent_context(
            str(self.profile), executable_path=CHROMIUM, headless=True, args=FLAGS, accept_downloads=False,
            http_credentials=credentials, viewport=VIEWPORT, service_workers="block", locale="en-US",
            timezone_id="UTC")
        await self.context.route("**/*", self._guard)
        await self.context.add_init_script(MARK_LEAVING)
        self.context.on("page", self._adopt)
        for page in self.context.pages:
            self._watch(page)
        self.active = self.context.pages[0] if self.context.pages else await self.context.new_page()

    async def goto(self, url: str) -> None:
        await self.active.goto(url, wait_until="load")

    async def add_cookies(self, cookies: list[dict]) -> None:
        await self.context.add_cookies(cookies)

    def same_origin(self, url: str) -> bool:
        parts, origin = urlsplit(url), urlsplit(self.origin)
        return parts.scheme == origin.scheme and parts.netloc == origin.netloc

    async def _guard(self, route: Any) -> None:
        request = route.request
        if self.same_origin(request.url):
            await route.continue_()
            return
        if request.is_navigation_request():
            self.blocked.append(request.url)
        await route.abort("blockedbyclient")

    def _adopt(self, page: Any) -> None:
        self._watch(page)
        if len(self.context.pages) > MAX_TABS:
            self.notes.append(f"a new tab was closed: at most {MAX_TABS} tabs may be open")
            asyncio.ensure_future(page.close())
            return
        self.active = page

    def _watch(self, page: Any) -> None:
        counts = self._navigations.setdefault(page, [0, 0])

        def started(request: Any) -> None:
            if request.is_navigation_request() and request.frame == page.main_frame:
                counts[0] += 1

        def finished(*_: Any) -> None:
            counts[1] = counts[0]

        page.on("request", started)
        page.on("load", finished)
        page.on("requestfailed", lambda request: finished() if request.is_navigation_request() else None)
        page.on("dialog", self._dismiss)
        page.on("download", lambda download: self._refused(page, download))
        page.on("crash", lambda _: self.notes.append("the page crashed"))

    def _refused(self, page: Any, download: Any) -> None:
        self.notes.append(f"a download ({download.suggested_filename}) was refused")
        asyncio.ensure_future(page.evaluate("() => { window.__lbiLeaving = false; }"))  # the page stays

    async def _dismiss(self, dialog: Any) -> None:
        self.notes.append(f"a {dialog.type} dialog was dismissed: {dialog.message[:200]!r}")
        await dialog.dismiss()

    async def act(self, action: Action, elements: dict[str, Element], deadline: float) -> None:
        """Perform the action on the active tab; ActionError for a refused or impossible action."""
        page = self.active
        timeout_ms = max(100.0, (deadline - time.monotonic()) * 1000)
        if action.element is not None and action.element not in elements:
            raise ActionError(f"no element [{action.element}] on this page (use an id shown in the tree)")
        locator = page.locator(f'[data-lbi="{action.element}"]') if action.element is not None else None
        name, args = action.name, action.args
        if name == "click":
            await locator.click(timeout=timeout_ms, no_wait_after=True)
        elif name == "fill":
            await locator.fill(args[1], timeout=timeout_ms)
        elif name == "select":
            await self._select(locator, args[1], timeout_ms)
        elif name == "press":
            await locator.press(args[1], timeout=timeout_ms, no_wait_after=True)
        elif name == "scroll":
            script = {"up": "window.scrollBy(0, -window.innerHeight * 0.8)",
                      "down": "window.scrollBy(0, window.innerHeight * 0.8)",
                      "top": "window.scrollTo(0, 0)", "bottom": "window.scrollTo(0, document.body.scrollHeight)"}
            await page.evaluate(script[args[0]])
        elif name == "goto":
            await page.goto(self.resolve(args[0]), wait_until="commit", timeout=timeout_ms)
        elif name == "go_back":
            if await page.go_back(wait_until="commit", timeout=timeout_ms) is None:
                raise ActionError("there is no previous page in this tab")
        elif name == "tab_focus":
            pages = self.context.pages
            if not 0 <= args[0] < len(pages):
                raise ActionError(f"no tab {args[0]} (tabs 0 to {len(pages) - 1})")
            self.active = pages[args[0]]
            await self.active.bring_to_front()
        elif name == "noop":
            await asyncio.sleep(max(0.0, args[0]) / 1000)

    def resolve(self, url: str) -> str:
        target = urljoin(self.origin + "/", url.strip())
        if not self.same_origin(target):
            raise ActionError(f"goto opens pages of the application only (a path like /wiki), not {url[:80]!r}")
        return target

    async def _select(self, locator: Any, option: str, timeout_ms: float) -> None:
        try:
            await locator.select_option(label=option, timeout=timeout_ms)
        except Exception as error:
            if "Timeout" in type(error).__name__ or "did not find some options" not in str(error):
                raise
            await locator.select_option(value=option, timeout=timeout_ms)

    async def settle(self, wait_s: float = LOAD_WAIT_S) -> None:
        """Wait for a navigation the action started (if any) to load; a page still loading at the deadline is
        observed as it is (slow is not the agent's error)."""
        deadline = time.monotonic() + wait_s
        await asyncio.sleep(SETTLE_S)
        counts = self._navigations.get(self.active, [0, 0])
        while time.monotonic() < deadline:
            try:
                leaving = await self.active.evaluate(IS_LEAVING)
            except Exception:
                leaving = True  # between two documents
            if not leaving and counts[0] <= counts[1]:
                break
            await asyncio.sleep(0.03)
        remaining = deadline - time.monotonic()
        if remaining > 0:
            try:
                await self.active.wait_for_load_state("load", timeout=remaining * 1000)
            except Exception:
                pass  # an observation of the page as it is now follows

    async def observe(self) -> PageView:
        """The active tab as a PageView; a navigation that replaces the page while it is read (one the last
        action started late) is waited for, and the new page read."""
        for attempt in range(OBSERVE_ATTEMPTS):
            try:
                return await self._read()
            except Exception as error:
                if attempt + 1 == OBSERVE_ATTEMPTS or not NAVIGATED.search(str(error)):
                    raise
                await self.settle()
        raise AssertionError("unreachable")

    async def _read(self) -> PageView:
        page = self.active
        numbered = await page.evaluate(NUMBER_ELEMENTS)
        cdp = await self.context.new_cdp_session(page)
        try:
            snapshot = await cdp.send("DOMSnapshot.captureSnapshot", {"computedStyles": []})
            tree = await cdp.send("Accessibility.getFullAXTree")
        finally:
            await cdp.detach()
        ids, tops = dom_index(snapshot)
        lines, elements = render(tree["nodes"], ids, tops, numbered["options"])
        document = snapshot["documents"][0]
        tabs = [await tab.title() for tab in self.context.pages]
        return PageView(url=page.url, title=await page.title(), tabs=tabs, active=self.context.pages.index(page),
                        focused=numbered["focused"], lines=lines, elements=elements,
                        scroll_y=document.get("scrollOffsetY", 0.0), viewport_height=VIEWPORT["height"])

    async def recover(self, start_url: str) -> None:
        """Close the active tab (it stopped answering) and carry on in another, or a new one at the start."""
        stuck = self.active
        try:
            await asyncio.wait_for(stuck.close(run_before_unload=False), 5)
        except Exception:
            pass
        pages = [p for p in self.context.pages if p is not stuck]
        if pages:
            self.active = pages[-1]
        else:
            self.active = await self.context.new_page()
            await self.active.goto(start_url, wait_until="load", timeout=10_000)

    async def screenshot(self, path: Path) -> None:
        await self.active.screenshot(path=str(path), type="jpeg", quality=60, timeout=2000)

    async def close(self) -> None:
        if self.context is not None:
            context, self.context = self.context, None
            await context.close()
