"""A new post by mail: one threaded message to each reader it concerns, queued in the
transaction that stored the post.

    post stored (written here, or received over ActivityPub into a community here or one
    this node follows)
      -> readers: mailing-list mode members of its community, and those it answers or names
         (unless they chose nothing from the community); each must be able to see it now
      -> one message each: Message-ID of the post, In-Reply-To/References of its thread, the
         community's List-Id and the reader's own one-click unsubscribe and reply address
"""

from __future__ import annotations

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _, speaking
from fedcop.mail.compose import InThread, compose
from fedcop.services.mail import reader_language
from fedcop.services.mail.community_mail import (
    hand_over,
    handle_of,
    mail_list,
    reply_to_for,
    unsubscribe_url,
)
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.mail import recipients
from fedcop.store.posts import Post
from federation.html import to_text


async def post_stored(conn: asyncpg.Connection, config: Config, post: Post) -> int:
    """Queue the mail of a new post (after its notifications were made); how many."""
    if post.community_id is None or post.visibility == "direct" or not config.mail_enabled:
        return 0
    readers = await recipients.post_readers(conn, post.id)
    if not readers:
        return 0
    community = await actor_store.find_by_id(conn, post.community_id)
    author = await actor_store.find_by_id(conn, post.author_id)
    thread = post if post.thread_id is None else await post_store.find(conn, post.thread_id)
    if community is None or author is None or thread is None:
        return 0
    as_list = mail_list(community)
    found_title = thread.title or to_text(thread.content)[:80]
    author_name = author.display_name or author.username
    handle = handle_of(author)
    link = config.url(f"/t/{thread.id}" + (f"#post-{post.id}" if post.thread_id else ""))
    for reader in readers:
        unsubscribe = await unsubscribe_url(conn, config, reader.user_id, community.id)
        reply_to = await reply_to_for(conn, config, reader.user_id, thread.id)
        with speaking(await reader_language.of_member(conn, reader.user_id)):
            title = found_title or _("(no title)")
            subject = (
                f"[{as_list.title}] {title}"
                if post.thread_id is None
                else f"Re: [{as_list.title}] {title}"
            )
            message = compose(
                config,
                to=reader.address,
                subject=subject,
                template="list_post.txt.html",
                context={
                    "author": author_name,
                    "handle": handle,
                    "title": title if post.thread_id is None else None,
                    "text": to_text(post.content),
                    "html": post.content,
                    "link": link,
                    "personal": reader.personal,
                    "node_name": config.node_name,
                    "footer_url": config.url(f"/c/{as_list.name}"),
                    "unsubscribe_url": unsubscribe,
                },
                sender_name=author_name,
                mail_list=as_list,
                in_thread=InThread(thread_id=thread.id, post_id=post.id, parent_id=post.parent_id),
                reply_to=reply_to,
                unsubscribe_url=unsubscribe,
            )
        await hand_over(
            conn,
            config,
            to=reader.address,
            message=message,
            user_id=reader.user_id,
            community_id=community.id,
            thread_id=thread.id,
        )
    return len(readers)
