"""Personal notifications by mail that are not a post: an accepted answer to my question or of
my reply, and a join request a facilitator must decide. Replies and mentions are posts, mailed
by services.mail.post_mail. Each is queued in the transaction of the event it reports, one
message per event and reader, for every choice but 'none', written in the reader's language
(services.mail.reader_language)."""

from __future__ import annotations

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _, speaking
from fedcop.mail.compose import InThread, compose
from fedcop.services.mail import reader_language
from fedcop.services.mail.community_mail import (
    hand_over,
    mail_list,
    reply_to_for,
    unsubscribe_url,
)
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.mail import recipients
from fedcop.store.posts import Post
from fedcop.store.timelines import readable


async def answer_accepted(
    conn: asyncpg.Connection, config: Config, question: Post, answer: Post, by_id: int
) -> None:
    """The asker and the answer's author hear that the answer was accepted (not who did it)."""
    if not config.mail_enabled or question.community_id is None:
        return
    community = await actor_store.find_by_id(conn, question.community_id)
    if community is None:
        return
    as_list = mail_list(community)
    for reader_id in sorted({question.author_id, answer.author_id} - {by_id}):
        address = await recipients.mailable_address(conn, reader_id, community.id)
        if address is None or question.id not in await readable(conn, [question.id], reader_id):
            continue
        mine = reader_id == question.author_id
        unsubscribe = await unsubscribe_url(conn, config, reader_id, community.id)
        reply_to = await reply_to_for(conn, config, reader_id, question.id)
        with speaking(await reader_language.of_member(conn, reader_id)):
            title = question.title or _("your question")
            message = compose(
                config,
                to=address,
                subject=f"Re: [{as_list.title}] {title}",
                template="answer_accepted.txt.html",
                context={
                    "question": title,
                    "mine": mine,
                    "link": config.url(f"/t/{question.id}#post-{answer.id}"),
                    "node_name": config.node_name,
                    "footer_url": config.url(f"/c/{as_list.name}"),
                    "unsubscribe_url": unsubscribe,
                },
                mail_list=as_list,
                in_thread=InThread(thread_id=question.id),
                reply_to=reply_to,
                unsubscribe_url=unsubscribe,
            )
        await hand_over(
            conn,
            config,
            to=address,
            message=message,
            user_id=reader_id,
            community_id=community.id,
            thread_id=question.id,
        )


async def join_requested(
    conn: asyncpg.Connection, config: Config, community: Actor, requester: Actor
) -> None:
    """Each facilitator here of a community that approves joins by hand hears of the request."""
    if not config.mail_enabled:
        return
    as_list = mail_list(community)
    who = requester.display_name or requester.username
    handle = (
        requester.username if requester.is_local else f"{requester.username}@{requester.domain}"
    )
    for facilitator in await actor_store.facilitators_of(conn, community.id):
        address = await recipients.mailable_address(conn, facilitator.id, community.id)
        if address is None:
            continue
        unsubscribe = await unsubscribe_url(conn, config, facilitator.id, community.id)
        with speaking(await reader_language.of_member(conn, facilitator.id)):
            message = compose(
                config,
                to=address,
                subject=_("[%(community)s] %(who)s asks to join", community=as_list.title, who=who),
                template="join_request.txt.html",
                context={
                    "who": who,
                    "handle": handle,
                    "community": as_list.title,
                    "link": config.url(f"/c/{community.username}/manage"),
                    "node_name": config.node_name,
                    "footer_url": config.url(f"/c/{as_list.name}"),
                    "unsubscribe_url": unsubscribe,
                },
                mail_list=as_list,
                unsubscribe_url=unsubscribe,
            )
        await hand_over(
            conn,
            config,
            to=address,
            message=message,
            user_id=facilitator.id,
            community_id=community.id,
            thread_id=None,
        )
