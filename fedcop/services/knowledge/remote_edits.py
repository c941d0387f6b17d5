"""A member here edits a page of a community on another fedcop node.

The page belongs to its community: the edit is not saved here but sent to it, and the copy
here changes when the community says so. What the editor sees meanwhile:

    propose(...)  the copy here is still at the version they edited?
                    no  -> EditConflict at once, nothing sent (both texts shown, as for a
                           page here)
                    yes -> Update{actor: them, object: Article{fedcop:baseVersion, name,
                           source}} to the community's inbox; kept as 'sent': the page shows
                           "Your edit was sent to the community and waits for its answer",
                           with the text they sent
    Accept{object: the Update, result: the page}   -> 'accepted' (the copy keeps the page as
                           the result says: their edit, as version N)
    Reject{object: the Update, result: the page}   -> 'conflicted': someone changed the page
                           first; the copy keeps the current version, the editor is notified
                           ('page_edit_conflicted'), and the page shows
                           "Your edit conflicted" with their text and the current one, and an
                           edit form starting from the current version with their text in it
    Reject{object: the Update} (no result)         -> 'refused', with the community's reason
    every delivery of the Update given up          -> still 'sent', shown as "could not be
                           delivered" (the community's server refused it or stayed
                           unreachable); the editor puts it away or edits again
An answer is taken from the page's community only, and only for an edit still 'sent'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.documents import knowledge as wire
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import markdown as markdown_service
from fedcop.services import outbox
from fedcop.services.errors import Ignored, InvalidInput, NotFound, Refused
from fedcop.services.knowledge import access, editing, received
from fedcop.services.knowledge.commits import checked_text
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import remote_edits as edit_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.remote_edits import RemoteEdit
from federation.vocab import id_of


async def propose(
    pool: Any,
    config: Config,
    *,
    community: str,
    slug: str,
    by: str,
    base_version: int,
    title: str,
    markdown: str,
    note: str = "",
    restored_from: int | None = None,
) -> RemoteEdit:
    """`by`, a user here, edits the page `slug` of `community` (name@domain, a community
    elsewhere) from version `base_version`: sent to the community, kept as 'sent'.
    `restored_from`: the edit restores that old version (see propose_restore)."""
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, by)
        if local is None or local.actor.actor_type != "Person":
            raise NotFound(_("there is no user %(name)s on this node", name=repr(by)))
        editor = local.actor
        group = await access.community_named(conn, community)
        await access.ensure_may_read(conn, group, editor.id)
        if group.is_local:
            raise InvalidInput(_("a page of a community here is edited here"))
        page = await page_store.find_by_slug(conn, group.id, slug)
        if page is None:
            raise NotFound(_("there is no such page in this knowledge base"))
        # What this node knows of the community's rules: a Closed community, a ban, the edit
        # setting, membership. The community checks again, with the last word.
        await access.ensure_may_edit(conn, group, editor)
        title, markdown, note = checked_text(title, markdown, note)
        locked = await page_store.lock(conn, page.id)
        assert locked is not None
        if base_version != locked.current_version:
            # The copy shows a newer version already: a conflict, told at once.
            base = await version_store.find(conn, locked.id, base_version)
            current = await version_store.find(conn, locked.id, locked.current_version)
            if base is None or current is None:
                raise InvalidInput(_("this page has no version %(number)s", number=base_version))
            current_editor = await actor_store.find_by_id(conn, current.editor_actor_id)
            assert current_editor is not None
            raise editing.EditConflict(
                page=locked, base=base, current=current, current_editor=current_editor,
                title=title, markdown=markdown, note=note,
            )  # fmt: skip
        document = wire.proposal(
            locked.ap_id, group.uri, base_version=base_version, title=title,
            markdown=markdown, html=markdown_service.render(markdown), note=note,
            restored_from=restored_from,
        )  # fmt: skip
        update = await outbox.publish(
            conn,
            config,
            editor,
            {
                "@context": wire.KNOWLEDGE_CONTEXT,
                "type": "Update",
                "object": document,
                "to": [group.uri],
                "audience": group.uri,
            },
            outbox.inbox_of(group),
            members_of=outbox.readers(group),
        )
        await edit_store.dismiss(conn, locked.id, editor.id)  # a new edit replaces an answered one
        return await edit_store.insert(
            conn, page_id=locked.id, editor_actor_id=editor.id, base_version=base_version,
            title=title, markdown=markdown, note=note, activity_uri=update["id"],
        )  # fmt: skip


async def propose_restore(
    pool: Any, config: Config, *, community: str, slug: str, by: str, version: int, note: str = ""
) -> RemoteEdit:
    """`by` restores old version `version` of a page elsewhere: an edit of its current
    version whose text is that version's (the community takes the text from its own copy)."""
    async with pool.acquire() as conn:
        group = await access.community_named(conn, community)
        page = await page_store.find_by_slug(conn, group.id, slug)
        old = await version_store.find(conn, page.id, version) if page is not None else None
    if page is None or old is None:
        raise NotFound(_("this node keeps no version %(number)s of that page", number=version))
    if version == page.current_version:
        raise InvalidInput(
            _("version %(number)s is the current text: there is nothing to restore", number=version)
        )
    # The note is the restorer's own, so written in their language (as on a restore here).
    note = note or _("Restored version %(number)s", number=version)
    return await propose(
        pool, config, community=community, slug=slug, by=by, base_version=page.current_version,
        title=old.title, markdown=old.markdown, note=note, restored_from=version,
    )  # fmt: skip


