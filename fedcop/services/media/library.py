"""A community's library: every file shared in its threads, replies and knowledge-base pages.

    /c/NAME/resources[?kind=&tag=&licence=&q=&after=]

Who may read it: whoever may read the community's threads and pages. A members-only
community's library is its members' and facilitators' (to anyone else: no such community, as
its threads and pages answer); within it, each post's files are listed only while the post is
shown to the viewer (not deleted, not removed, readable). Files from elsewhere (on remote posts
kept here) are listed too, without tag or licence, since their servers send neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fedcop.config import Config
from fedcop.media.entries import proxy_path
from fedcop.media.licences import LICENCES, Licence, licence_named
from fedcop.services.knowledge import access
from fedcop.services.media import attachment_entry
from fedcop.store import account_directory as actor_lookup
from fedcop.store.actors import Actor
from fedcop.store.media import library as store
from fedcop.store.media import rows as media_rows
from fedcop.store.media.library import KINDS, Filters, Key, LibraryItem

PAGE_SIZE = 30
MAX_QUERY = 200
MAX_WORDS = 8
MAX_TAG = 64
# How many of the community's tags the page offers as filters.
TAGS = 20

__all__ = ["KINDS", "LICENCES", "PAGE_SIZE", "Filters", "Key", "LibraryFile", "LibraryView"]


@dataclass(frozen=True)
class LibraryFile:
    """One file as the library lists it."""

    file_name: str
    description: str
    kind: str
    media_type: str
    byte_size: int | None
    # The file itself (here, or on its server for a file from elsewhere).
    url: str
    # A small picture to show (this node's thumbnail, or the media proxy), or None.
    thumbnail_url: str | None
    tag: str | None
    # None for a file from elsewhere: its licence is not known.
    licence: Licence | None
    sharer: Actor | None
    shared_at: datetime
    # Where it was shared: the thread (or reply) or the knowledge-base page, and its title.
    where_path: str
    where_title: str
    on_page: bool
    # Sent from another server (no row here).
    from_elsewhere: bool
    # Marked sensitive: listed without its thumbnail.
    sensitive: bool = False


@dataclass(frozen=True)
class LibraryView:
    community: Actor
    handle: str
    filters: Filters
    query: str
    files: list[LibraryFile]
    # The key to continue after (the next page's `after=`), None on the last page.
    next_key: str | None
    # Whether this is a later page (the first page is one link away).
    later_page: bool
    # The tags of the community's files, the most used first, with their counts.
    tags: list[tuple[str, int]]


def clean_filters(
    kind: str | None, tag: str | None, licence: str | None, query: str | None
) -> Filters:
    """The filters a reader asked for, bounded; an unknown kind or licence filters nothing.
    NUL characters (which no text column holds) are taken out."""
    query, tag = (query or "").replace("\x00", ""), (tag or "").replace("\x00", "")
    words = tuple(" ".join(query[:MAX_QUERY].split()).split(" "))
    tag_text = " ".join(tag.split())[:MAX_TAG]
    return Filters(
        kind=kind if kind in KINDS else None,
        tag=tag_text or None,
        licence=licence if licence and licence_named(licence) else None,
        words=tuple(word for word in words if word)[:MAX_WORDS],
    )


def _where(handle: str, item: LibraryItem) -> tuple[str, str]:
    if item.holder == "page":
        return f"/c/{handle}/kb/{item.page_slug}", item.title or "A page"
    if item.thread_id is not None:
        return f"/t/{item.thread_id}#post-{item.post_id}", f"Reply in: {item.title or 'a thread'}"
    return f"/t/{item.post_id}", item.title or "A thread"


def _shown(
    base_url: str,
    handle: str,
    item: LibraryItem,
    sharers: dict[int, Actor],
    uploads: dict[int, dict[str, Any]],
) -> LibraryFile:
    path, title = _where(handle, item)
    if item.token is not None:
        # an upload here: its address and thumbnail as its entry names them (a page's file
        # has no entry of its own: the one a post would keep)
        entry = item.entry or (uploads.get(item.media_id or 0) or {})
        url = str(entry.get("url") or "")
        preview = entry.get("preview_url")
        thumbnail = str(preview) if isinstance(preview, str) and preview else None
    else:
        entry = item.entry or {}
        url = str(entry.get("url") or "")
        # a picture from elsewhere only through this node's media proxy, never from its server
        proxied = proxy_path(entry) if item.kind == "image" else None
        thumbnail = base_url + proxied if proxied else None
    return LibraryFile(
        file_name=item.file_name or "file",
        description=item.description,
        kind=item.kind,
        media_type=item.media_type,
        byte_size=item.byte_size,
        url=url,
        thumbnail_url=thumbnail if item.kind == "image" and not item.sensitive else None,
        tag=item.tag,
        licence=licence_named(item.licence) if item.licence else None,
        sharer=sharers.get(item.sharer_id),
        shared_at=item.shared_at,
        where_path=path,
        where_title=title,
        on_page=item.holder == "page",
        from_elsewhere=item.token is None,
        sensitive=item.sensitive,
    )


async def library_page(
    pool: Any,
    config: Config,
    handle: str,
    viewer_id: int | None,
    *,
    filters: Filters,
    query: str = "",
    after: str | None = None,
) -> LibraryView:
    """One page of the library of the community `handle` (NAME here, NAME@DOMAIN elsewhere) as
    the viewer may see it; NotFound for a community that is not known here or whose threads
    they may not read."""
    key = Key.parse(after)
    async with pool.acquire() as conn:
        community = await access.community_named(conn, handle)
        await access.ensure_may_read(conn, community, viewer_id)
        items = await store.library_page(
            conn,
            community.id,
            viewer_id=viewer_id,
            filters=filters,
            after=key,
            limit=PAGE_SIZE + 1,
        )
        shown_items = items[:PAGE_SIZE]
        sharers = {
            actor.id: actor
            for actor in await actor_lookup.by_ids(conn, [item.sharer_id for item in shown_items])
        }
        tags = await store.tags_in_use(conn, community.id, viewer_id=viewer_id, limit=TAGS)
        page_files = [item.media_id for item in shown_items if item.entry is None and item.media_id]
        uploads = {
            media.id: attachment_entry(config, media)
            for media in await media_rows.by_ids(conn, page_files)
        }
    own_handle = access.handle_of(community)
    return LibraryView(
        community=community,
        handle=own_handle,
        filters=filters,
        query=" ".join(filters.words),
        files=[_shown(config.base_url, own_handle, item, sharers, uploads) for item in shown_items],
        next_key=shown_items[-1].key.text() if len(items) > PAGE_SIZE else None,
        later_page=key is not None,
        tags=tags,
    )
