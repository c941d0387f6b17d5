"""A member on another node edits a page of a community here.

    Update{actor: person elsewhere, object: Article{id: page here, fedcop:baseVersion: B,
                                                    name, source: Markdown}}
      -> the page is a page of a community here (a proposal for a page elsewhere is not ours
         to judge, and never changes a copy)
      -> the same edit as one made here (services.knowledge.editing.apply_edit): a member, not
         banned, the community not Closed, its edit setting; B still the current version
           taken      -> version B+1 (a restore: the old version's text as kept here, and
                         fedcop:restoredFrom), announced to every member's server like any change
                         (services.knowledge.federation), and Accept{object: the Update,
                         result: the page now} to the editor's server
           conflict   -> nothing saved; Reject{object: the Update, result: the page as it is
                         now, summary: why} to the editor's server, who shows both texts
           not allowed, or unreadable -> nothing saved; Reject{object: the Update, summary:
                         why} (no result); the inbox row is 'rejected' with the same reason
The same Update handled twice (a repeated delivery) changes nothing the second time: the
version it made names it (kb_versions.activity_uri).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents import knowledge as wire
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import outbox, remote_actors
from fedcop.services.errors import Ignored, InvalidInput, Refused, ServiceError
from fedcop.services.knowledge import editing
from fedcop.services.knowledge.commits import MAX_MARKDOWN, MAX_TITLE
from fedcop.services.knowledge.federation import page_facts
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from federation.vocab import id_of


async def receive(pool: Any, config: Config, network: Network, update: dict[str, Any]) -> bool:
    """Apply a member's proposed edit of a page here, or refuse it (Refused, after the
    Reject is sent). Ignored when the page is not one of a community here."""
    document = update.get("object")
    assert isinstance(document, dict)  # the handler sends proposals only
    page_uri = str(id_of(document))
    update_uri = str(update.get("id"))
    async with pool.acquire() as conn:
        page = await page_store.find_by_ap_id(conn, page_uri)
        community = await actor_store.find_by_id(conn, page.community_actor_id) if page else None
        if page is None or community is None:
            raise Ignored(f"an edit of {page_uri}, which is no page here")
        if not community.is_local:
            raise Ignored(
                f"an edit of {page_uri}, a page of {community.uri}: edits go to the page's "
                "community, and a copy here changes only when that community says so"
            )
        if await version_store.find_by_activity(conn, update_uri) is not None:
            return False  # taken already
    editor = await remote_actors.get_actor(pool, network, str(id_of(update.get("actor"))))
    try:
        proposal = wire.read_proposal(document, max_markdown=MAX_MARKDOWN, max_title=MAX_TITLE)
    except wire.WireError as error:
        reason = f"the edit is refused: {error}"
        async with pool.acquire() as conn, conn.transaction():
            await _send(conn, config, community, editor, "Reject", update_uri, reason)
        raise Refused(reason) from None
    async with pool.acquire() as conn, conn.transaction():
        try:
            async with conn.transaction():  # a savepoint: a refusal leaves nothing behind
                title, markdown = await _text(conn, page.id, proposal)
                change = await editing.apply_edit(
                    conn, config, page, community, editor,
                    base_version=proposal.base_version, title=title, markdown=markdown,
                    note=proposal.note, activity_uri=update_uri,
                    restored_from=proposal.restored_from,
                )  # fmt: skip
        except editing.EditConflict as conflict:
            reason = (
                f"conflict: {page.ap_id} is at version {conflict.current.version}, and this "
                f"edit was made from version {conflict.base.version}; nothing was saved. Edit "
                "the current version again."
            )
            current = await page_facts(conn, conflict.page, community, conflict.current)
            await _send(conn, config, community, editor, "Reject", update_uri, reason, current)
            refusal: str | None = reason
        except ServiceError as error:
            refusal = f"the edit is refused: {error}"
            await _send(conn, config, community, editor, "Reject", update_uri, refusal)
        else:
            now = await page_facts(conn, change.page, community, change.version)
            await _send(
                conn, config, community, editor, "Accept", update_uri,
                f"the edit is version {change.version.version} of {page.ap_id}", now,
            )  # fmt: skip
            refusal = None
    if refusal is not None:
        raise Refused(refusal)
    return True


async def _text(conn: asyncpg.Connection, page_id: int, proposal: wire.Proposal) -> tuple[str, str]:
    """The title and text the edit gives the page: its own, or for a restore the old
    version's as kept here (never what the proposal says it was)."""
    if proposal.restored_from is None:
        return proposal.title, proposal.markdown
    old = await version_store.find(conn, page_id, proposal.restored_from)
    if old is None:
        raise InvalidInput(
            _("this page has no version %(number)s to restore", number=proposal.restored_from)
        )
    return old.title, old.markdown


async def _send(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    editor: Actor,
    kind: str,
    update_uri: str,
    summary: str,
    page: wire.PageFacts | None = None,
) -> dict[str, Any]:
    """The community's Accept or Reject of a member's edit, to the editor's server. `page`:
    the page as it is now (after the edit, or the version a conflicting edit missed)."""
    activity: dict[str, Any] = {
        "@context": wire.KNOWLEDGE_CONTEXT,
        "type": kind,
        "object": update_uri,
        "to": [editor.uri],
        "summary": summary,
    }
    if page is not None:
        article = wire.article(page)
        activity["result"] = {key: value for key, value in article.items() if key != "@context"}
    return await outbox.publish(
        conn,
        config,
        community,
        activity,
        outbox.inbox_of(editor),
        members_of=outbox.readers(community),
    )
