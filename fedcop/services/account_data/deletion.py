"""Deleting an account, by its member (with their password) or by an administrator.

    Delete of the actor   signed with the actor's key, queued to every server that knows it
                          (store/account_data/deletion.inboxes_knowing) before anything else
                          changes, so that the list is the one the account had
    the account           state 'deleted': sign-in refused; sessions and API tokens end now
    posts                 deleted (their rows become tombstones), or kept with the author shown
                          as "a former member" when the member chooses so that the
                          conversations they took part in stay readable here
    uploads               follow the posts: all deleted, or only those no kept post carries
    the name              never given again: the actor row stays (as Mastodon reserves it),
                          and its key too, which signs the Delete still waiting to be delivered

Other servers delete the account and its posts when the Delete reaches them (Mastodon, Lemmy
and fedcop do): keeping posts is what this node shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.documents.context import PUBLIC
from fedcop.i18n.current import _
from fedcop.services import outbox, signin
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import posts as post_store
from fedcop.store import users as user_store
from fedcop.store.account_data import deletion as deletion_store
from fedcop.store.users import User

# What a kept post's author is shown as once the account is deleted.
FORMER_MEMBER = "a former member"


@dataclass(frozen=True)
class DeletedAccount:
    name: str
    # How many servers' inboxes the Delete of the actor was queued for.
    servers_told: int
    posts_deleted: int
    posts_kept: int


async def delete_own(
    pool: Any, config: Config, user: User, password: str, address: str, *, keep_posts: bool
) -> DeletedAccount:
    """A member deletes their own account once their password is given (throttled as signing
    in is: an open session must not become a way to guess it)."""
    await signin.confirm_password(
        pool, user, password, address,
        refusal=_("the password is not right: the account is not deleted"),
    )  # fmt: skip
    return await delete(pool, config, user.actor.id, keep_posts=keep_posts)


async def delete_by_admin(
    pool: Any, config: Config, admin: User, name: str, *, keep_posts: bool
) -> DeletedAccount:
    if not admin.is_admin:
        raise InvalidInput(_("only the node's administrators delete other people's accounts"))
    async with pool.acquire() as conn:
        target = await user_store.find_by_name(conn, name)
    if target is None:
        raise NotFound(_("there is no account '%(name)s' here", name=name))
    if target.actor.id == admin.actor.id:
        raise InvalidInput(_("delete your own account from your settings, with your password"))
    return await delete(pool, config, target.actor.id, keep_posts=keep_posts)


async def delete(pool: Any, config: Config, actor_id: int, *, keep_posts: bool) -> DeletedAccount:
    async with pool.acquire() as conn, conn.transaction():
        user = await user_store.find_by_id(conn, actor_id)
        if user is None:
            raise NotFound(_("there is no such account here"))
        if not await deletion_store.mark_deleted(conn, actor_id):
            raise InvalidInput(
                _("the account '%(name)s' is deleted already", name=user.actor.username)
            )
        inboxes = await deletion_store.inboxes_knowing(conn, actor_id)
        await outbox.publish(
            conn,
            config,
            user.actor,
            {"type": "Delete", "object": user.actor.uri, "to": [PUBLIC]},
            inboxes,
        )
        live = await deletion_store.live_posts_of(conn, actor_id)
        if not keep_posts:
            for post_id in live:
                await post_store.mark_deleted(conn, post_id)
        await deletion_store.forget_profile(conn, actor_id, FORMER_MEMBER if keep_posts else "")
        await deletion_store.drop_uploads(conn, actor_id, all_of_them=not keep_posts)
    return DeletedAccount(
        name=user.actor.username,
        servers_told=len(inboxes),
        posts_deleted=0 if keep_posts else len(live),
        posts_kept=len(live) if keep_posts else 0,
    )


async def is_deleted(pool: Any, actor_id: int) -> bool:
    """Whether a local account is deleted (its actor is then served as gone)."""
    async with pool.acquire() as conn:
        return await deletion_store.is_deleted(conn, actor_id)
