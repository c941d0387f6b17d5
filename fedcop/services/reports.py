"""Reports (Flag): a member points facilitators at a post or a person.

reported here    -> stored for the community's facilitators if the community is here;
                    otherwise Flag sent to the community's node, and to the author's node
                    when that is yet another server (its admins may need to act too)
Flag arrives     -> stored against the community of the reported post (or the community
                    the Flag names), when that community or the reported author is here
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import outbox, remote_actors
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from federation.vocab import id_of, ids_of

MAX_REASON = 2000


async def report(pool: Any, config: Config, *, reporter: str, post_uri: str, reason: str) -> None:
    """A local user reports a post to its community's facilitators."""
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"a report's reason has at most {MAX_REASON} characters")
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, reporter)
        post = await post_store.find_by_uri(conn, post_uri)
        if local is None or post is None:
            raise NotFound(f"there is no post {post_uri}")
        author = await actor_store.find_by_id(conn, post.author_id)
        assert author is not None
        if post.community_id is None:
            # A followed person's post outside communities: their server's moderators decide.
            await outbox.publish(
                conn,
                config,
                local.actor,
                {"type": "Flag", "object": [post.uri, author.uri], "content": reason},
                [] if author.is_local else outbox.inbox_of(author),
            )
            return
        community = await actor_store.find_by_id(conn, post.community_id)
        assert community is not None
        inboxes = _report_inboxes(community, author)
        flag = await outbox.publish(
            conn,
            config,
            local.actor,
            {
                "type": "Flag",
                "object": [post.uri, author.uri],
                "content": reason,
                "audience": community.uri,
                "to": [community.uri],
            },
            inboxes,
        )
        if community.is_local:
            await mod_store.add_report(
                conn, flag["id"], community.id, local.actor.id, [post.uri, author.uri], reason
            )


def _report_inboxes(community: Actor, author: Actor) -> list[str]:
    inboxes = [] if community.is_local else outbox.inbox_of(community)
    if not author.is_local and author.domain != community.domain:
        inboxes += outbox.inbox_of(author)
    return inboxes


async def receive_flag(pool: Any, network: Network, flag: dict[str, Any]) -> bool:
    targets = ids_of(flag.get("object"))[:20]
    if not targets or not isinstance(flag.get("id"), str):
        return False
    reporter = await remote_actors.get_actor(pool, network, str(id_of(flag.get("actor"))))
    reason = str(flag.get("content") or flag.get("summary") or "")[:MAX_REASON]
    async with pool.acquire() as conn, conn.transaction():
        community_id = await _reported_community(conn, flag, targets)
        if community_id is None:
            return False
        return await mod_store.add_report(
            conn, flag["id"], community_id, reporter.id, targets, reason
        )


async def _reported_community(conn: Any, flag: dict[str, Any], targets: list[str]) -> int | None:
    """The community the report is about, if it (or the reported author) is here."""
    for target in targets:
        post = await post_store.find_by_uri(conn, target)
        if post is None:
            continue
        if post.community_id is None:
            continue  # a followed person's post: no community here to tell
        community = await actor_store.find_by_id(conn, post.community_id)
        author = await actor_store.find_by_id(conn, post.author_id)
        if (community and community.is_local) or (author and author.is_local):
            return post.community_id
    for named in ids_of(flag.get("audience")):
        community = await actor_store.find_by_uri(conn, named)
        if community is not None and community.is_local and community.actor_type == "Group":
            return community.id
    return None
