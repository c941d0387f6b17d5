"""Fixtures for the client API: users with bearer tokens, and an HTTP client for them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from fedcop.config import Config
from fedcop.services import accounts, oauth
from fedcop.store.actors import Actor


@dataclass
class ApiUser:
    actor: Actor
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def api_user(
    app: Any, config: Config, name: str, scopes: str = "read write follow push"
) -> ApiUser:
    """A user of this node with a bearer token (as `fedcop admin token` makes)."""
    actor = await accounts.create_user(app.state.pool, config, name, "correct horse battery")
    token = await oauth.admin_token(app.state.pool, name, scopes)
    return ApiUser(actor, token)


@pytest.fixture
async def alice(app: Any, config: Config) -> ApiUser:
    return await api_user(app, config, "alice")


@pytest.fixture
async def api(app: Any, config: Config) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client (no token: pass `headers=user.auth`)."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        yield http
