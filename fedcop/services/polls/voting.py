"""Votes: cast here (on a poll written here, or on one elsewhere, whose author's server is sent
the vote), or received as a vote Note for a poll written here.

One rule for both: before the end, existing options only, one vote per person and option, a
single-choice poll one option per person, never on one's own poll, never in a Closed community,
and in a members-only community only its members. A vote that breaks it changes nothing: here
an InvalidInput, from elsewhere a Refused (recorded on the inbound row). A vote is never kept
as a reply.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.polls import is_vote_shaped, vote_note
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import lifecycle, outbox, remote_actors
from fedcop.services.errors import Ignored, InvalidInput, NotFound, Refused
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import ids
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store import timelines as timeline_store
from fedcop.store.actors import Actor
from fedcop.store.polls import polls as poll_store
from fedcop.store.polls import upkeep as upkeep_store
from fedcop.store.polls import votes as vote_store
from fedcop.store.polls.polls import Poll
from fedcop.store.posts import Post
from fedcop.store.users import User
from federation.vocab import as_list, first_type, id_of, ids_of


def written_here(config: Config, post: Post) -> bool:
    return post.uri.startswith(f"{config.base_url}/")


async def vote(pool: Any, config: Config, voter: User, post_id: int, choices: list[int]) -> Poll:
    """A person here votes (the positions of the options they choose); the poll as it is now."""
    now = datetime.now(UTC)
    positions = sorted(set(choices))
    async with pool.acquire() as conn, conn.transaction():
        post = await timeline_store.visible_post(conn, post_id, voter.actor.id)
        poll = await poll_store.find(conn, post_id) if post is not None else None
        if post is None or poll is None or post.is_gone:
            raise NotFound(_("Record not found"))
        await vote_store.lock_poll(conn, post_id)
        problem = await _problem(conn, post, poll, voter.actor, positions, now)
        if problem is not None:
            raise InvalidInput(problem)
        author = await actor_store.find_by_id(conn, post.author_id)
        assert author is not None
        if written_here(config, post):
            for position in positions:
                await vote_store.add(conn, post_id, position, voter.actor.id, None)
            await counted(conn, poll, now)
        else:
            await _send_votes(conn, config, voter.actor, post, poll, author, positions)
        found = await poll_store.find(conn, post_id)
        assert found is not None
        return found


async def counted(conn: asyncpg.Connection, poll: Poll, now: datetime) -> None:
    """New votes in a poll written here: counted; its Update is due (upkeep sends it), unless
    its totals are hidden until its end (which sends them)."""
    await vote_store.recount(conn, poll.post_id)
    if not poll.hide_totals:
        await upkeep_store.schedule_update(conn, poll.post_id, now)


async def _send_votes(
    conn: asyncpg.Connection,
    config: Config,
    voter: Actor,
    post: Post,
    poll: Poll,
    author: Actor,
    positions: list[int],
) -> None:
    """A vote in a poll elsewhere: kept here (so the person sees their choice), counted until
    the poll's server sends its own counts, and sent to its author as one Note per option."""
    before = await vote_store.choices_of(conn, poll.post_id, voter.id)
    for position in positions:
        vote_uri = f"{voter.uri}#votes/{await ids.next_id(conn)}"
        await vote_store.add(conn, poll.post_id, position, voter.id, vote_uri)
        note = vote_note(vote_uri, voter.uri, post.uri, author.uri, poll.options[position].title)
        await outbox.publish(
            conn,
            config,
            voter,
            {"type": "Create", "object": note, "to": [author.uri], "cc": []},
            outbox.inbox_of(author),
            uri=f"{vote_uri}/activity",
        )
    await vote_store.add_to_received_counts(conn, poll.post_id, positions, new_voter=not before)


