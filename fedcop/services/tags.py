"""Hashtags as the client API shows them, and the ones people follow or feature.

    tag(name)              the tag, its use over the last HISTORY_DAYS days, and whether the
                           viewer follows or features it (any well-formed name: a tag nobody
                           used yet can be followed, as on Mastodon)
    follow / unfollow      public posts carrying a followed tag come into the home timeline
                           (store.timelines.home)
    feature / unfeature    a person's featured tags, shown on their profile with how many of
                           their posts carry each (at most MAX_FEATURED)
    suggested_features     the tags they used lately and do not feature yet

Names are compared lower case and without '#', the form posts' tags are kept in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fedcop.i18n.current import N_, _
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.post_marks import MAX_TAG_LENGTH
from fedcop.store import account_directory
from fedcop.store import tag_marks as store
from fedcop.store.tag_marks import DayOfUse, FeaturedTag
from fedcop.store.users import User

__all__ = ["DayOfUse", "FeaturedTag", "Tag"]

HISTORY_DAYS = 7
MAX_FEATURED = 10  # Mastodon's limit
MAX_SUGGESTED = 10  # as many as Mastodon suggests
TOO_MANY_FEATURED = N_(
    "Validation failed: You have already featured the maximum number of hashtags"
)
# A hashtag as posts carry it (services.post_marks): word characters, at least one a letter.
_NAME = re.compile(r"\w*[^\W\d_]\w*")


@dataclass(frozen=True)
class Tag:
    name: str
    history: list[DayOfUse]
    following: bool | None  # None without a signed-in viewer
    featuring: bool | None


def tag_name(text: str) -> str:
    """The tag a path or parameter names (`#Data`, `data` -> `data`); NotFound if it cannot be
    a hashtag (Mastodon answers 404 there too)."""
    name = text.strip().removeprefix("#").lower()
    if len(name) > MAX_TAG_LENGTH or not _NAME.fullmatch(name):
        raise NotFound(_("Record not found"))
    return name


async def tags(pool: Any, viewer: User | None, names: list[str]) -> list[Tag]:
    """Tags as `viewer` sees them, in the order of `names`."""
    if not names:
        return []
    async with pool.acquire() as conn:
        history = await store.daily_use(conn, names, HISTORY_DAYS)
        followed: set[str] | None = None
        featured: set[str] | None = None
        if viewer is not None:
            followed = await store.followed_among(conn, viewer.actor.id, names)
            featured = await store.featured_among(conn, viewer.actor.id, names)
    return [
        Tag(
            name,
            history[name],
            name in followed if followed is not None else None,
            name in featured if featured is not None else None,
        )
        for name in names
    ]


async def tag(pool: Any, viewer: User | None, text: str) -> Tag:
    return (await tags(pool, viewer, [tag_name(text)]))[0]


async def follow(pool: Any, user: User, text: str, *, following: bool) -> Tag:
    name = tag_name(text)
    async with pool.acquire() as conn:
        if following:
            await store.follow(conn, user.actor.id, name)
        else:
            await store.unfollow(conn, user.actor.id, name)
    return (await tags(pool, user, [name]))[0]


async def followed(
    pool: Any, user: User, before: int | None, after: int | None, limit: int
) -> list[tuple[int, Tag]]:
    """(follow id, tag) of the tags the user follows, the latest followed first."""
    async with pool.acquire() as conn:
        found = await store.followed_page(conn, user.actor.id, before, after, limit)
    shown = await tags(pool, user, [name for _follow_id, name in found])
    return [(follow_id, one) for (follow_id, _name), one in zip(found, shown, strict=True)]


async def feature(pool: Any, user: User, text: str) -> FeaturedTag:
    """Feature a tag on the user's profile (featuring it again changes nothing)."""
    name = text.strip().removeprefix("#").lower()
    if not name:
        raise InvalidInput(_("Validation failed: Tag can't be blank"))
    if len(name) > MAX_TAG_LENGTH or not _NAME.fullmatch(name):
        raise InvalidInput(_("Validation failed: Tag is invalid"))
    async with pool.acquire() as conn, conn.transaction():
        featured = await store.featured_of(conn, user.actor.id)
        if name not in {one.name for one in featured}:
            if len(featured) >= MAX_FEATURED:
                raise InvalidInput(_(TOO_MANY_FEATURED))
            await store.feature(conn, user.actor.id, name)
        found = await store.featured_of(conn, user.actor.id)
    return next(one for one in found if one.name == name)


async def unfeature(
    pool: Any, user: User, *, featured_id: int | None = None, text: str = ""
) -> None:
    """Stop featuring a tag, by its FeaturedTag id (NotFound if the user has none by that id)
    or by name (nothing happens if it was not featured)."""
    async with pool.acquire() as conn:
        if featured_id is not None:
            if not await store.unfeature(conn, user.actor.id, featured_id=featured_id):
                raise NotFound(_("Record not found"))
        else:
            await store.unfeature(conn, user.actor.id, name=tag_name(text))


async def featured_of(pool: Any, account_id: int) -> list[FeaturedTag]:
    """The tags an account features: a person's here; an empty list for accounts elsewhere
    (whose featured tags fedcop does not fetch) and for communities."""
    async with pool.acquire() as conn:
        found = await account_directory.by_ids(conn, [account_id])
        if not found:
            raise NotFound(_("Record not found"))
        if not found[0].is_local or found[0].actor_type != "Person":
            return []
        return await store.featured_of(conn, account_id)


async def suggested_features(pool: Any, user: User) -> list[Tag]:
    """Tags the user used lately and does not feature yet (at most MAX_SUGGESTED)."""
    async with pool.acquire() as conn:
        names = await store.recently_used_by(conn, user.actor.id, MAX_SUGGESTED)
    return await tags(pool, user, names)
