"""A real headless Chromium (Debian's `chromium` package) driven by Playwright, for the report tests.

`open_page(path)` loads a local HTML file offline and records what a report must never do: console
errors, uncaught exceptions, and any request that is not the local file itself (or a `data:` URL).
Chromium comes from `apt-get install chromium` (scripts/setup.sh does it); Playwright's own browser
download is not used, so nothing is fetched.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def chromium_path() -> str | None:
    """The system Chromium (`$HARNESS_CHROMIUM` overrides), or None when it is not installed."""
    env = os.environ.get("HARNESS_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageLog:
    """What happened while a page was open."""

    root: Path
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    load_seconds: float = 0.0

    @property
    def foreign_requests(self) -> list[str]:
        """Requests for anything but local files under the report's folder and data: URLs."""
        local = self.root.resolve().as_uri()
        return [u for u in self.requests if not (u.startswith("data:") or u.startswith(local))]


@contextmanager
def open_page(path: Path, *, width: int = 1400, height: int = 900, scale: float = 1) -> Iterator[tuple[Any, PageLog]]:
    """Open `path` in headless Chromium with networking off; yields (page, log)."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium not found: run `apt-get install -y chromium` (scripts/setup.sh does it) "
                           "or set HARNESS_CHROMIUM")
    log = PageLog(path.parent)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        context = browser.new_context(offline=True, viewport={"width": width, "height": height},
                                      device_scale_factor=scale)
        page = context.new_page()
        page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: log.page_errors.append(str(e)))
        page.on("request", lambda r: log.requests.append(r.url))
        start = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="load")
        log.load_seconds = time.perf_counter() - start
        try:
            yield page, log
        finally:
            context.close()
            browser.close()


def screenshot(page: Any, selector: str, out: Path) -> Path:
    """A screenshot of one element (a report section) as PNG."""
    out.parent.mkdir(parents=True, exist_ok=True)
    page.locator(selector).screenshot(path=str(out))
    return out