async def receive_vote(pool: Any, config: Config, network: Network, create: dict[str, Any]) -> bool:
    """A Create that may be a vote (or several: GoToSocial sends a multiple choice as one Create
    carrying a Note per option). False when it is none (an ordinary post, handled as one); True
    when counted; Refused (nothing changed) or Ignored with why otherwise.

    As Mastodon decides: a Note with a `name` answering a post that carries a poll is a vote
    when the name is one of its options, or when it has no text (an unknown option, refused)."""
    notes = as_list(create.get("object"))
    if not notes or not all(
        isinstance(note, dict) and first_type(note) == "Note" and isinstance(note.get("name"), str)
        for note in notes
    ):
        return False
    answered = {id_of(note.get("inReplyTo")) for note in notes}
    question_uri = answered.pop() if len(answered) == 1 else None
    if question_uri is None:
        return False
    async with pool.acquire() as conn:
        post = await post_store.find_by_uri(conn, question_uri)
        poll = await poll_store.find(conn, post.id) if post is not None else None
    if post is None or poll is None:
        return False
    titles = [option.title for option in poll.options]
    positions = [_position(titles, str(note["name"])) for note in notes]
    if all(position is None for position in positions) and not all(
        is_vote_shaped(note) for note in notes
    ):
        return False  # a reply that happens to have a name
    if not written_here(config, post):
        raise Ignored(f"a vote in {post.uri}, a poll of another server: it is counted there")
    voter_uri = str(id_of(create.get("actor")))
    for note in notes:
        if any(uri != voter_uri for uri in ids_of(note.get("attributedTo"))):
            raise Refused(_("a vote is cast by its sender alone"))
    for note, position in zip(notes, positions, strict=True):
        if position is None:
            raise Refused(
                _(
                    "%(option)s is not an option of the poll %(post)s",
                    option=repr(str(note["name"])[:100]),
                    post=post.uri,
                )
            )
    chosen = [position for position in positions if position is not None]
    if len(set(chosen)) != len(chosen):
        raise Refused(_("a vote names the same option twice"))
    voter = await remote_actors.get_actor(pool, network, voter_uri)
    now = datetime.now(UTC)
    async with pool.acquire() as conn, conn.transaction():
        await vote_store.lock_poll(conn, post.id)
        current = await poll_store.find(conn, post.id)
        kept = await post_store.find(conn, post.id)
        if current is None or kept is None or kept.is_gone:
            raise Refused(_("the poll %(post)s is deleted", post=post.uri))
        problem = await _problem(conn, kept, current, voter, chosen, now)
        if problem is not None:
            raise Refused(problem)
        for note, position in zip(notes, chosen, strict=True):
            if not await vote_store.add(conn, post.id, position, voter.id, id_of(note.get("id"))):
                raise Ignored(f"the vote {id_of(note.get('id'))} is counted already")
        await counted(conn, current, now)
    return True


def _position(titles: list[str], name: str) -> int | None:
    wanted = " ".join(name.split())
    return titles.index(wanted) if wanted in titles else None


async def _problem(
    conn: asyncpg.Connection,
    post: Post,
    poll: Poll,
    voter: Actor,
    positions: list[int],
    now: datetime,
) -> str | None:
    """Why this vote may not be cast, or None."""
    if poll.has_ended(now):
        return "the poll has ended: it takes no more votes"
    if not positions:
        return "choose an option of the poll"
    if any(not 0 <= position < len(poll.options) for position in positions):
        return "a vote names an option the poll does not have"
    if voter.id == post.author_id:
        return "the author of a poll does not vote in it"
    before = await vote_store.choices_of(conn, poll.post_id, voter.id)
    if set(before) & set(positions):
        return "that option has this person's vote already"
    if not poll.multiple and len(before) + len(positions) > 1:
        return "a single-choice poll takes one option per person"
    if post.community_id is not None:
        community = await actor_store.find_by_id(conn, post.community_id)
        if community is not None and community.is_local:
            if community.is_closed:
                return lifecycle.closed_sentence(community)
            if await mod_store.is_banned(conn, community.id, voter.id):
                return f"{voter.uri} is banned from {community.uri}"
            if community.members_only and not (
                await follow_store.is_accepted_follower(conn, voter.id, community.id)
                or await mod_store.is_facilitator(conn, community.id, voter.id)
            ):
                return f"only the members of {community.uri} vote in its polls"
    return None
