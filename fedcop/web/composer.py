"""The composers for a new thread and a reply, with files.

POST /c/{handle}/threads   title, content, links, question, poll, also_in,
                           file_N + alt_N (N < config.media.max_attachments), tag, licence
POST /t/{id}/reply         content, file_N + alt_N

files sent  -> each uploaded (services.member_uploads: limits and quota checked before a byte
               is stored, the type read from the bytes), then the post written with them
refused     -> the composer again (compose.html) with the reason and everything typed kept;
               an upload refused discards the request's other uploads (nothing stays stored)
a picture without alt text
            -> the composer again, once, with the pictures shown and a gentle word on why a
               description helps; posting again (described or not) posts it: encouraged,
               never forced. The uploads wait in the form (`kept`), not sent twice.
post refused after the uploads worked
            -> the composer with the uploads kept, so that nothing is sent twice (an upload
               never attached is deleted after a day)
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import _
from fedcop.media.licences import DEFAULT_LICENCE, LICENCES, licence_named
from fedcop.routes.upload_bodies import BodyTooLarge, NotAForm, bounded_form
from fedcop.services import (
    browsing,
    crossposts,
    person_replies,
    posts,
    reading,
    remote_actors,
)
from fedcop.services.errors import InvalidInput, ServiceError
from fedcop.services.media import member_uploads
from fedcop.services.media.post_files import MAX_DESCRIPTION, FileChange
from fedcop.services.reading import PostView
from fedcop.store.media.rows import Media
from fedcop.store.users import User
from fedcop.web.notices import done
from fedcop.web.polls import form as poll_form
from fedcop.web.render import go, not_found, refused, render
from fedcop.web.session import Viewer, viewer
from federation.fetch_errors import FetchError

MAX_TAG = 60


@dataclass
class Files:
    """The files of one submission: kept from an earlier round, and uploaded now."""

    kept: list[Media] = field(default_factory=list)
    uploaded: list[Media] = field(default_factory=list)

    @property
    def all(self) -> list[Media]:
        return [*self.kept, *self.uploaded]

    @property
    def undescribed_pictures(self) -> list[Media]:
        return [media for media in self.all if media.is_image and not media.description.strip()]


async def _read(request: Request) -> tuple[User | None, FormData | Response]:
    """The signed-in member and their form (CSRF checked), or the answer that ends here."""
    current = await viewer(request)
    if current.user is None:
        return None, go(f"/login?next={request.url.path}")
    config = request.app.state.config
    try:
        form = await bounded_form(request, config, max_files=config.media.max_attachments)
    except BodyTooLarge as error:
        return None, await refused(request, str(error), 413)
    except NotAForm as error:
        return None, await refused(request, str(error))
    if not checked_csrf(current, form):
        return None, await refused(
            request,
            _(
                "This form has expired or did not come from this site: "
                "reload the page and try again."
            ),
            403,
        )
    return current.user, form


def checked_csrf(current: Viewer, form: FormData) -> bool:
    sent = form.get("csrf")
    return isinstance(sent, str) and hmac.compare_digest(sent, current.csrf)


async def _community_uri(request: Request) -> str | None:
    handle = request.path_params["handle"]
    if "@" in handle:
        name, _at, domain = handle.partition("@")
        return await browsing.remote_community_uri(request.app.state.pool, name, domain)
    return f"{request.app.state.config.base_url}/c/{handle}"


def _text(form: FormData, name: str, limit: int = 100_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


def typed(form: FormData) -> dict[str, Any]:
    """What the person typed, to give it back with a refusal."""
    return {
        "title": _text(form, "title", 1000),
        "content": _text(form, "content"),
        "links": _text(form, "links", 30_000),
        "also_in": _text(form, "also_in", 1000),
        "question": form.get("question") == "on",
        "poll_options": _text(form, "poll_options", 10_000),
        "tag": _text(form, "tag", MAX_TAG),
        "licence": _text(form, "licence", 40) or DEFAULT_LICENCE,
    }


def library_choices(form: FormData, *, with_library: bool) -> tuple[str | None, str | None]:
    """The tag and licence the files are shared under (a thread's or a page's); None, None for
    a reply, whose files take the defaults."""
    if not with_library:
        return None, None
    tag = " ".join(_text(form, "tag", 1000).split())
    if len(tag) > MAX_TAG:
        raise InvalidInput(_("the tag is too long: at most %(most)s characters", most=MAX_TAG))
    licence = _text(form, "licence", 40) or DEFAULT_LICENCE
    if licence_named(licence) is None:
        raise InvalidInput(_("choose one of the licences offered for the files"))
    return tag or None, licence


async def _kept(request: Request, user: User, form: FormData) -> list[Media]:
    """Uploads sent in an earlier round of this composer (the alt-text prompt, a refusal),
    the member's own, with the descriptions typed for them now."""
    pool = request.app.state.pool
    kept = []
    for value in form.getlist("kept")[: request.app.state.config.media.max_attachments]:
        if not isinstance(value, str) or not value.isdigit() or len(value) > 18:
            continue
        media = await member_uploads.own(pool, user.actor.id, int(value))
        description = _text(form, f"kept_alt_{media.id}", MAX_DESCRIPTION + 1)
        if description.strip() != media.description:
            _check_description(description)
            media = await member_uploads.describe(
                pool, owner_id=user.actor.id, media_id=media.id, description=description
            )
        kept.append(media)
    return kept


