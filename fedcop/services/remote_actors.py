"""Remote actors: fetch, check and cache them, and resolve the keys their requests are signed with.

    key id "https://b.example/u/bob#main-key"
      -> signed GET https://b.example/u/bob           (the fragment is not part of the URL)
      -> an actor whose publicKey.id is the key id and whose owner is the actor: cache it
    key id "https://gts.example/users/bob/main-key"   (a key served at a URL of its own)
      -> signed GET of the key -> its `owner` -> signed GET of the owner actor
      -> the owner's publicKey.id must be the key id: cache the owner

A key is trusted only when both directions agree: the key names its owner, and the owner's
document names the key; and only a key `federation.keys` accepts (RSA, 1024 to 8192 bits) is
kept: an actor whose key is refused is not cached at all, and the refusal says why (a key
refused when fetched for a signature is remembered a day, so the inbox refuses it at once).
Nothing here runs on the inbox's answer path: only workers and services.

A cached actor is fetched again when a signature fails with its key, when it sends an Update of
itself, when someone looks it up, and on a schedule, since some servers change a name or an
inbox without sending an Update:

    inbox worker, after a batch -> schedule_refreshes(every actor whose activity it handled)
        fetched more than REFRESH_AFTER ago, and not tried within REFRESH_AFTER?
        -> a 'refresh' maintenance row, due now (store/maintenance.py)
    inbox worker, after that    -> claims up to REFRESHES_PER_BATCH -> refresh()
        fetched and checked -> cached anew (fetched_at now), row deleted
        any failure         -> the cached copy stays as it is; the row, given up, marks the
                               try, so the actor is tried at most once per REFRESH_AFTER
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urldefrag, urlsplit

from fedcop.documents import lifecycle as lifecycle_terms
from fedcop.network import Network
from fedcop.services import remote_icons
from fedcop.services.people import remote_profiles
from fedcop.store import actors as store
from fedcop.store import maintenance as maintenance_store
from fedcop.store import refused_keys as refused_store
from federation.html import sanitize
from federation.keys import KeyRefused, load_public_key
from federation.validate import ValidationError, validate
from federation.vocab import as_list, first_type, id_of

ACTOR_TYPES = frozenset({"Person", "Group", "Application", "Service", "Organization"})
MAX_TEXT = 5000
# A cached remote actor read longer ago than this is fetched again when it next sends something
# (and tried at most once in this time, whether the fetch works or not).
REFRESH_AFTER = timedelta(hours=24)
# At most this many actors are refreshed after one inbox batch (the rest after the next).
REFRESHES_PER_BATCH = 10


class ActorError(ValueError):
    """A remote document that cannot be used as an actor or key; the message says why."""


class KeyRefusedError(ActorError):
    """An actor whose key fedcop will not verify with (federation.keys); the message says why."""

    def __init__(self, key_id: str, message: str) -> None:
        super().__init__(message)
        self.key_id = key_id


def _public_key_entry(document: Mapping[str, Any], key_id: str | None) -> Mapping[str, Any]:
    entries = [entry for entry in as_list(document.get("publicKey")) if isinstance(entry, Mapping)]
    if key_id is not None:
        entries = [entry for entry in entries if entry.get("id") == key_id]
    if not entries:
        wanted = f" with id {key_id}" if key_id else ""
        raise ActorError(f"{document.get('id')} has no publicKey{wanted}")
    entry = entries[0]
    owner = entry.get("owner")
    if owner is not None and owner != document.get("id"):
        raise ActorError(f"the key {entry.get('id')} is owned by {owner}, not {document.get('id')}")
    if not isinstance(entry.get("publicKeyPem"), str) or not isinstance(entry.get("id"), str):
        raise ActorError(f"the publicKey of {document.get('id')} has no id or publicKeyPem")
    # Judged here, before the actor is kept: a key fedcop would refuse to verify with (too
    # small, too large, not RSA) makes the whole document unusable, with the reason recorded.
    try:
        load_public_key(entry["publicKeyPem"])
    except KeyRefused as refused:
        raise KeyRefusedError(
            entry["id"], f"the key {entry['id']} of {document.get('id')} is refused: {refused}"
        ) from None
    return entry


def actor_fields(document: dict[str, Any], key_id: str | None = None) -> store.RemoteActorFields:
    """Check an actor document (schema, required properties, key) and keep what fedcop uses."""
    try:
        validate(document)
    except ValidationError as error:
        raise ActorError(f"not a usable actor: {error}") from None
    actor_type = first_type(document)
    if actor_type not in ACTOR_TYPES:
        raise ActorError(f"{document.get('id')} is a {actor_type}, not an actor")
    uri = str(document["id"])
    inbox = id_of(document.get("inbox"))
    username = document.get("preferredUsername")
    if not inbox or not isinstance(username, str) or not username:
        raise ActorError(f"{uri} lacks an inbox or a preferredUsername")
    key = _public_key_entry(document, key_id)
    endpoints = document.get("endpoints")
    shared_inbox = id_of(endpoints.get("sharedInbox")) if isinstance(endpoints, Mapping) else None
    return store.RemoteActorFields(
        uri=uri,
        actor_type=actor_type,
        username=username[:255].replace("\x00", ""),
        domain=urlsplit(uri).netloc.lower(),
        display_name=_text(document.get("name")) or _text(username)[:255],
        # HTML from elsewhere, kept only sanitised (and sanitised again where it is shown,
        # for rows kept before: fedcop.shown).
        summary=sanitize(_text(document.get("summary"))),
        inbox_url=inbox,
        shared_inbox_url=shared_inbox,
        outbox_url=id_of(document.get("outbox")),
        followers_url=id_of(document.get("followers")),
        public_key_id=str(key["id"]),
        public_key_pem=str(key["publicKeyPem"]),
        manually_approves_followers=document.get("manuallyApprovesFollowers") is True,
        stage=lifecycle_terms.stage_of(document) if actor_type == "Group" else None,
    )


def _text(value: object) -> str:
    """Text kept from a remote document: bounded, without NUL (PostgreSQL text cannot hold it)."""
    return value[:MAX_TEXT].replace("\x00", "") if isinstance(value, str) else ""


async def _keep(
    conn: Any, fields: store.RemoteActorFields, document: Mapping[str, Any]
) -> store.Actor:
    """Cache a checked actor and what its profile states; its key, acceptable now, is no
    longer remembered as refused."""
    async with conn.transaction():
        actor = await store.upsert_remote(conn, fields)
        await remote_icons.keep(conn, actor.id, document)  # shown through the media proxy
        if fields.actor_type not in ("Application", "Group"):
            # a person's (or bot's) organisation, sector, role, expertise and other fields
            await remote_profiles.keep_profile(conn, actor.id, document)
        await refused_store.forget(conn, fields.public_key_id)
    return actor


async def fetch_actor(pool: Any, network: Network, uri: str) -> store.Actor:
    """Fetch an actor by id (signed), check it and cache it."""
    document = await network.fetch(uri)
    fields = actor_fields(document)
    async with pool.acquire() as conn:
        return await _keep(conn, fields, document)


async def refresh(pool: Any, network: Network, uri: str) -> store.Actor:
    """Fetch a cached actor again and cache what it serves now. Any failure raises (FetchError,
    ActorError, ValueError) and leaves the cached copy as it was: an actor is never dropped
    because its server is down."""
    return await fetch_actor(pool, network, uri)


async def schedule_refreshes(pool: Any, actor_uris: list[str]) -> int:
    """The actors among `actor_uris` (who just sent activities) cached more than REFRESH_AFTER
    ago are due for a refresh; how many became due. No network: the worker fetches later."""
    if not actor_uris:
        return 0
    async with pool.acquire() as conn:
        return await maintenance_store.schedule_refreshes(conn, actor_uris, REFRESH_AFTER)


async def get_actor(pool: Any, network: Network, uri: str) -> store.Actor:
    """The cached actor, or fetched now."""
    async with pool.acquire() as conn:
        cached = await store.find_by_uri(conn, uri)
    return cached if cached is not None else await fetch_actor(pool, network, uri)


async def fetch_key(pool: Any, network: Network, key_id: str) -> store.CachedKey:
    """Fetch the key a request was signed with, through its owner, and cache the owner.
    A key fedcop refuses is remembered (refused_keys) and KeyRefusedError raised."""
    document = await network.fetch(urldefrag(key_id).url)
    if first_type(document) in ACTOR_TYPES:
        actor_document = document
    else:
        owner = id_of(document.get("owner"))
        if owner is None:
            raise ActorError(f"{key_id} is neither an actor nor a key with an owner")
        actor_document = await network.fetch(owner)
    try:
        fields = actor_fields(actor_document, key_id)
    except KeyRefusedError as refused:
        async with pool.acquire() as conn:
            await refused_store.remember(conn, refused.key_id, str(refused))
        raise
    async with pool.acquire() as conn:
        actor = await _keep(conn, fields, actor_document)
    return store.CachedKey(key_id, actor.uri, fields.public_key_pem, None)


async def refused_key_reason(pool: Any, key_id: str) -> str | None:
    """Why `key_id` was refused when it was last fetched, if that was lately."""
    async with pool.acquire() as conn:
        return await refused_store.recent_reason(conn, key_id)


async def store_actor(pool: Any, document: dict[str, Any]) -> store.Actor:
    """Keep an actor document the actor itself sent (a signed Update of its profile)."""
    fields = actor_fields(document)
    async with pool.acquire() as conn:
        return await _keep(conn, fields, document)


async def look_up(
    pool: Any, network: Network, query: str, prefer_type: str | None = None
) -> store.Actor:
    """An actor named by a handle (`@name@domain`, `name@domain`) or by its URL, fetched fresh
    and cached. Raises ActorError or FetchError with a sentence saying what went wrong."""
    text = query.strip()
    if text.startswith(("https://", "http://")):
        return await fetch_actor(pool, network, text)
    handle = text.removeprefix("@").removeprefix("!")
    if "@" not in handle:
        raise ActorError(f"{query!r} is neither a handle like name@domain nor a URL")
    return await fetch_actor(pool, network, await network.resolve_handle(handle, prefer_type))


async def local_named(pool: Any, name: str) -> str | None:
    """The page of a user or community here called `name`, if there is one."""
    async with pool.acquire() as conn:
        found = await store.find_local(conn, name)
    if found is None or found.actor.actor_type not in ("Person", "Group"):
        return None
    return f"/{'c' if found.actor.actor_type == 'Group' else 'u'}/{found.actor.username}"
