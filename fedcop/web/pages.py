"""Pages people read: the node's home, communities (here or elsewhere), threads, profiles."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from fedcop.i18n.current import N_, _
from fedcop.routes.responses import wants_activity_json
from fedcop.services import browsing, crossposts, names, questions, reading, summaries
from fedcop.services import node as node_service
from fedcop.services.knowledge import from_posts
from fedcop.services.mail import choices as mail_choices
from fedcop.services.polls import views as poll_views
from fedcop.services.reading import PostView
from fedcop.store.actors import LocalActor
from fedcop.web import addresses, reply_tree
from fedcop.web.mail import notices as mail_notices
from fedcop.web.messages import pages as messages_pages
from fedcop.web.render import STATIC, TEMPLATES, not_found, render
from fedcop.web.session import viewer

__all__ = ["STATIC", "TEMPLATES", "actor_page", "home", "not_found", "post_page"]


async def home(request: Request) -> Response:
    pool = request.app.state.pool
    settings = await node_service.settings(pool)
    communities = await browsing.local_communities(pool)
    return await render(
        request, "home.html", settings=settings, communities=communities,
        recent_threads=await browsing.recent_threads(pool),
        mail_off=await mail_notices.mail_off(request),
    )  # fmt: skip


async def actor_page(request: Request, local: LocalActor) -> Response:
    if local.actor.actor_type == "Group":
        return await community_page(request, local.actor.uri)
    return await profile_page(request, local.actor.uri)


async def community_page(request: Request, community_uri: str) -> Response:
    pool = request.app.state.pool
    current = await viewer(request)
    active = request.query_params.get("sort") == "active"
    wanted = request.query_params.get("filter")
    question_filter = wanted if wanted in questions.FILTERS else None
    view = await browsing.community(
        pool, community_uri, current.user.actor.id if current.user else None,
        active_first=active, question_filter=question_filter,
    )  # fmt: skip
    if view is None:
        return await not_found(request, _("There is no such community here."))
    mail_mode = None
    if current.user is not None and view.membership == "accepted":
        mail_mode = await mail_choices.mode_in(pool, current.user.actor.id, view.community.id)
    return await render(
        request, "community.html", view=view, community=view.community, active=active,
        question_filter=question_filter, mail_mode=mail_mode, mail_labels=mail_choices.LABELS,
    )  # fmt: skip


async def remote_community_page(request: Request) -> Response:
    """/c/{name}@{domain}: a community on another node, as this node knows it."""
    name, _at, domain = request.path_params["handle"].partition("@")
    uri = await browsing.remote_community_uri(request.app.state.pool, name, domain)
    if uri is None:
        return await not_found(
            request,
            _(
                "This node does not know %(address)s yet: search for it first.",
                address=f"{name}@{domain}",
            ),
        )
    return await community_page(request, uri)


async def remote_profile_page(request: Request) -> Response:
    """/u/{name}@{domain}: a person on another node, from the actor document this node keeps."""
    name, _at, domain = request.path_params["handle"].partition("@")
    uri = await browsing.remote_person_uri(request.app.state.pool, name, domain)
    if uri is None:
        return await not_found(
            request,
            _(
                "This node does not know %(address)s yet: search for them first.",
                address=f"{name}@{domain}",
            ),
        )
    return await profile_page(request, uri)


async def profile_page(request: Request, actor_uri: str) -> Response:
    current = await viewer(request)
    view = await browsing.profile(
        request.app.state.pool, actor_uri, current.user.actor.id if current.user else None
    )
    if view is None:
        return await not_found(request, _("There is no such person here."))
    return await render(request, "profile.html", view=view)


async def post_page(request: Request, view: PostView) -> Response:
    """A thread and its replies; a reply's own address (/t/ID, its ActivityPub id) shows its
    thread opened at that reply."""
    pool = request.app.state.pool
    focus: int | None = None
    if not view.post.is_thread and view.post.thread_id is not None:
        thread_view = await reading.post_by_id(pool, view.post.thread_id)
        if thread_view is not None:
            if _a_browser(request):
                # The address with #post-ID lands the browser at the reply and highlights it.
                return RedirectResponse(addresses.post_path(view.post, thread_view.post), 302)
            focus = view.post.id
            view = thread_view
    replies = await reading.thread(pool, view.post.id)
    accepted = next((r for r in replies if r.post.id == view.post.accepted_answer_id), None)
    current = await viewer(request)
    reader = current.user.actor.id if current.user else None
    permissions = await browsing.permissions(pool, view, reader)
    reply_may = await browsing.reply_permissions(pool, view, replies, reader)
    return await render(
        request,
        "post.html",
        view=view,
        replies=reply_tree.tree(view, replies, reply_may, focus),
        reply_count=len(replies),
        canonical=addresses.thread_path(view.post),
        may=permissions,
        also_in=await crossposts.also_posted_in(pool, view.post.id),
        accepted=accepted if accepted is not None and not accepted.post.is_gone else None,
        may_settle=await questions.may_settle(pool, view, current.user),
        poll=await poll_views.view(
            pool, current.user.actor.id if current.user else None, view.post.id
        ),
        summary=await summaries.current(pool, view.post.id) if view.post.is_thread else None,
        may_summarise=await summaries.may_write(pool, view, current.user),
        kb_offer=await from_posts.offer(pool, view.post.id, current.user.actor.id)
        if current.user and view.post.is_thread
        else None,
    )


def _a_browser(request: Request) -> bool:
    """A person's browser (it asks for HTML by name), not a script reading the page."""
    return "text/html" in request.headers.get("accept", "")


