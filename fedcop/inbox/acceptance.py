"""Deciding whether to accept an inbox POST. Nothing here waits on the network.

body <= 1 MiB ............................ else 413
content type is ActivityStreams JSON ..... else 415
signature parses, covers what it must,
  Host is this node's ..................... else 401
Date within the window, digest matches ... else 401 (no key needed: a stranger's stale or
                                                     altered request is not queued either)
signer's host not blocked ................ else 403
JSON object, valid for its schema ........ else 400 (an unknown type: 202, recorded, ignored)
storable: no U+0000, id fits the index ... else 400
origin: key, actor and activity on one host; so are objects embedded in
        Create/Update/Delete (but an Update of a community of this node, or of a
        question's state: a facilitator elsewhere asking a change, decided by its
        handler; or a member's proposed edit of a knowledge-base page, an Update whose
        Article carries fedcop:baseVersion, naming the page on its community's host) .. else 400
    (these three steps are `admit(body, signer_host)`, callable on their own)
key known?   a key fedcop refuses (RSA under 1024 or over 8192 bits, not RSA) -> 401, before
             any verify; else verify now: good -> 'pending'; bad with a key held in memory ->
             read it from the database once more and verify again (an Update handled since
             may have brought the sender's new key); still bad -> 401 (or, if the stored key is old,
             'unverified' so the worker refetches it: the actor may have rotated its key)
key unknown? 'unverified': the worker fetches the key, then verifies
             (a Delete of an unknown actor by itself: 202, dropped, no fetch;
             a key the worker fetched and refused in the last day: 401, with the reason)
the actor's share: more than its quota of activities waiting -> 429 with Retry-After;
             else its fair turn in the queue (fedcop.inbox.fairness)
-> queued durably, deduplicated by activity id -> 202
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from fedcop.documents import knowledge
from fedcop.documents.questions import read_question
from fedcop.inbox.fairness import RETRY_AFTER_SECONDS, InboxShares
from fedcop.queues import InboundState
from fedcop.store import actors as actor_store
from fedcop.store import hosts as host_store
from fedcop.store import refused_keys as refused_store
from fedcop.store.inbound import NewInbound
from federation.keys import KeyRefused, load_public_key
from federation.signatures import (
    ParsedSignature,
    SignatureError,
    SignatureMismatch,
    check_unkeyed,
    parse_signature,
    verify_signature,
)
from federation.validate import UnsupportedType, ValidationError, parse_document, validate
from federation.vocab import first_type, host_of, id_of

MAX_BODY_BYTES = 1024 * 1024
AS_PROFILE = "https://www.w3.org/ns/activitystreams"
# A cached key that fails to verify is refetched only if we have not read it this recently.
KEY_REFRESH_AFTER = timedelta(minutes=10)
_KEY_CACHE_SECONDS = 300.0
_BLOCKS_CACHE_SECONDS = 10.0
_OBJECT_ORIGIN_TYPES = frozenset({"Create", "Update", "Delete"})
# The schemas' bound on a URI, here for activities of unknown types (which have no schema): the
# dedupe index on activity ids cannot hold an entry much over 2.7 kB.
MAX_ID_LENGTH = 2048


@dataclass(frozen=True)
class InboundRequest:
    method: str
    target: str  # path and query, exactly as received
    headers: Mapping[str, str]  # lower-cased names
    body: bytes
    received_at: datetime


@dataclass(frozen=True)
class Decision:
    status: int
    message: str
    row: NewInbound | None = None
    retry_after: int | None = None  # seconds, with a 429


@dataclass(frozen=True)
class _Key:
    record: actor_store.CachedKey
    public_key: PublicKeyTypes
    remembered: bool  # served from memory, so possibly older than the database's


def is_activity_json(content_type: str) -> bool:
    media, _, params = content_type.partition(";")
    media = media.strip().lower()
    if media == "application/activity+json":
        return True
    return media == "application/ld+json" and AS_PROFILE in params


class _Cached:
    """Keys and blocks read from the database, kept briefly in memory: the inbox hot path makes
    no database round trip for a sender it has just seen."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[float, actor_store.CachedKey, PublicKeyTypes]] = {}
        self.blocked: tuple[float, frozenset[str]] = (0.0, frozenset())