def _check_description(text: str) -> None:
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            _("a description may be at most %(most)s characters", most=MAX_DESCRIPTION)
        )


async def _upload(
    request: Request, user: User, form: FormData, files: Files, *, with_library: bool
) -> None:
    """Upload this submission's files into `files`. A refusal deletes what this request
    uploaded (the files kept from an earlier round stay) before raising it."""
    config = request.app.state.config
    tag, licence = library_choices(form, with_library=with_library)
    for slot in range(config.media.max_attachments):
        upload = form.get(f"file_{slot}")
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        description = _text(form, f"alt_{slot}", MAX_DESCRIPTION + 1)
        try:
            _check_description(description)
            if len(files.all) >= config.media.max_attachments:
                raise InvalidInput(
                    _(
                        "a post carries at most %(most)s files",
                        most=config.media.max_attachments,
                    )
                )
            media = await member_uploads.upload(
                request.app.state.pool, config, request.app.state, owner_id=user.actor.id,
                file=upload, description=description, tag=tag, licence=licence, wait=True,
            )  # fmt: skip
        except ServiceError:
            await member_uploads.discard(
                request.app.state.pool, user.actor.id, [m.id for m in files.uploaded]
            )
            files.uploaded.clear()
            raise
        files.uploaded.append(media)


async def _files(request: Request, user: User, form: FormData, *, with_library: bool) -> Files:
    files = Files(kept=await _kept(request, user, form))
    await _upload(request, user, form, files, with_library=with_library)
    return files


async def _again(
    request: Request,
    *,
    kind: str,
    action: str,
    form: FormData,
    files: Files | None,
    error: str | None = None,
    status_code: int = 400,
    back: str,
) -> Response:
    """The composer again, with what was typed, the files waiting and, if any, why."""
    config = request.app.state.config
    return await render(
        request, "compose.html", status_code, kind=kind, action=action, back=back,
        error=error, kept=files.all if files else [],
        undescribed=[m.id for m in files.undescribed_pictures] if files else [],
        slots=range(config.media.max_attachments - len(files.all) if files else
                    config.media.max_attachments),
        licences=LICENCES, **typed(form),
        preview=lambda media: member_uploads.entry_of(config, media).get("preview_url"),
    )  # fmt: skip


async def new_thread(request: Request) -> Response:
    user, form = await _read(request)
    if not isinstance(form, FormData):
        return form
    assert user is not None
    handle = request.path_params["handle"]
    uri = await _community_uri(request)
    if uri is None:
        return await not_found(request, _("There is no such community here."))
    action, back = f"/c/{handle}/threads", f"/c/{handle}"
    files: Files | None = None
    try:
        files = Files(kept=await _kept(request, user, form))
        await _upload(request, user, form, files, with_library=True)
        if files.undescribed_pictures and form.get("described") != "yes":
            return await _again(
                request, kind="thread", action=action, form=form, files=files,
                status_code=200, back=back,
            )  # fmt: skip
        links = [line.strip() for line in _text(form, "links").splitlines() if line.strip()]
        also_in = await crossposts.communities_named(
            request.app.state.pool, request.app.state.config, request.app.state.network,
            _text(form, "also_in"),
        )  # fmt: skip
        post = await posts.write(
            request.app.state.pool, request.app.state.config, request.app.state.network,
            author=user.actor.username, community_uri=uri, title=_text(form, "title"),
            content=_text(form, "content"), links=links, also_in=also_in,
            question=form.get("question") == "on", poll=poll_form.poll_draft(form),
            media_ids=[media.id for media in files.all],
        )  # fmt: skip
    except (ServiceError, remote_actors.ActorError, FetchError) as error:
        return await _again(
            request, kind="thread", action=action, form=form, files=files, error=str(error),
            status_code=_status(error), back=back,
        )  # fmt: skip
    finally:
        await form.close()
    return done(request, f"/t/{post.id}", _("Your thread is posted."))


