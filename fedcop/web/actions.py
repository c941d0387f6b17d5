"""What people do from the pages. Every action is a POST with the session's CSRF token, calls
the same domain services as federation does, and ends in a redirect to the result (or the form
again with the reason it was refused)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import N_, _
from fedcop.services import (
    accounts,
    browsing,
    follows,
    leaving,
    markdown,
    moderation,
    post_changes,
    questions,
    reading,
    remote_actors,
    remote_facilitators,
    votes,
)
from fedcop.services.errors import InvalidInput, NotYours, ServiceError
from fedcop.services.post_source import editable_text
from fedcop.services.reading import PostView
from fedcop.store.users import User
from fedcop.web import addresses, composer, confirmations, search_results
from fedcop.web.confirmations import confirmed
from fedcop.web.notices import done
from fedcop.web.render import go, not_found, refused, render
from fedcop.web.session import FormRefused, checked_form, viewer
from federation.fetch_errors import FetchError
from federation.html import to_text

Action = Callable[[Request, User, FormData], Awaitable[Response]]


def signed_in_action(action: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST that needs someone signed in and a valid CSRF token."""

    async def endpoint(request: Request) -> Response:
        current = await viewer(request)
        if current.user is None:
            return go(f"/login?next={request.url.path}")
        try:
            form = await checked_form(request)
            return await action(request, current.user, form)
        except (FormRefused, NotYours) as error:
            return await refused(request, str(error), 403)
        except (ServiceError, remote_actors.ActorError, FetchError) as error:
            return await refused(request, str(error))

    return endpoint


async def _community_uri(request: Request) -> str | None:
    handle = request.path_params["handle"]
    if "@" in handle:
        name, _at, domain = handle.partition("@")
        return await browsing.remote_community_uri(request.app.state.pool, name, domain)
    return f"{request.app.state.config.base_url}/c/{handle}"


async def join(request: Request, user: User, form: FormData) -> Response:
    uri = await _community_uri(request)
    if uri is None:
        return await not_found(request, _("There is no such community here."))
    await follows.join(
        request.app.state.pool, request.app.state.config, request.app.state.network,
        user.actor.username, uri,
    )  # fmt: skip
    return done(
        request,
        f"/c/{request.path_params['handle']}",
        _("You joined the community (or asked to, where its facilitators approve each member)."),
    )


async def leave(request: Request, user: User, form: FormData) -> Response:
    """Asks first (web.confirmations); the last facilitator names a successor
    (services.leaving)."""
    uri = await _community_uri(request)
    if uri is None:
        return await not_found(request, _("There is no such community here."))
    back = f"/c/{request.path_params['handle']}"
    pool = request.app.state.pool
    successor = str(form.get("successor", "")).strip() or None
    prospect = await leaving.succession_for(pool, user.actor.username, uri)
    if not confirmed(form) or (prospect.last and successor is None):
        name = prospect.community.display_name or prospect.community.username
        consequence = _(
            "You will no longer be a member of %(name)s: its new threads stop reaching you, "
            "and you can join again later.",
            name=name,
        )
        if prospect.facilitates:
            consequence = _(
                "You will no longer be a member of %(name)s, and you stop facilitating it. "
                "You can join again later, but another facilitator would have to make you "
                "a facilitator again.",
                name=name,
            )
        question = confirmations.Question(
            heading=_("Leave %(name)s?", name=name),
            consequence=consequence,
            button=_("Leave %(name)s", name=name),
            back=back,
        )
        return await confirmations.ask(
            request, form, question, successors=prospect.candidates if prospect.last else None
        )
    await follows.leave(pool, request.app.state.config, user.actor.username, uri, successor)
    return done(request, back, _("You left the community."))


async def _post(request: Request) -> PostView | None:
    return await reading.post_by_id(request.app.state.pool, request.path_params["id"])


PostAction = Callable[[Request, User, FormData, PostView], Awaitable[Response]]


def on_post(action: PostAction) -> Action:
    """An action on the post /t/{id} names: it gets the post, or the person gets a 404."""

    async def with_post(request: Request, user: User, form: FormData) -> Response:
        found = await _post(request)
        if found is None:
            return await not_found(request, _("There is no such post here."))
        return await action(request, user, form, found)

    return with_post


async def like(request: Request, user: User, form: FormData, found: PostView) -> Response:
    await votes.vote(
        request.app.state.pool, request.app.state.config,
        voter=user.actor.username, post_uri=found.post.uri,
    )  # fmt: skip
    return done(request, addresses.post_path(found.post), _("You liked this post."))


async def unlike(request: Request, user: User, form: FormData, found: PostView) -> Response:
    await votes.unvote(
        request.app.state.pool, request.app.state.config,
        voter=user.actor.username, post_uri=found.post.uri,
    )  # fmt: skip
    return done(request, addresses.post_path(found.post), _("You no longer like this post."))