class Acceptance:
    def __init__(self, pool: Any, public_scheme: str, public_authority: str | None = None) -> None:
        self.pool = pool
        self.public_scheme = public_scheme
        # This node's host[:port]: a request signed for another server is refused.
        self.public_authority = public_authority
        self._cache = _Cached()
        self.shares = InboxShares()

    def forget_key(self, key_id: str) -> None:
        self._cache.keys.pop(key_id, None)

    def forget_blocks(self) -> None:
        self._cache.blocked = (0.0, frozenset())

    async def decide(self, request: InboundRequest) -> Decision:
        if len(request.body) > MAX_BODY_BYTES:
            return Decision(413, f"the body is larger than {MAX_BODY_BYTES} bytes")
        if not is_activity_json(request.headers.get("content-type", "")):
            return Decision(
                415,
                "post ActivityStreams JSON: Content-Type application/activity+json, or "
                f'application/ld+json; profile="{AS_PROFILE}"',
            )
        try:
            signature = parse_signature(
                request.method,
                request.target,
                request.headers,
                scheme=self.public_scheme,
                authority=self.public_authority,
            )
            check_unkeyed(signature, request.body, now=request.received_at)
        except SignatureError as error:
            return Decision(401, str(error))
        signer_host = host_of(signature.key_id)
        if signer_host is None:
            return Decision(401, f"the signature's keyId {signature.key_id!r} is not a URL")
        if signer_host in await self._blocked_hosts():
            return Decision(403, f"{signer_host} is blocked on this node")
        local_host = host_of(f"https://{self.public_authority}") if self.public_authority else None
        admitted = admit(request.body, signer_host, local_host=local_host)
        if admitted.row is None:
            return admitted
        decision = await self._verify(request, signature, admitted.row)
        if decision.row is None:
            return decision
        return await self._take_turn(decision, request.received_at)

    async def _take_turn(self, decision: Decision, received_at: datetime) -> Decision:
        """The accepted row with its fair turn in the queue, or a 429 when its actor, or its
        actor's host, already has its quota of activities waiting."""
        assert decision.row is not None
        actor_uri = decision.row.actor_uri
        turn = await self.shares.turn(self.pool, actor_uri, received_at)
        if turn.fair_at is None:
            whose = (
                f"{actor_uri} already has"
                if turn.of == "actor"
                else f"{host_of(actor_uri)}'s actors already have"
            )
            return Decision(
                429,
                f"{whose} {turn.waiting} activities waiting here (at most "
                f"{turn.quota}); send again in {RETRY_AFTER_SECONDS} seconds",
                retry_after=RETRY_AFTER_SECONDS,
            )
        return replace(decision, row=replace(decision.row, fair_at=turn.fair_at))

    def queued(self, row: NewInbound) -> None:
        """`row` is committed: if verified, it counts against its actor's share. One whose key
        is still to be fetched does not: anyone can send it in the actor's name, and must not
        fill the actor's share (the worker's key fetches are limited per host instead)."""
        if row.state == InboundState.PENDING:
            self.shares.accepted(row.actor_uri)

    async def _verify(
        self, request: InboundRequest, signature: ParsedSignature, row: NewInbound
    ) -> Decision:
        try:
            key = await self._key(signature.key_id)
        except KeyRefused as refused:
            # Kept before fedcop judged keys: refused now, before any verify (a huge key would
            # cost seconds per request). Fetching the actor again once it serves a better key
            # (a lookup of it) cures it.
            return Decision(401, f"the key {signature.key_id} is refused: {refused}")
        if key is None:
            if _deletes_itself(row.document):
                # An account we never knew is gone: nothing to do, and nothing worth a fetch.
                return Decision(202, "unknown actor deleted; nothing to do")
            refusal = await self._refused_lately(signature.key_id)
            if refusal is not None:
                # Fetched lately and refused (too small, too large, not RSA): say so now,
                # rather than queue the request and fetch the same key again.
                return Decision(401, refusal)
            return Decision(202, "accepted; the key will be fetched", _unverified(row, request))
        try:
            return _verified(request, signature, row, key)
        except SignatureMismatch as error:
            mismatch = error
        if key.remembered:
            # The memory may lag the database: an Update handled since, by any process, may
            # have stored the sender's new key (a rotation). One read, no network.
            try:
                stored = await self._key(signature.key_id, remembered=False)
            except KeyRefused as refused:
                return Decision(401, f"the key {signature.key_id} is refused: {refused}")
            if stored is not None:
                changed = stored.record.public_key_pem != key.record.public_key_pem
                key = stored
                if changed:
                    try:
                        return _verified(request, signature, row, key)
                    except SignatureMismatch as error:
                        mismatch = error
        # The sender may have rotated its key without an Update reaching us: unless we read it
        # lately, let the worker refetch it and verify again. Local keys (never fetched) cannot
        # be stale.
        fetched_at = key.record.fetched_at
        if fetched_at is None or request.received_at - fetched_at <= KEY_REFRESH_AFTER:
            return Decision(401, str(mismatch))
        self.forget_key(key.record.key_id)
        return Decision(202, "accepted; the key will be refreshed", _unverified(row, request))

    async def _key(self, key_id: str, remembered: bool = True) -> _Key | None:
        """The key `key_id` from memory if read lately (and `remembered` allows), else from the
        database (then remembered for a while). Raises KeyRefused for a stored key fedcop will
        not verify with (too small, too large, not RSA)."""
        now = time.monotonic()
        hit = self._cache.keys.get(key_id)
        if remembered and hit is not None and now - hit[0] < _KEY_CACHE_SECONDS:
            return _Key(hit[1], hit[2], remembered=True)
        async with self.pool.acquire() as conn:
            key = await actor_store.find_key(conn, key_id)
        if key is None:
            return None
        public_key = load_public_key(key.public_key_pem)  # KeyRefused: the caller's 401
        if len(self._cache.keys) > 10_000:
            self._cache.keys.clear()
        self._cache.keys[key_id] = (now, key, public_key)
        return _Key(key, public_key, remembered=False)

    async def _refused_lately(self, key_id: str) -> str | None:
        async with self.pool.acquire() as conn:
            return await refused_store.recent_reason(conn, key_id)

    async def _blocked_hosts(self) -> frozenset[str]:
        loaded_at, blocked = self._cache.blocked
        if time.monotonic() - loaded_at > _BLOCKS_CACHE_SECONDS:
            async with self.pool.acquire() as conn:
                blocked = frozenset(await host_store.blocked_hosts(conn))
            self._cache.blocked = (time.monotonic(), blocked)
        return blocked


