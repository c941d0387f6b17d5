"""Notifications of the signed-in user.

GET  /api/v1/notifications               read:notifications  types[], exclude_types[],
                                                             account_id, paging, Link header
GET  /api/v1/notifications/unread_count  read:notifications  newer than the notifications marker
GET  /api/v1/notifications/:id           read:notifications
POST /api/v1/notifications/:id/dismiss   write:notifications
POST /api/v1/notifications/clear         write:notifications
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api import knowledge_notifications
from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import account, timestamp
from fedcop.api.errors import not_found
from fedcop.api.pagination import Page, link_header
from fedcop.api.polls import attach_polls
from fedcop.api.status_entities import status
from fedcop.routes.responses import json_response
from fedcop.services import markers, notifications, status_views
from fedcop.services.account_cards import AccountCard
from fedcop.services.knowledge.notices import notices
from fedcop.store.notifications import Notification, ReportFacts
from fedcop.store.users import User

# Kinds that come with a status: without one the viewer may read, they are not shown.
WITH_STATUS = frozenset(
    {"mention", "status", "reblog", "favourite", "update", "answer_accepted", "poll"}
)
# Kinds Mastodon apps do not know, as the nearest kind they show (an unknown one they hide):
# an accepted answer reads as its acceptor endorsing the answer, "X favourited" it.
CLIENT_KINDS = {"answer_accepted": "favourite"}
# A watched knowledge-base page changed: an `update` whose status stands for the change
# (api.knowledge_notifications).
CLIENT_KINDS["page_changed"] = knowledge_notifications.CLIENT_KIND
# An edit of a page elsewhere refused as a conflict: the same `update`, from whoever made the
# version it conflicted with, whose status links to the page that shows both texts.
CLIENT_KINDS["page_edit_conflicted"] = knowledge_notifications.CLIENT_KIND
# A request to join a community the user facilitates: Mastodon's follow request, which apps
# let the user authorize or reject (/api/v1/follow_requests decides community requests too).
CLIENT_KINDS["join_request"] = "follow_request"
# A report for the user to look at: Mastodon's moderator notification, with its Report.
CLIENT_KINDS["report"] = "admin.report"
# The decision on the user's own request to join a community (the account: the community)
# has no Mastodon type: fedcop's own types, which Mastodon apps skip as they skip every type
# they do not know; "join_accepted" and "join_refused" (docs/client-api.md).


# Kinds that `types[]` / `exclude_types[]` also select by the type apps see them as: a join
# request is a follow request and a report an `admin.report` for every app (an accepted
# answer or a changed page, shown as the nearest type, is selected by its own kind alone).
FILTERED_AS_SHOWN = ("join_request", "report")


def stored_kinds(client_kinds: list[str]) -> list[str]:
    """The kinds kept here that `types[]` / `exclude_types[]` name."""
    return [
        *client_kinds,
        *(kind for kind in FILTERED_AS_SHOWN if CLIENT_KINDS[kind] in client_kinds),
    ]


async def _render(call: Call, user: User, found: list[Notification]) -> list[dict[str, Any]]:
    """Notification entities, with accounts and statuses gathered for the whole page at once."""
    senders = await status_views.actors(call.pool, [item.from_id for item in found])
    cards = await status_views.account_cards(call.pool, list(senders.values()))
    post_ids = [item.post_id for item in found if item.post_id is not None]
    posts = await status_views.posts(call.pool, post_ids)
    views = {
        view.post.id: view
        for view in await status_views.views(call.pool, user.actor.id, list(posts.values()))
    }
    report_facts = await notifications.reports(
        call.pool, [item.report_id for item in found if item.report_id is not None]
    )
    page_changes = await notices(
        call.pool,
        [(item.kb_page_id, item.kb_version or 0) for item in found if item.kb_page_id is not None],
        user.actor.id,
    )
    rendered = []
    for item in found:
        if item.from_id not in cards:
            continue
        entity: dict[str, Any] = {
            "id": str(item.id),
            "type": CLIENT_KINDS.get(item.kind, item.kind),
            "created_at": timestamp(item.created_at),
            "group_key": f"ungrouped-{item.id}",
            "account": account(cards[item.from_id], call.config),
        }
        if item.kb_page_id is not None:
            notice = page_changes.get((item.kb_page_id, item.kb_version or 0))
            if notice is None:
                continue
            entity["status"] = knowledge_notifications.page_status(
                item, notice, entity["account"], call.config
            )
        elif item.report_id is not None:
            facts = report_facts.get(item.report_id)
            target = await _report_target(call, facts)
            if facts is None or target is None:
                continue
            entity["report"] = report_entity(facts, account(target, call.config))
        elif item.post_id is not None:
            view = views.get(item.post_id)
            if view is None:
                continue
            entity["status"] = status(view, call.config, with_viewer=True)
        elif item.kind in WITH_STATUS:
            continue
        rendered.append(entity)
    await attach_polls(call.pool, user.actor.id, [e["status"] for e in rendered if "status" in e])
    return rendered


async def _report_target(call: Call, facts: ReportFacts | None) -> AccountCard | None:
    if facts is None or facts.account_id is None:
        return None
    found = await status_views.actors(call.pool, [facts.account_id])
    cards = await status_views.account_cards(call.pool, list(found.values()))
    return cards.get(facts.account_id)


def report_entity(facts: ReportFacts, target: dict[str, Any]) -> dict[str, Any]:
    """Mastodon's Report, as a moderator's `admin.report` notification carries it."""
    return {
        "id": str(facts.id),
        "action_taken": not facts.open,
        "action_taken_at": None,
        "category": facts.category,
        "comment": facts.reason,
        "forwarded": facts.forwarded,
        "created_at": timestamp(facts.created_at),
        "status_ids": [str(post_id) for post_id in facts.post_ids] or None,
        "rule_ids": None,
        "target_account": target,
    }


@endpoint("read:notifications", user=True)
async def index(call: Call) -> Response:
    me = call.me()
    page = Page.of(call.params, default=40, most=80)
    kinds = call.params.texts("types")
    wanted = notifications.Filter(
        kinds=stored_kinds(kinds) or None,
        excluded=stored_kinds(call.params.texts("exclude_types")),
        from_id=call.params.id("account_id"),
    )
    found = await notifications.page(
        call.pool,
        me.actor.id,
        wanted,
        before=page.max_id,
        after=page.lower,
        limit=page.limit,
        oldest_first=page.oldest_first,
    )
    return json_response(
        await _render(call, me, found),
        headers=link_header(call.request, [item.id for item in found]),
    )


@endpoint("read:notifications", user=True)
async def show(call: Call) -> Response:
    me = call.me()
    found = await notifications.one(call.pool, me.actor.id, call.path_id())
    rendered = await _render(call, me, [found]) if found is not None else []
    if not rendered:
        raise not_found()
    return json_response(rendered[0])


@endpoint("write:notifications", user=True)
async def dismiss(call: Call) -> Response:
    if not await notifications.dismiss(call.pool, call.me().actor.id, call.path_id()):
        raise not_found()
    return json_response({})


@endpoint("write:notifications", user=True)
async def clear(call: Call) -> Response:
    await notifications.clear(call.pool, call.me().actor.id)
    return json_response({})


@endpoint("read:notifications", user=True)
async def unread_count(call: Call) -> Response:
    me = call.me()
    last_read = await markers.last_read(call.pool, me.actor.id, "notifications")
    return json_response(
        {"count": await notifications.unread_count(call.pool, me.actor.id, last_read)}
    )


routes: list[BaseRoute] = [
    Route("/api/v1/notifications", index, methods=["GET"]),
    Route("/api/v1/notifications/unread_count", unread_count, methods=["GET"]),
    Route("/api/v1/notifications/clear", clear, methods=["POST"]),
    Route("/api/v1/notifications/{id}", show, methods=["GET"]),
    Route("/api/v1/notifications/{id}/dismiss", dismiss, methods=["POST"]),
]