async def question(request: Request, user: User, form: FormData, found: PostView) -> Response:
    """Mark the thread a question, or not (its author or a facilitator)."""
    try:
        await questions.mark(
            request.app.state.pool, request.app.state.config, by=user.actor.username,
            thread_id=found.post.id, is_question=form.get("question") == "on",
        )  # fmt: skip
    except questions.NotAllowed as error:
        return await refused(request, str(error), 403)
    marked = (
        _("This thread is now a question.")
        if form.get("question") == "on"
        else _("This thread is no longer a question.")
    )
    return done(request, f"/t/{found.post.id}", marked)


async def accept(request: Request, user: User, form: FormData, found: PostView) -> Response:
    """Accept a reply as the question's answer; an empty `answer` withdraws it."""
    answer = str(form.get("answer", "")).strip()
    if answer and (not answer.isdigit() or len(answer) > 18):
        raise InvalidInput(_("the accepted answer must be a reply in this thread"))
    try:
        await questions.accept(
            request.app.state.pool, request.app.state.config, by=user.actor.username,
            thread_id=found.post.id, answer_id=int(answer) if answer else None,
        )  # fmt: skip
    except questions.NotAllowed as error:
        return await refused(request, str(error), 403)
    accepted = _("The answer is accepted.") if answer else _("The accepted answer is withdrawn.")
    return done(request, f"/t/{found.post.id}", accepted)


async def edit_page(request: Request) -> Response:
    current = await viewer(request)
    found = await _post(request)
    if found is None or current.user is None or found.author.id != current.user.actor.id:
        return await not_found(request, _("There is no post of yours to edit here."))
    return await render(request, "edit.html", view=found, text=editable_text(found.post))


async def edit(request: Request, user: User, form: FormData, found: PostView) -> Response:
    title = str(form.get("title", "")) or None
    await post_changes.edit(
        request.app.state.pool, request.app.state.config, author=user.actor.username,
        post_uri=found.post.uri, content=str(form.get("content", "")), title=title,
        files=composer.kept_files(form),
    )  # fmt: skip
    return done(request, addresses.post_path(found.post), _("Your changes are saved."))


def _excerpt(found: PostView) -> str:
    return " ".join(filter(None, [found.post.title or "", to_text(found.post.content)]))


def _author(found: PostView) -> str:
    return found.author.display_name or found.author.username


async def delete(request: Request, user: User, form: FormData, found: PostView) -> Response:
    thread_path = f"/t/{found.post.thread_id or found.post.id}"
    if not confirmed(form):
        thread = found.post.is_thread
        question = confirmations.Question(
            heading=_("Delete your thread?") if thread else _("Delete your reply?"),
            consequence=_(
                "Your thread will be deleted for everyone, here and on every server that has "
                "a copy; this cannot be undone."
            )
            if thread
            else _(
                "Your reply will be deleted for everyone, here and on every server that has "
                "a copy; this cannot be undone."
            ),
            button=_("Delete the thread") if thread else _("Delete the reply"),
            back=thread_path,
            excerpt=_excerpt(found),
        )
        return await confirmations.ask(request, form, question)
    await post_changes.delete(
        request.app.state.pool, request.app.state.config,
        author=user.actor.username, post_uri=found.post.uri,
    )  # fmt: skip
    return done(request, thread_path, _("Your post is deleted."))


def _moderation_question(found: PostView, kind: str, back: str) -> confirmations.Question | None:
    """What a facilitator is asked before a removal or a ban (None: no question)."""
    author = _author(found)
    if kind == "remove" and found.post.is_thread:
        return confirmations.Question(
            heading=_("Remove this thread by %(author)s?", author=author),
            consequence=_(
                "The thread will be removed for everyone, on every server; this cannot be "
                "undone. The moderation log keeps your reason."
            ),
            button=_("Remove the thread"),
            back=back,
            excerpt=_excerpt(found),
        )
    if kind == "remove":
        return confirmations.Question(
            heading=_("Remove this reply by %(author)s?", author=author),
            consequence=_(
                "The reply will be removed for everyone, on every server; this cannot be "
                "undone. The moderation log keeps your reason."
            ),
            button=_("Remove the reply"),
            back=back,
            excerpt=_excerpt(found),
        )
    if kind == "ban" and found.community is not None:
        community = found.community.display_name
        return confirmations.Question(
            heading=_("Ban %(person)s from %(community)s?", person=author, community=community),
            consequence=_(
                "%(person)s will no longer be able to post, reply or vote in %(community)s, "
                "from here or from their own server, until a facilitator lifts the ban. The "
                "moderation log keeps your reason.",
                person=author,
                community=community,
            ),
            button=_("Ban %(name)s", name=author),
            back=back,
        )
    if kind == "ban":
        return confirmations.Question(
            heading=_("Ban %(person)s from the community?", person=author),
            consequence=_(
                "%(person)s will no longer be able to post, reply or vote in the community, "
                "from here or from their own server, until a facilitator lifts the ban. The "
                "moderation log keeps your reason.",
                person=author,
            ),
            button=_("Ban %(name)s", name=author),
            back=back,
        )
    return None