async def receive_verdict(
    pool: Any, config: Config, network: Network, answer: dict[str, Any], *, accepted: bool
) -> bool:
    """The page's community answers an edit made here (Accept or Reject of its Update)."""
    update_uri = str(id_of(answer.get("object")))
    async with pool.acquire() as conn:
        edit = await edit_store.find_by_activity(conn, update_uri)
        page = await page_store.find(conn, edit.page_id) if edit else None
        community = await actor_store.find_by_id(conn, page.community_actor_id) if page else None
    if edit is None or page is None or community is None:
        raise Ignored(f"an answer to {update_uri}, which is no edit of a page made here")
    if id_of(answer.get("actor")) != community.uri:
        raise Refused(
            _(
                "only %(community)s, the page's community, answers an edit of its page",
                community=community.uri,
            )
        )
    result = answer.get("result")
    now: wire.ReceivedVersion | None = None
    if isinstance(result, dict):
        now = received.read(result, community)
        if now.page_uri != page.ap_id:
            raise Refused(
                _("the answer to an edit of %(page)s brings another page", page=page.ap_id)
            )
        # The community's own word on its page: the copy keeps it.
        await received.keep(pool, config, network, community, now)
    summary = answer.get("summary")
    reason = (summary if isinstance(summary, str) else "")[:1000] or "the community gave no reason"
    async with pool.acquire() as conn, conn.transaction():
        if accepted:
            version = now.version.number if now is not None else edit.base_version + 1
            return await edit_store.accept(conn, edit.id, version)
        if now is not None:
            conflicted = await edit_store.conflict(
                conn, edit.id, version=now.version.number, title=now.version.title,
                markdown=now.version.markdown, reason=reason,
            )  # fmt: skip
            current = await version_store.find(conn, page.id, now.version.number)
            if conflicted and current is not None:
                # The editor may be anywhere but on the page: they are told.
                await edit_store.tell_conflict(conn, edit, current.editor_actor_id, current.version)
            return conflicted
        return await edit_store.refuse(conn, edit.id, reason)


@dataclass(frozen=True)
class EditState:
    """The editor's latest edit of a page elsewhere, as the page shows it to them."""

    edit: RemoteEdit
    community: Actor
    # Sent, and every delivery of it given up: the community will never answer.
    undelivered: bool = False

    @property
    def waiting(self) -> bool:
        return self.edit.state == edit_store.SENT and not self.undelivered

    @property
    def conflicted(self) -> bool:
        return self.edit.state == edit_store.CONFLICTED

    @property
    def refused(self) -> bool:
        return self.edit.state == edit_store.REFUSED

    @property
    def accepted(self) -> bool:
        return self.edit.state == edit_store.ACCEPTED


async def latest(pool: Any, page_id: int, viewer_id: int | None) -> EditState | None:
    """The viewer's latest edit of the copy `page_id` (None: none, or none to show)."""
    if viewer_id is None:
        return None
    async with pool.acquire() as conn:
        edit = await edit_store.latest_of(conn, page_id, viewer_id)
        page = await page_store.find(conn, page_id)
        community = await actor_store.find_by_id(conn, page.community_actor_id) if page else None
        undelivered = edit is not None and (
            edit.state == edit_store.SENT and await edit_store.undelivered(conn, edit.activity_uri)
        )
    if edit is None or community is None:
        return None
    return EditState(edit, community, undelivered)


async def dismiss(pool: Any, *, community: str, slug: str, by: str) -> None:
    """The editor has read the outcome of their refused or conflicted edit."""
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, by)
        group = await access.community_named(conn, community)
        page = await page_store.find_by_slug(conn, group.id, slug)
        if local is None or page is None:
            raise NotFound(_("there is no such page in this knowledge base"))
        await edit_store.dismiss(conn, page.id, local.actor.id)
