"""A person's browser session on a live node, without a browser: the same HTTP form posts, with
the session cookie and the CSRF token the pages carry.

    async with signed_in(beta, "bea", "long enough") as browser:
        html = await browser.page("/c/stewards@alpha.test:1234/manage")   # 200, its text
        await browser.csrf("/t/5")                  # the token of the page the form is on
        response = await browser.submit("/t/5/moderate", action="pin")   # 303 when done
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator

import httpx

from tests.live_node import LiveNode


class Browser:
    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.token = ""

    async def csrf(self, path: str) -> str:
        """Open `path` and keep the CSRF token of its forms."""
        page = await self.http.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found is not None, page.text
        self.token = found.group(1)
        return self.token

    async def page(self, path: str) -> str:
        response = await self.http.get(path)
        assert response.status_code == 200, response.text
        return response.text

    async def submit(self, path: str, **fields: str) -> httpx.Response:
        return await self.http.post(path, data={"csrf": self.token, **fields})


@contextlib.asynccontextmanager
async def signed_in(node: LiveNode, name: str, password: str) -> AsyncIterator[Browser]:
    """An HTTP client holding `name`'s session on `node`, over TCP."""
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{node.port}", headers={"Host": node.config.domain}
    ) as http:
        browser = Browser(http)
        response = await http.post(
            "/login",
            data={"csrf": await browser.csrf("/login"), "name": name, "password": password},
        )
        assert response.status_code == 303, response.text
        yield browser