async def thread_page(request: Request) -> Response:
    """/t/{id} and /t/{id}/{slug}: any post this node keeps, by its number here. A thread's
    slug is checked against its title: a wrong or outdated one is corrected by a redirect."""
    pool = request.app.state.pool
    found = await reading.post_by_id(pool, request.path_params["id"])
    config = request.app.state.config
    if (
        found is not None
        and wants_activity_json(request)
        and found.post.uri.startswith(config.base_url + "/")
    ):
        # A thread's page pasted into another server's search: its document lives at its id.
        return RedirectResponse(found.post.uri, 302, headers={"Vary": "Accept"})
    if found is not None and found.post.visibility == "direct":
        # A direct message is read in its conversation, by the people in it.
        return await messages_pages.message_redirect(request, found.post)
    current = await viewer(request)
    reader = current.user.actor.id if current.user else None
    if (
        found is None
        or found.post.removed_at is not None
        or not await reading.may_read(pool, found, reader)
    ):
        return await not_found(request, _("There is no such post here."))
    given = request.path_params.get("slug")
    if given is not None and given != addresses.slug(
        found.post.title if found.post.is_thread else ""
    ):
        # (a reply has no slug of its own: its address is its thread's, at the reply)
        right = addresses.post_path(found.post)
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(right + query, 301)
    return await post_page(request, found)


async def moderation_log(request: Request) -> Response:
    """What the facilitators of a community did, and why: public, as trust needs it to be."""
    local = await node_service.find_local_of_type(
        request.app.state.pool, request.path_params["name"], "Group"
    )
    if local is None or local.private:
        return await not_found(request, _("There is no such community on this node."))
    pool = request.app.state.pool
    entries = await node_service.moderation_log(pool, local.actor.id)
    uris = [uri for entry in entries for uri in (entry.moderator_uri, entry.target_uri) if uri]
    return await render(
        request, "modlog.html", community=local.actor, entries=entries, words=ACTION_WORDS,
        names=await names.lookup(pool, uris),
    )  # fmt: skip


# What each logged action reads as: a whole sentence, who did it and to what filled in.
ACTION_WORDS = {
    "lock": N_("%(moderator)s locked %(target)s"),
    "unlock": N_("%(moderator)s unlocked %(target)s"),
    "remove": N_("%(moderator)s removed %(target)s"),
    "pin": N_("%(moderator)s pinned %(target)s"),
    "unpin": N_("%(moderator)s unpinned %(target)s"),
    "ban": N_("%(moderator)s banned %(target)s"),
    "unban": N_("%(moderator)s lifted the ban on %(target)s"),
    "add_facilitator": N_("%(moderator)s made a facilitator: %(target)s"),
    "remove_facilitator": N_("%(moderator)s removed as facilitator: %(target)s"),
    "set_stage": N_("%(moderator)s set the stage of %(target)s"),
}