async def moderate(request: Request, user: User, form: FormData, found: PostView) -> Response:
    kind = str(form.get("action", ""))
    reason = str(form.get("reason", "")).strip()
    back = f"/t/{found.post.thread_id or found.post.id}"
    question = _moderation_question(found, kind, back)
    if question is not None and not confirmed(form):
        return await confirmations.ask(request, form, question)
    target = found.author.uri if kind == "ban" else found.post.uri
    if found.community is None:
        raise InvalidInput(_("this post is in no community here: no facilitator moderates it"))
    pool = request.app.state.pool
    if not found.community.is_local and not await remote_facilitators.is_facilitator_of(
        pool, found.community, user.actor.id
    ):
        # Its own node would refuse it: say so now rather than send it.
        return await refused(request, _("Only this community's facilitators can do that."), 403)
    await moderation.act(
        request.app.state.pool, request.app.state.config, request.app.state.network,
        moderator=user.actor.username, community_uri=found.community.uri,
        action=moderation.Action(kind, target, reason),
    )  # fmt: skip
    if form.get("from") == "manage":  # the Facilitate page's controls come back to it
        community = found.community
        handle = community.username + (f"@{community.domain}" if community.domain else "")
        return done(request, f"/c/{handle}/manage", _(MODERATED[kind]))
    return done(request, back, _(MODERATED[kind]))


MODERATED = {
    "pin": N_("The thread is pinned."),
    "unpin": N_("The thread is no longer pinned."),
    "lock": N_("The thread is locked: it takes no new replies."),
    "unlock": N_("The thread is unlocked."),
    "remove": N_("It is removed."),
    "ban": N_("They are banned from the community."),
    "unban": N_("Their ban is lifted."),
    "add_facilitator": N_("They are a facilitator now."),
    "remove_facilitator": N_("They are no longer a facilitator."),
}


async def new_community_page(request: Request) -> Response:
    if (await viewer(request)).user is None:
        return go("/login?next=/communities/new")
    return await render(request, "new_community.html", name="", title="", purpose="")


async def new_community(request: Request, user: User, form: FormData) -> Response:
    name = str(form.get("name", "")).strip()
    try:
        await accounts.create_community(
            request.app.state.pool, request.app.state.config, name,
            title=str(form.get("title", "")), owner=user.actor.username,
            summary=markdown.render(str(form.get("purpose", ""))),
            private=form.get("private") == "on",
        )  # fmt: skip
    except ServiceError as error:
        return await render(
            request, "new_community.html", 400, error=str(error), name=name,
            title=str(form.get("title", "")), purpose=str(form.get("purpose", "")),
        )  # fmt: skip
    return done(
        request, f"/c/{name}", _("Your community is created: you are its first facilitator.")
    )


async def search(request: Request) -> Response:
    """A name here, `@name@other.node`, or a URL: go to that community or person; other words
    are searched for (web.search_results)."""
    query = request.query_params.get("q", "").strip()[:300]
    pool, network = request.app.state.pool, request.app.state.network
    if search_results.narrows_posts(request, query):
        return await search_results.results(request, query)
    if not query:
        return go("/")
    if "@" not in query.lstrip("@") and not query.startswith(("https://", "http://")):
        local = await remote_actors.local_named(pool, query.lstrip("@"))
        if local is not None:
            return go(local)
        return await search_results.results(request, query)
    try:
        found = await remote_actors.look_up(pool, network, query)
    except (remote_actors.ActorError, FetchError) as error:
        return await not_found(
            request, _("Nothing found for “%(query)s”: %(error)s", query=query, error=str(error))
        )
    if found.is_local:
        kind = "c" if found.actor_type == "Group" else "u"
        return go(f"/{kind}/{found.username}")
    kind = "c" if found.actor_type == "Group" else "u"
    return go(f"/{kind}/{found.username}@{found.domain}")


routes = [
    Route("/search", search, methods=["GET"]),
    Route("/communities/new", new_community_page, methods=["GET"]),
    Route("/communities/new", signed_in_action(new_community), methods=["POST"]),
    Route("/c/{handle}/join", signed_in_action(join), methods=["POST"]),
    Route("/c/{handle}/leave", signed_in_action(leave), methods=["POST"]),
    Route("/c/{handle}/threads", composer.new_thread, methods=["POST"]),
    Route("/t/{id:id}/reply", composer.reply, methods=["POST"]),
    Route("/t/{id:id}/like", signed_in_action(on_post(like)), methods=["POST"]),
    Route("/t/{id:id}/unlike", signed_in_action(on_post(unlike)), methods=["POST"]),
    Route("/t/{id:id}/question", signed_in_action(on_post(question)), methods=["POST"]),
    Route("/t/{id:id}/accept", signed_in_action(on_post(accept)), methods=["POST"]),
    Route("/t/{id:id}/edit", edit_page, methods=["GET"]),
    Route("/t/{id:id}/edit", signed_in_action(on_post(edit)), methods=["POST"]),
    Route("/t/{id:id}/delete", signed_in_action(on_post(delete)), methods=["POST"]),
    Route("/t/{id:id}/moderate", signed_in_action(on_post(moderate)), methods=["POST"]),
]
