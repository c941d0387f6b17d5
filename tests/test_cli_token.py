"""`fedcop admin token USER`: a bearer token for scripts, printed by the real command."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from fedcop.config import Config
from fedcop.services import accounts, oauth
from tests.processes import clean_env, run_fedcop


def _env(dsn: str, config: Config) -> dict[str, str]:
    return clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_BASE_URL=config.base_url)


async def test_admin_token_prints_a_token_that_acts_for_the_user(
    pool: Any, dsn: str, config: Config, tmp_path: Path
) -> None:
    # Given a user on the node
    actor = await accounts.create_user(pool, config, "ana", "correct horse battery")

    # When an operator asks for a token with narrower scopes
    result = await asyncio.to_thread(
        run_fedcop,
        "admin", "token", "ana", "--scopes", "read write", "--data-dir", str(tmp_path),
        env=_env(dsn, config),
    )  # fmt: skip

    # Then the one line it prints is a live token for ana with those scopes
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert len(token.splitlines()) == 1
    access = await oauth.access_of(pool, token)
    assert access is not None
    assert access.user is not None
    assert access.user.actor.id == actor.id
    assert access.scopes == ["read", "write"]
    assert access.app_id is None


async def test_admin_token_refuses_unknown_users_and_scopes(
    pool: Any, dsn: str, config: Config, tmp_path: Path
) -> None:
    await accounts.create_user(pool, config, "ana", "correct horse battery")
    for args, message in (
        (("ghost",), "no user 'ghost'"),
        (("ana", "--scopes", "read everything"), "unknown scope: everything"),
    ):
        result = await asyncio.to_thread(
            run_fedcop, "admin", "token", *args, "--data-dir", str(tmp_path), env=_env(dsn, config)
        )
        assert result.returncode == 1
        assert message in result.stderr
        assert "Traceback" not in result.stderr
        assert result.stdout == ""
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM oauth_tokens") == 0
