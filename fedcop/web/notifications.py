"""/notifications: what the signed-in person was told, newest first, in sentences (the same
notifications as the client API's): replies and mentions, likes, boosts, follows, accepted
answers, and changes to the knowledge-base pages they watch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.services import notifications, status_views
from fedcop.services.knowledge.notices import PageNotice, notices
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.web.render import go, render
from fedcop.web.session import viewer

PAGE_SIZE = 40
# What happened, after the name of who did it.
SENTENCES = {
    "mention": "replied to you or mentioned you in",
    "status": "posted",
    "reblog": "boosted your post",
    "favourite": "liked your post",
    "update": "edited",
    "follow": "follows you",
    "follow_request": "asks to follow you",
    "answer_accepted": "accepted an answer:",
    "page_changed": "changed a page you watch:",
    "page_edit_conflicted": "changed a page before your edit of it reached its community, so "
    "your edit was not saved; merge it with theirs:",
    "poll": "ran a poll that has ended:",
}


@dataclass(frozen=True)
class Told:
    kind: str
    sentence: str
    by: Actor
    at: datetime
    post: Post | None = None
    page: PageNotice | None = None

    @property
    def post_path(self) -> str | None:
        if self.post is None:
            return None
        thread = self.post.thread_id or self.post.id
        return f"/t/{thread}" + (f"#post-{self.post.id}" if self.post.thread_id else "")


async def notifications_page(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/notifications")
    pool, me = request.app.state.pool, current.user.actor.id
    found = await notifications.page(
        pool, me, notifications.Filter(None, [], None), before=None, after=None,
        limit=PAGE_SIZE, oldest_first=False,
    )  # fmt: skip
    senders = await status_views.actors(pool, [item.from_id for item in found])
    posts = await status_views.posts(pool, [i.post_id for i in found if i.post_id is not None])
    readable = {v.post.id for v in await status_views.views(pool, me, list(posts.values()))}
    pages = await notices(
        pool, [(i.kb_page_id, i.kb_version or 0) for i in found if i.kb_page_id is not None], me
    )
    told = []
    for item in found:
        by = senders.get(item.from_id)
        if by is None:
            continue
        post = posts.get(item.post_id) if item.post_id is not None else None
        if item.post_id is not None and (post is None or post.id not in readable):
            continue
        page = pages.get((item.kb_page_id, item.kb_version or 0)) if item.kb_page_id else None
        if item.kb_page_id is not None and page is None:
            continue
        sentence = SENTENCES.get(item.kind, item.kind)
        told.append(Told(item.kind, sentence, by, item.created_at, post, page))
    return await render(request, "notifications.html", told=told)


routes = [Route("/notifications", notifications_page, methods=["GET"])]
