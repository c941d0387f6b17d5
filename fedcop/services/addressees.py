"""Who a post written here reaches besides its community: the authors of the post it answers
and of its thread, and the people its text names.

    "@mona@masto.example thanks! cc @bea"  (Markdown, written on the web or in an app)
      -> named_in(text): @bea here, @mona@masto.example stored, or looked up now
         (WebFinger + signed actor fetch, SSRF-guarded; at most MAX_LOOKUPS handles, all
         within LOOKUP_SECONDS; a handle not found stays plain text, the post goes out)
      -> of_post(...): [author of the parent, author of the thread] + named, each once,
         never the writer (so whoever asked hears of every answer, nested or not);
         in a members-only community only its members (the post is for them alone)
      -> on the wire: each in `cc` and a `Mention` tag {href: actor id, name: @name@host}
         (what Mastodon reads to notify: activity/create.rb `process_tags` -> `process_mention`,
         and `process_audience` for `cc`); `@name@host` in the HTML links to them
      -> delivered: the Create goes to each one's (shared) inbox, once per inbox
      -> people here: a 'mention' notification (services.notifications)

Resolution happens on the post request itself (before the transaction that stores the post)
because a mention that is not resolved then cannot be addressed at all; it is bounded, and
failing it never fails the post.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import post_marks, remote_actors
from fedcop.store import addressees as addressee_store
from fedcop.store import post_extras
from fedcop.store.actors import Actor
from federation.fetch_errors import FetchError
from federation.html import escape, sanitize

log = logging.getLogger(__name__)

MAX_LOOKUPS = 3  # handles looked up on their servers for one post
LOOKUP_SECONDS = 10.0  # for all of them together
MAX_ADDRESSEES = 30  # people one post is addressed to (Mastodon's own limit is higher)
PEOPLE = frozenset({"Person", "Service", "Organization"})

# Markdown code (fenced blocks, then inline spans): a handle quoted there names nobody.
_CODE = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`", re.DOTALL)

# What someone else's server may do wrong while a handle is looked up (an unusable actor is a
# ValueError: remote_actors.ActorError, validate.ValidationError): never the post's failure.
_LOOKUP_FAILURES = (FetchError, ValueError, TimeoutError)


async def named_in(pool: Any, config: Config, network: Network, text: str) -> list[Actor]:
    """The people `@name` / `@name@host` in the text name, in order, each once. Communities
    are not people: naming one does not address it."""
    found: list[Actor] = []
    lookups: list[tuple[int, str]] = []
    here = config.domain.lower()
    handles = post_marks.mentions_in_text(_CODE.sub(" ", text))[:MAX_ADDRESSEES]
    for index, (name, domain) in enumerate(handles):
        local = domain is None or domain == here
        async with pool.acquire() as conn:
            actor = await post_extras.actor_by_handle(conn, name, None if local else domain)
        if actor is not None:
            found.append(actor)
        elif not local and len(lookups) < MAX_LOOKUPS:
            lookups.append((index, f"{name}@{domain}"))
    if lookups:
        looked_up = await _look_up(pool, network, [handle for _, handle in lookups])
        found += [actor for actor in looked_up if actor is not None]
    people = [actor for actor in found if actor.actor_type in PEOPLE]
    return list({actor.id: actor for actor in people}.values())


async def _look_up(pool: Any, network: Network, handles: list[str]) -> list[Actor | None]:
    async def one(handle: str) -> Actor | None:
        try:
            return await remote_actors.look_up(pool, network, handle)
        except _LOOKUP_FAILURES as error:
            log.info("mention @%s not resolved: %s", handle, error)
            return None

    try:
        async with asyncio.timeout(LOOKUP_SECONDS):
            return list(await asyncio.gather(*(one(handle) for handle in handles)))
    except TimeoutError:
        log.info("mentions %s not resolved within %ss", handles, LOOKUP_SECONDS)
        return []


async def of_post(
    conn: asyncpg.Connection,
    *,
    community: Actor,
    writer: Actor,
    answered: list[Actor],
    named: list[Actor],
) -> list[Actor]:
    """The people a new post is addressed to besides its community, in order: the authors it
    answers (`answered`: the parent's, then the thread's), then the people it names."""
    candidates = {actor.id: actor for actor in [*answered, *named]}
    candidates.pop(writer.id, None)
    candidates.pop(community.id, None)  # a post by the community itself: already addressed
    people = list(candidates.values())[:MAX_ADDRESSEES]
    if community.members_only and people:
        # A members-only post never leaves the community: mentioning someone outside it does
        # not send it to them. The authors it answers wrote in it, so are among them.
        members = await addressee_store.members_among(
            conn, community.id, [actor.id for actor in people]
        )
        members |= {actor.id for actor in answered}
        people = [actor for actor in people if actor.id in members]
    return people


def inboxes_of(people: list[Actor], already: list[str]) -> list[str]:
    """The inboxes of the remote people, shared inboxes first, each once and none already
    in `already` (the community's)."""
    inboxes: list[str] = []
    for actor in people:
        if actor.is_local:
            continue
        inbox = actor.shared_inbox_url or actor.inbox_url
        if inbox and inbox not in inboxes and inbox not in already:
            inboxes.append(inbox)
    return inboxes


def handle(actor: Actor, config: Config) -> str:
    return f"@{actor.username}@{actor.domain or config.domain}"


def link_mentions(html: str, people: list[Actor], config: Config) -> str:
    """`@name@host` (and `@name` for people here) in rendered HTML made links to the people
    they name, as Mastodon writes them; text inside links and code is left alone."""
    if not people:
        return html
    by_handle: dict[str, Actor] = {}
    for actor in people:
        by_handle[handle(actor, config).lower()] = actor
        if actor.is_local:
            by_handle[f"@{actor.username}".lower()] = actor
    alternatives = "|".join(re.escape(key) for key in sorted(by_handle, key=len, reverse=True))
    # Not inside a word, an address or a longer handle (`@bea` is not `@bea@elsewhere`).
    pattern = re.compile(rf"(?<![\w@/.])(?:{alternatives})(?![\w@.:-]*\w)", re.IGNORECASE)

    def linked(match: re.Match[str]) -> str:
        actor = by_handle[match.group(0).lower()]
        return (
            f'<span class="h-card"><a href="{escape(actor.uri)}" class="u-url mention">'
            f"@<span>{escape(actor.username)}</span></a></span>"
        )

    pieces = re.split(r"(<[^>]*>)", html)
    inside = 0  # depth of <a>, <code>, <pre>
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            tag = re.match(r"</?\s*(\w+)", piece)
            if tag and tag.group(1).lower() in ("a", "code", "pre"):
                inside += -1 if piece.startswith("</") else 1
        elif inside == 0 and "@" in piece:
            pieces[index] = pattern.sub(linked, piece)
    return sanitize("".join(pieces))
