"""A community here tells its members' servers of every new version of its pages.

    version committed here (services.knowledge.commits.page_committed, in its transaction)
      -> the community's Create (first version) or Update of the Article, stored under a
         stable id (served at /activities/N) and recorded on the version
      -> Announce{object: that activity}           to fedcop and threadiverse servers of
                                                   its followers (FEP-1b12: they keep a copy)
      -> Create{object: Note linking to the page}  to microblog servers of its followers:
                                                   Mastodon shows an Article only as a title
                                                   and a link, a Note in full
A members-only community sends both to its members' servers only, addressed to its followers,
and they are readable by those servers alone (outbox.publish's `members_of`).

Pages of communities elsewhere are never sent from here: their copies change only when their
community says so (services.knowledge.received).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents import knowledge as wire
from fedcop.services import outbox
from fedcop.services.knowledge import page_files
from fedcop.services.software import is_microblog
from fedcop.store import actors as actor_store
from fedcop.store import software as software_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.pages import Page
from fedcop.store.knowledge.versions import Version


async def version_facts(conn: asyncpg.Connection, version: Version) -> wire.VersionFacts:
    editor = await actor_store.find_by_id(conn, version.editor_actor_id)
    assert editor is not None  # versions keep their editors (a foreign key)
    return wire.VersionFacts(
        number=version.version,
        title=version.title,
        markdown=version.markdown,
        html=version.html,
        editor_uri=editor.uri,
        note=version.note,
        restored_from=version.restored_from,
        saved_at=version.created_at,
    )


async def page_facts(
    conn: asyncpg.Connection, page: Page, community: Actor, current: Version | None = None
) -> wire.PageFacts:
    """The page at its current version, for the wire."""
    if current is None:
        current = await version_store.find(conn, page.id, page.current_version)
        assert current is not None
    return wire.PageFacts(
        uri=page.ap_id,
        community=community,
        created_at=page.created_at,
        current=await version_facts(conn, current),
        attachments=tuple(await page_files.wire_attachments(conn, page.id, page.ap_id)),
    )


def _bare(document: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in document.items() if key != "@context"}


async def announce_version(
    conn: asyncpg.Connection, config: Config, page: Page, version: Version, community: Actor
) -> dict[str, Any] | None:
    """Send version `version` of a page of a community here to the community's members'
    servers; the community's Create/Update it announced (None for a community elsewhere)."""
    if not community.is_local:
        return None
    facts = await page_facts(conn, page, community, version)
    document = wire.article(facts)
    members_of = outbox.readers(community)
    change = await outbox.publish(
        conn,
        config,
        community,
        {
            "@context": document["@context"],  # with its files' terms when it has files
            "type": "Create" if version.version == 1 else "Update",
            "object": _bare(document),
            "to": document["to"],
            "cc": document["cc"],
            "audience": community.uri,
        },
        [],  # not sent as it is: announced below, like every activity the community accepts
        members_of=members_of,
    )
    await version_store.set_activity(conn, page.id, version.version, change["id"])
    inboxes = await software_store.follower_inboxes_by_software(conn, community.id)
    threadiverse = [inbox for inbox, _, software in inboxes if not is_microblog(software)]
    microblog = [inbox for inbox, _, software in inboxes if is_microblog(software)]
    if threadiverse:
        await outbox.publish(
            conn,
            config,
            community,
            {
                "@context": document["@context"],
                "type": "Announce",
                "object": _bare(change),
                "to": document["to"],
                "cc": document["cc"],
            },
            threadiverse,
            members_of=members_of,
        )
    if microblog:
        note = wire.notice(facts, facts.current, community.display_name or community.username)
        await outbox.publish(
            conn,
            config,
            community,
            {"type": "Create", "object": _bare(note), "to": note["to"], "cc": note["cc"]},
            microblog,
            members_of=members_of,
        )
    return change