async def reply(request: Request) -> Response:
    user, form = await _read(request)
    if not isinstance(form, FormData):
        return form
    assert user is not None
    found: PostView | None = await reading.post_by_id(
        request.app.state.pool, request.path_params["id"]
    )
    if found is None:
        return await not_found(request, _("There is no such post here."))
    action = f"/t/{found.post.id}/reply"
    back = f"/t/{found.post.thread_id or found.post.id}"
    files: Files | None = None
    try:
        if found.community is None:
            # A followed person's post: the reply goes to them and to the writer's followers
            # (no community library: files are not taken there yet).
            if _has_files(form):
                raise InvalidInput(
                    _(
                        "files are shared in communities: this post is in none. "
                        "Put a link in your reply instead"
                    )
                )
            written = await person_replies.reply(
                request.app.state.pool, request.app.state.config,
                author=user.actor.username, in_reply_to=found.post.uri,
                content=_text(form, "content"),
            )  # fmt: skip
        else:
            files = Files(kept=await _kept(request, user, form))
            await _upload(request, user, form, files, with_library=False)
            if files.undescribed_pictures and form.get("described") != "yes":
                return await _again(
                    request, kind="reply", action=action, form=form, files=files,
                    status_code=200, back=back,
                )  # fmt: skip
            written = await posts.write(
                request.app.state.pool, request.app.state.config, request.app.state.network,
                author=user.actor.username, community_uri=found.community.uri,
                content=_text(form, "content"), in_reply_to=found.post.uri,
                media_ids=[media.id for media in files.all],
            )  # fmt: skip
    except (ServiceError, remote_actors.ActorError, FetchError) as error:
        return await _again(
            request, kind="reply", action=action, form=form, files=files, error=str(error),
            status_code=_status(error), back=back,
        )  # fmt: skip
    finally:
        await form.close()
    return done(
        request,
        f"/t/{written.thread_id or written.id}#post-{written.id}",
        _("Your reply is posted."),
    )


FormAction = Callable[[Request, User, FormData], Awaitable[Response]]


def signed_in_with_files(action: FormAction) -> Callable[[Request], Awaitable[Response]]:
    """web.actions.signed_in_action for a form that may carry files (read within the limits,
    its CSRF token checked); the action's refusals are its own to show."""

    async def endpoint(request: Request) -> Response:
        user, form = await _read(request)
        if not isinstance(form, FormData):
            return form
        assert user is not None
        try:
            return await action(request, user, form)
        except (ServiceError, remote_actors.ActorError, FetchError) as error:
            return await refused(request, str(error))
        finally:
            await form.close()

    return endpoint


async def upload_files(request: Request, user: User, form: FormData) -> Files:
    """A page's files sent with its form (`kept` none: the page form lists the files it keeps
    as `keep_file`), with the tag and licence chosen."""
    return await _files(request, user, form, with_library=True)


def kept_files(form: FormData) -> FileChange | None:
    """A post's edit form: the files it keeps (`keep_file`, ticked) with their descriptions
    (`describe_<id>`); None when the form lists no files (the post's stay as they are)."""
    if not form.get("files_listed"):
        return None
    kept = []
    for value in form.getlist("keep_file"):
        if isinstance(value, str) and value.isdigit() and len(value) <= 18:
            kept.append(int(value))
    descriptions = {}
    for media_id in kept:
        text = form.get(f"describe_{media_id}")
        if isinstance(text, str):
            descriptions[media_id] = text
    return FileChange(media_ids=kept, descriptions=descriptions)


def _has_files(form: FormData) -> bool:
    return any(
        isinstance(value, UploadFile) and bool(value.filename)
        for _name, value in form.multi_items()
    ) or bool(form.getlist("kept"))


def _status(error: Exception) -> int:
    """413 for a file or quota too large, else 400."""
    return 413 if getattr(error, "too_large", False) else 400