def _verified(
    request: InboundRequest, signature: ParsedSignature, row: NewInbound, key: _Key
) -> Decision:
    """202 with the row to queue, or 401; raises SignatureMismatch when only the signature
    itself failed, the one failure another copy of the key can cure."""
    if key.record.owner_uri != row.actor_uri:
        return Decision(
            401, f"the request is signed by {key.record.owner_uri}, not by {row.actor_uri}"
        )
    try:
        verify_signature(signature, key.public_key, request.body, now=request.received_at)
    except SignatureMismatch:
        raise
    except SignatureError as error:
        return Decision(401, str(error))
    return Decision(202, "accepted", row)


def admit(body: bytes, signer_host: str, *, local_host: str | None = None) -> Decision:
    """The checks after the signature's: the body is an activity fedcop can store, from the
    signer's host. A 400 with the reason, or a 202 with the row to queue ('pending': the caller
    still verifies the signature, which may make it 'unverified' or a 401). `local_host`: this
    node's host, whose own objects a facilitator elsewhere may ask to change by an Update."""
    try:
        document = parse_document(body)
        activity_type = _checked_type(document)
        _check_storable(document, body)
    except ValidationError as error:
        return Decision(400, str(error))
    origin_problem = _origin_problem(document, signer_host, local_host)
    if origin_problem:
        return Decision(400, origin_problem)
    actor_uri = str(id_of(document.get("actor")))
    return Decision(202, "accepted", _row(document, activity_type, actor_uri))


