"""What people do in a knowledge base: write, edit, restore, watch, make a page from a post,
and (facilitators) say who may edit. Every one is a POST with the session's CSRF token
(web.actions.signed_in_action), ending in a redirect to the result.

An edit whose base version is no longer the current one is not saved: the form comes back
(409) with the editor's text still in it, the current text beside it, who changed it, and the
difference between the two, and its base is now the current version, so that saving the
merged text is taken.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput, NotFound, ServiceError
from fedcop.services.knowledge import editing, from_posts, pages, remote_edits, watches
from fedcop.services.knowledge import settings as kb_settings
from fedcop.services.knowledge.access import NotAllowed
from fedcop.services.knowledge.diff import line_diff
from fedcop.services.knowledge.editing import EditConflict
from fedcop.services.lifecycle import ClosedCommunity
from fedcop.services.media import member_uploads
from fedcop.services.media.post_files import MAX_DESCRIPTION
from fedcop.store.media import Media
from fedcop.store.users import User
from fedcop.web.composer import upload_files
from fedcop.web.notices import done
from fedcop.web.render import not_found, refused, render


def _text(form: FormData, field: str) -> str:
    value = form.get(field, "")
    return value if isinstance(value, str) else ""


async def create(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    title, markdown, note = _text(form, "title"), _text(form, "markdown"), _text(form, "note")
    files: list[Media] = []
    try:
        files = await _files(request, user, form)
        if _undescribed(files, form):
            kb = await pages.index(
                request.app.state.pool, request.app.state.config, name, user.actor.id
            )
            return await render(
                request, "knowledge/edit.html", community=kb.community,
                kb_path=f"/c/{name}/kb", action=f"/c/{name}/kb/new", title=title,
                markdown=markdown, note=note, base_version=None, may_edit=True, conflict=None,
                error=None, files=files, undescribed=_undescribed(files, form),
            )  # fmt: skip
        change = await pages.create(
            request.app.state.pool, request.app.state.config, community=name,
            by=user.actor.username, title=title, markdown=markdown, note=note,
            media_ids=[media.id for media in files],
        )  # fmt: skip
    except NotFound as error:
        return await not_found(request, str(error))
    except ServiceError as error:
        kb = await pages.index(
            request.app.state.pool, request.app.state.config, name, user.actor.id
        )
        return await render(
            request, "knowledge/edit.html", 403 if _refusal(error) else 400,
            community=kb.community, kb_path=f"/c/{name}/kb", action=f"/c/{name}/kb/new",
            title=title, markdown=markdown, note=note, base_version=None, may_edit=True,
            conflict=None, error=str(error), files=files,
        )  # fmt: skip
    return done(
        request, pages.page_path(change.community, change.page.slug), _("The page is created.")
    )


async def _files(request: Request, user: User, form: FormData) -> list[Media]:
    """The files the page carries after this form: those it keeps (`keep_file`, listed by the
    form and ticked), then those sent with it."""
    pool = request.app.state.pool
    kept = []
    for value in form.getlist("keep_file")[: request.app.state.config.media.max_attachments]:
        if isinstance(value, str) and value.isdigit() and len(value) <= 18:
            media = await member_uploads.find(pool, int(value))
            if media is None:
                continue
            # Its uploader describes a file (others' files on the page keep their words).
            described = form.get(f"describe_{media.id}")
            if (
                media.owner_id == user.actor.id
                and isinstance(described, str)
                and described.strip() != media.description
            ):
                if len(described) > MAX_DESCRIPTION:
                    raise InvalidInput(
                        _(
                            "a description may be at most %(count)s characters",
                            count=MAX_DESCRIPTION,
                        )
                    )
                media = await member_uploads.describe(
                    pool, owner_id=user.actor.id, media_id=media.id, description=described
                )
            kept.append(media)
    uploaded = await upload_files(request, user, form)
    return [*kept, *uploaded.uploaded]


def _undescribed(files: list[Media], form: FormData) -> list[int]:
    """Pictures without a description, when the form has not yet shown the gentle prompt
    (encouraged, never forced: the form sent again with them is taken)."""
    if form.get("described") == "yes":
        return []
    return [media.id for media in files if media.is_image and not media.description.strip()]


def _refusal(error: ServiceError) -> bool:
    """Refused for who they are (403), not for what they wrote (400)."""
    return isinstance(error, NotAllowed | ClosedCommunity)


async def edit(request: Request, user: User, form: FormData) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    title, markdown, note = _text(form, "title"), _text(form, "markdown"), _text(form, "note")
    base = _text(form, "base_version")
    if not base.isdigit() or len(base) > 9:
        return await refused(
            request, _("the form does not say which version you edited: reload it")
        )
    pool, config = request.app.state.pool, request.app.state.config
    files: list[Media] | None = None
    try:
        if "@" in name:
            # A page of a community elsewhere: the edit is sent to it, and the page shows it
            # waiting for the community's answer (services.knowledge.remote_edits).
            await remote_edits.propose(
                pool, config, community=name, slug=slug, by=user.actor.username,
                base_version=int(base), title=title, markdown=markdown, note=note,
            )  # fmt: skip
            return done(
                request, f"/c/{name}/kb/{slug}#your-edit", _("Your edit is sent to the community.")
            )
        files = await _files(request, user, form)
        if _undescribed(files, form):
            shown = await pages.view(pool, config, name, slug, user.actor.id)
            return await render(
                request, "knowledge/edit.html", community=shown.community,
                kb_path=f"/c/{name}/kb", action=f"{shown.path}/edit", title=title,
                markdown=markdown, note=note, base_version=int(base), may_edit=shown.may_edit,
                conflict=None, error=None, shown=shown, files=files,
                undescribed=_undescribed(files, form),
            )  # fmt: skip
        change = await editing.edit(
            pool, config, community=name, slug=slug, by=user.actor.username,
            base_version=int(base), title=title, markdown=markdown, note=note,
            media_ids=[media.id for media in files] if form.get("files_listed") else None,
        )  # fmt: skip
    except NotFound as error:
        return await not_found(request, str(error))
    except EditConflict as conflict:
        shown = await pages.view(pool, config, name, slug, user.actor.id)
        return await render(
            request, "knowledge/edit.html", 409, community=shown.community,
            kb_path=f"/c/{name}/kb", action=f"{shown.path}/edit", title=conflict.title,
            markdown=conflict.markdown, note=conflict.note,
            base_version=conflict.current.version, may_edit=True, conflict=conflict,
            conflict_diff=line_diff(conflict.current.markdown, conflict.markdown),
            error=str(conflict), shown=shown, files=files,
        )  # fmt: skip
    except ServiceError as error:
        shown = await pages.view(pool, config, name, slug, user.actor.id)
        return await render(
            request, "knowledge/edit.html", 403 if _refusal(error) else 400,
            community=shown.community, kb_path=f"/c/{name}/kb", action=f"{shown.path}/edit",
            title=title, markdown=markdown, note=note, base_version=int(base),
            may_edit=shown.may_edit, conflict=None, error=str(error), shown=shown, files=files,
        )  # fmt: skip
    return done(
        request, pages.page_path(change.community, change.page.slug), _("Your edit is saved.")
    )


async def restore(request: Request, user: User, form: FormData) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    version = _text(form, "version")
    if not version.isdigit() or len(version) > 9:
        return await refused(request, _("choose the version to restore"))
    if "@" in name:
        # A page of a community elsewhere: the restore is an edit sent to it, which the page
        # shows waiting for the community's answer (services.knowledge.remote_edits).
        await remote_edits.propose_restore(
            request.app.state.pool, request.app.state.config, community=name, slug=slug,
            by=user.actor.username, version=int(version),
        )  # fmt: skip
        return done(
            request, f"/c/{name}/kb/{slug}#your-edit", _("Your restore is sent to the community.")
        )
    change = await editing.restore(
        request.app.state.pool, request.app.state.config, community=name, slug=slug,
        by=user.actor.username, version=int(version),
    )  # fmt: skip
    return done(
        request, pages.page_path(change.community, change.page.slug), _("The version is restored.")
    )


async def watch(request: Request, user: User, form: FormData) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    await watches.watch(
        request.app.state.pool, request.app.state.config, community=name, slug=slug,
        by=user.actor.username,
    )  # fmt: skip
    return done(request, f"/c/{name}/kb/{slug}", _("You are watching this page."))


async def unwatch(request: Request, user: User, form: FormData) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    await watches.unwatch(
        request.app.state.pool, request.app.state.config, community=name, slug=slug,
        by=user.actor.username,
    )  # fmt: skip
    return done(request, f"/c/{name}/kb/{slug}", _("You no longer watch this page."))


async def from_post(request: Request, user: User, form: FormData) -> Response:
    """A post made a new page (`into` empty) or added to the page `into`."""
    into = _text(form, "into").strip() or None
    post_id = request.path_params["id"]
    if post_id >= 2**63:  # no post has such a number (ids are 64-bit)
        return await not_found(request, _("There is no such post here."))
    change = await from_posts.page_from_post(
        request.app.state.pool, request.app.state.config, by=user.actor.username,
        post_id=post_id, title=_text(form, "title") or None, into=into,
    )  # fmt: skip
    return done(
        request,
        pages.page_path(change.community, change.page.slug),
        _("The post is in the knowledge base."),
    )


async def set_editors(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    await kb_settings.set_editors(request.app.state.pool, name, user, _text(form, "editors"))
    return done(request, f"/c/{name}/manage", _("Who may edit the knowledge base is saved."))
