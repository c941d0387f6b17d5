"""/notifications: what the signed-in person was told, newest first, in sentences (the same
notifications as the client API's): replies and mentions, likes, boosts, follows, requests to
join a community they facilitate and the decisions on their own requests, reports for them to
look at, accepted answers, ended polls, and changes to the knowledge-base pages they watch.

Reading: opening the page (its newest notifications, unfiltered) marks what it shows as read,
as Mastodon's web interface does with its notifications column, by moving the notifications
marker the client API's apps share; "Mark all as read" does the same for everything. What was
new when the page opened stays highlighted on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.services import markers, notifications, status_views
from fedcop.services.knowledge.notices import PageNotice, notices
from fedcop.store.actors import Actor
from fedcop.store.notifications import Notification, ReportFacts
from fedcop.store.posts import Post
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.render import go, render
from fedcop.web.session import viewer

PAGE_SIZE = 40
# ?kind= on the page: which kinds each choice shows (none: every kind).
FILTERS = {"mentions": ["mention"]}


def actor_path(actor: Actor) -> str:
    """Where a person or a community is shown here."""
    prefix = "/c/" if actor.actor_type == "Group" else "/u/"
    return prefix + (actor.username if actor.is_local else f"{actor.username}@{actor.domain}")


def actor_name(actor: Actor) -> str:
    return actor.display_name or actor.username


@dataclass(frozen=True)
class Told:
    id: int
    kind: str
    by: Actor
    at: datetime
    unread: bool
    post: Post | None = None
    page: PageNotice | None = None
    community: Actor | None = None  # join_request: the community; report: the reported one's
    report: ReportFacts | None = None
    reported: Actor | None = None  # report: the person reported
    thread_title: str | None = None  # the title of the post's thread, for a reply

    @property
    def by_path(self) -> str:
        return actor_path(self.by)

    @property
    def by_name(self) -> str:
        return actor_name(self.by)

    @property
    def post_path(self) -> str | None:
        if self.post is None:
            return None
        thread = self.post.thread_id or self.post.id
        return f"/t/{thread}" + (f"#post-{self.post.id}" if self.post.thread_id else "")

    @property
    def post_name(self) -> str:
        """What the link to the post reads: its title, or its thread's."""
        if self.post is None:
            return ""
        return self.post.title or self.thread_title or "a post"

    @property
    def reported_path(self) -> str | None:
        return actor_path(self.reported) if self.reported is not None else None

    @property
    def reported_name(self) -> str:
        return actor_name(self.reported) if self.reported is not None else "someone"

    @property
    def community_path(self) -> str | None:
        return actor_path(self.community) if self.community is not None else None

    @property
    def manage_path(self) -> str:
        """Where the recipient decides a request or looks at a report."""
        if self.community is None:
            return "/admin#reports-heading"
        anchor = "#requests-heading" if self.kind == "join_request" else "#reports-heading"
        return f"{actor_path(self.community)}/manage{anchor}"


async def notifications_page(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/notifications")
    pool, me = request.app.state.pool, current.user.actor.id
    chosen = request.query_params.get("kind", "")
    before_text = request.query_params.get("before", "")
    # ?before= pages back; anything but an id (a bigint) is the first page.
    before = int(before_text) if before_text.isdigit() and len(before_text) <= 18 else None
    found = await notifications.page(
        pool, me, notifications.Filter(FILTERS.get(chosen), [], None), before=before,
        after=None, limit=PAGE_SIZE, oldest_first=False,
    )  # fmt: skip
    last_read = await markers.last_read(pool, me, "notifications") or 0
    told = await _told(request, me, found, last_read)
    if found and before is None and chosen not in FILTERS:
        # The newest notifications, all kinds: what the page shows is read from now on.
        await notifications.mark_read(pool, me, found[0].id)
    # Offered while anything (of any kind, shown here or not) is still unread.
    any_unread = await notifications.header_count(pool, me) > 0
    return await render(
        request,
        "notifications.html",
        told=told,
        chosen=chosen if chosen in FILTERS else "",
        older=found[-1].id if len(found) == PAGE_SIZE else None,
        any_unread=any_unread,
    )


async def _told(request: Request, me: int, found: list[Notification], last_read: int) -> list[Told]:
    """The notifications as sentences can show them, leaving out what the reader may no longer
    see (a post they cannot read, a page of a community they left)."""
    pool = request.app.state.pool
    report_facts = await notifications.reports(
        pool, [i.report_id for i in found if i.report_id is not None]
    )
    actor_ids = [item.from_id for item in found]
    actor_ids += [i.community_id for i in found if i.community_id is not None]
    actor_ids += [r.community_id for r in report_facts.values() if r.community_id is not None]
    actor_ids += [r.account_id for r in report_facts.values() if r.account_id is not None]
    actors = await status_views.actors(pool, actor_ids)
    posts = await status_views.posts(pool, [i.post_id for i in found if i.post_id is not None])
    threads = await status_views.posts(
        pool, [p.thread_id for p in posts.values() if p.thread_id is not None]
    )
    readable = {v.post.id for v in await status_views.views(pool, me, list(posts.values()))}
    pages = await notices(
        pool, [(i.kb_page_id, i.kb_version or 0) for i in found if i.kb_page_id is not None], me
    )
    told = []
    for item in found:
        by = actors.get(item.from_id)
        if by is None:
            continue
        post = posts.get(item.post_id) if item.post_id is not None else None
        if item.post_id is not None and (post is None or post.id not in readable):
            continue
        page = pages.get((item.kb_page_id, item.kb_version or 0)) if item.kb_page_id else None
        if item.kb_page_id is not None and page is None:
            continue
        report = report_facts.get(item.report_id) if item.report_id is not None else None
        if item.report_id is not None and report is None:
            continue
        community_id = item.community_id or (report.community_id if report else None)
        community = actors.get(community_id) if community_id is not None else None
        if item.community_id is not None and community is None:
            continue
        reported = actors.get(report.account_id) if report and report.account_id else None
        thread = threads.get(post.thread_id) if post is not None and post.thread_id else None
        told.append(
            Told(
                item.id, item.kind, by, item.created_at, item.id > last_read, post, page,
                community, report, reported, thread.title if thread is not None else None,
            )
        )  # fmt: skip
    return told


async def mark_all_read(request: Request, user: User, form: FormData) -> Response:
    await notifications.mark_read(request.app.state.pool, user.actor.id)
    chosen = str(form.get("kind", ""))
    return go("/notifications" + (f"?kind={chosen}" if chosen in FILTERS else ""))


routes = [
    Route("/notifications", notifications_page, methods=["GET"]),
    Route("/notifications/read", signed_in_action(mark_all_read), methods=["POST"]),
]
