"""Authorized fetch: with FEDCOP_AUTHORIZED_FETCH, actor and object documents need a signed GET.

The signer's key comes from the cache or, on a miss, from a signed fetch (a GET may wait on the
network; only the inbox may not). A key that fails is refetched once, in case it was rotated.
The instance actor, WebFinger and NodeInfo stay open: they are how a peer bootstraps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

from fedcop.routes.responses import json_error
from fedcop.services import membership, remote_actors
from fedcop.store import actors as actor_store
from fedcop.store import hosts as host_store
from federation.fetch_errors import FetchError
from federation.keys import load_public_key
from federation.signatures import SignatureError, parse_signature, verify_signature
from federation.vocab import host_of


@dataclass(frozen=True)
class Signer:
    """Who signed a GET: the key's owner, verified."""

    actor_uri: str


async def refusal(request: Request) -> Response | None:
    """None when the request may be answered; otherwise the 401/403 to send."""
    if not request.app.state.config.authorized_fetch:
        return None
    checked = await verified_signer(request)
    return checked if isinstance(checked, Response) else None


async def verified_signer(request: Request) -> Signer | Response:
    """The verified signer of a GET, or the 401/403 explaining why there is none."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        config = request.app.state.config
        parsed = parse_signature(
            "GET", target, headers, scheme=config.scheme, authority=config.domain
        )
    except SignatureError as error:
        return _unauthorized(f"this needs a signed request: {error}")
    pool = request.app.state.pool
    host = host_of(parsed.key_id) or ""
    async with pool.acquire() as conn:
        if await host_store.is_blocked(conn, host):
            return json_error(f"{host} is blocked on this node", 403)
        cached = await actor_store.find_key(conn, parsed.key_id)
    if cached is None:
        refusal = await remote_actors.refused_key_reason(pool, parsed.key_id)
        if refusal is not None:  # fetched lately and refused: not fetched again
            return _unauthorized(refusal)
    for attempt in ("cached", "fetched"):
        if attempt == "fetched" or cached is None:
            try:
                cached = await remote_actors.fetch_key(
                    pool, request.app.state.network, parsed.key_id
                )
            except (FetchError, remote_actors.ActorError) as error:
                return _unauthorized(f"the key {parsed.key_id} cannot be fetched: {error}")
        try:
            verify_signature(
                parsed, load_public_key(cached.public_key_pem), b"", now=datetime.now(UTC)
            )
            return Signer(cached.owner_uri)
        except (SignatureError, ValueError) as error:
            if attempt == "fetched":
                return _unauthorized(str(error))
    return _unauthorized("the signature could not be verified")


def _unauthorized(message: str) -> Response:
    response = json_error(message, 401)
    response.headers["Vary"] = "Signature, Accept"
    return response


async def members_only_refusal(request: Request, community_id: int) -> Response | None:
    """None if a signed GET comes from a server where the community has a member; otherwise
    the 401/403 to send. Private communities' posts and activities are served this way."""
    signer = await verified_signer(request)
    if isinstance(signer, Response):
        return signer
    host = host_of(signer.actor_uri) or ""
    allowed = await membership.server_has_member(
        request.app.state.pool, request.app.state.network, community_id, host
    )
    if not allowed:
        return json_error("this belongs to a private community: only its members may read it", 403)
    return None