def _check_storable(document: dict[str, Any], body: bytes) -> None:
    """Raise ValidationError for what PostgreSQL would refuse to store (a 500, and a failed
    commit for every request batched with it): U+0000 in jsonb, an id too long to index."""
    if len(str(document["id"])) > MAX_ID_LENGTH:
        raise ValidationError("id", f"is too long (at most {MAX_ID_LENGTH} characters)")
    # JSON can only spell U+0000 as an escape, so most bodies are cleared without a walk.
    if b"\\u0000" in body and _has_nul(document):
        raise ValidationError(
            "(document)", "contains a NUL character (\\u0000), which fedcop cannot store"
        )


def _has_nul(value: object) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _checked_type(document: dict[str, Any]) -> str:
    """The activity's type after schema validation; unknown types pass through to be recorded."""
    try:
        validate(document)
    except UnsupportedType:
        if not isinstance(document.get("id"), str) or id_of(document.get("actor")) is None:
            raise ValidationError("(activity)", "an activity needs an id and an actor") from None
        return first_type(document) or "Unknown"
    activity_type = first_type(document) or "Unknown"
    if id_of(document.get("actor")) is None:
        raise ValidationError(activity_type, "is not an activity: it has no actor")
    return activity_type


def _origin_problem(
    document: dict[str, Any], signer_host: str, local_host: str | None = None
) -> str | None:
    actor_uri = id_of(document.get("actor"))
    activity_id = document.get("id")
    if host_of(actor_uri) != signer_host:
        return f"the actor {actor_uri} is not on {signer_host}, the host that signed the request"
    if host_of(activity_id) != signer_host:
        return f"the activity id {activity_id} is not on the actor's host {signer_host}"
    embedded = document.get("object")
    if first_type(document) in _OBJECT_ORIGIN_TYPES and isinstance(embedded, dict):
        # An object carried inside the activity must come from its own server. A bare id is
        # different: a Delete of a post by a facilitator on another server names the post by
        # id, and whether that actor may delete it is the handler's call.
        object_id = id_of(embedded)
        if first_type(document) == "Update" and knowledge.is_proposal(embedded):
            # A member's edit of a knowledge-base page, sent to the page's community: a
            # proposal the community judges (services.knowledge.member_edits), never taken as
            # the page's state, so it may name a page on another host.
            return None
        if first_type(document) == "Update" and (
            (
                local_host is not None
                and host_of(object_id) == local_host
                and first_type(embedded) == "Group"
            )
            or read_question(embedded) is not None
        ):
            # A facilitator on another node asking for a change: of a community here (its
            # stage, as Lemmy's moderators update their community), or of a question's state
            # (a thread written anywhere). The copy is never taken as the object: the handler
            # reads only the change asked for, and only from someone allowed to ask it.
            return None
        if object_id is not None and host_of(object_id) != signer_host:
            return (
                f"{first_type(document)} of {object_id}, which is not on the actor's host "
                f"{signer_host}"
            )
    return None


def _deletes_itself(document: dict[str, Any]) -> bool:
    return first_type(document) == "Delete" and id_of(document.get("object")) == id_of(
        document.get("actor")
    )


def _row(document: dict[str, Any], activity_type: str, actor_uri: str) -> NewInbound:
    return NewInbound(
        activity_id=str(document["id"]),
        activity_type=activity_type,
        actor_uri=actor_uri,
        document=document,
        state=InboundState.PENDING,
    )


def _unverified(row: NewInbound, request: InboundRequest) -> NewInbound:
    signed = {
        "method": request.method,
        "target": request.target,
        "headers": dict(request.headers),
        "body_b64": base64.b64encode(request.body).decode("ascii"),  # the exact bytes signed
        "received_at": request.received_at.astimezone(UTC).isoformat(),
    }
    return NewInbound(
        activity_id=row.activity_id,
        activity_type=row.activity_type,
        actor_uri=row.actor_uri,
        document=row.document,
        state=InboundState.UNVERIFIED,
        signed_request=signed,
    )
