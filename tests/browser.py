"""A real browser for page tests: Debian's chromium, headless, driven by Playwright.

    async with browser() as page:          # a fresh profile each time
        await page.goto(node.base + "/")

tests/install-system-packages.sh installs chromium with apt-get; Playwright never downloads a
browser of its own.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Page, async_playwright

# The nodes' *.test host names resolved to this machine (tests/live_node.py's resolver).
TEST_HOSTS = "--host-resolver-rules=MAP *.test 127.0.0.1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    found = shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(found).exists():
        raise AssertionError(
            "chromium is not installed: the browser tests need Debian's chromium "
            "(tests/install-system-packages.sh installs it)"
        )
    return found


@asynccontextmanager
async def browser(
    init_scripts: Sequence[str] = (), *, test_hosts: bool = False
) -> AsyncIterator[Page]:
    """`init_scripts` run in every document before the page's own content (the accessibility
    audit loads axe-core this way: the browser injects them, so the pages' CSP, which forbids
    inline scripts, stays in force and the pages are audited exactly as served).
    `test_hosts`: *.test names are this machine, as for the nodes (tests/live_node.py), so the
    browser opens http://beta.test:PORT as a person on beta would."""
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[*CHROMIUM_ARGS, *([TEST_HOSTS] if test_hosts else [])],
        )
        try:
            context = await launched.new_context(viewport={"width": 390, "height": 844})
            for script in init_scripts:
                await context.add_init_script(script=script)
            yield await context.new_page()  # phone-sized: every page must work on a phone
        finally:
            await launched.close()


async def unlabelled_fields(page: Page) -> list[str]:
    """Form fields a screen reader cannot name (no <label for>, no aria-label)."""
    result: list[str] = await page.evaluate(
        """() => [...document.querySelectorAll('input, textarea, select')]
            .filter(el => el.type !== 'hidden' && el.type !== 'submit')
            .filter(el => !(el.id && document.querySelector(`label[for="${el.id}"]`))
                          && !el.getAttribute('aria-label'))
            .map(el => el.outerHTML)"""
    )
    return result
