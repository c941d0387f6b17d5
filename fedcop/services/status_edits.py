"""Editing a post from a client app, and reading what it was: its source and its history.

GET  source   -> the text to edit: a thread as "@community Title\\n\\nbody", so that the
                 app's edit box says where it is and what its title is; the body is the
                 Markdown it was written in (or made back from its HTML)
PUT  status   -> a thread: the first line (without the community's mention) is its title,
                 the rest its body; a reply: the whole text. Then the same edit as on the
                 web (services.post_changes): only the author may, unchanged is no change
GET  history  -> every version, oldest first, the current one last (one, if never edited)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.media.entries import is_upload
from fedcop.services import post_changes, posts, statuses
from fedcop.services.errors import InvalidInput
from fedcop.services.media.post_files import FileChange
from fedcop.store import actors as actor_store
from fedcop.store import post_versions as version_store
from fedcop.store.actors import Actor
from fedcop.store.post_versions import Version
from fedcop.store.posts import Post
from fedcop.store.users import User


class NotYours(Exception):
    """Someone other than its author tries to edit a post they can read."""


@dataclass(frozen=True)
class Change:
    text: str
    spoiler_text: str = ""
    # None: as it is.
    sensitive: bool | None = None
    # The files it carries after the edit (services.post_files); None: as they are.
    files: FileChange | None = None


async def _community(pool: Any, post: Post) -> Actor | None:
    """The post's community; None for a post outside communities (a followed person's, or a
    reply here to one)."""
    if post.community_id is None:
        return None
    async with pool.acquire() as conn:
        community = await actor_store.find_by_id(conn, post.community_id)
    assert community is not None
    return community


def _titled(post: Post) -> bool:
    """A thread whose title a client app edits as the first line of its text (a thread from a
    microblog server has its first line as its title already)."""
    return post.is_thread and post.title is not None and post.object_type != "Note"


async def readable(pool: Any, viewer: User | None, post_id: int) -> tuple[Post, Actor | None]:
    """A post the viewer may read, and its community."""
    post = await statuses.visible(pool, viewer, post_id)
    return post, await _community(pool, post)


async def update(pool: Any, config: Config, author: User, post_id: int, change: Change) -> Post:
    post = await statuses.visible(pool, author, post_id)
    if post.author_id != author.actor.id:
        raise NotYours(_("only its author can edit a post"))
    files_after = (
        change.files.media_ids
        if change.files is not None
        else [item for item in post.attachments if is_upload(item)]
    )
    if not change.text.strip() and not files_after:
        raise InvalidInput(_("Validation failed: Text can't be blank"))
    title: str | None = None
    body = change.text
    community = await _community(pool, post)
    if _titled(post) and community is not None:
        title, body = posts.title_and_body(change.text, community)
    return await post_changes.edit(
        pool,
        config,
        author=author.actor.username,
        post_uri=post.uri,
        content=body,
        title=title,
        summary=change.spoiler_text,
        sensitive=change.sensitive,
        files=change.files,
    )


async def history(pool: Any, viewer: User | None, post_id: int) -> tuple[Post, list[Version]]:
    """A post the viewer may read, and its versions, oldest first, the current one last."""
    post = await statuses.visible(pool, viewer, post_id)
    async with pool.acquire() as conn:
        earlier = await version_store.earlier_versions(conn, post.id)
    current = Version(
        title=post.title,
        content=post.content,
        source=post.source,
        summary=post.summary,
        sensitive=post.sensitive,
        written_at=post.updated or post.published,
    )
    return post, [*earlier, current]
