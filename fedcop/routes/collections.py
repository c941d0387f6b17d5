"""Paged collections of an actor: a community's outbox (its threads, newest first), a person's
outbox (what they wrote that anyone may read, newest first) and the followers collection, whose
pages only members' servers may read.

    GET …/outbox                 OrderedCollection {totalItems, first}
    GET …/outbox?page=true[&max_id=N]      OrderedCollectionPage of Create activities
    GET …/followers              OrderedCollection {totalItems}, and `first` for members
    GET …/followers?page=true[&min_id=N]   a page of follower ids: signed by a member's server
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fedcop.documents.context import AS_CONTEXT
from fedcop.routes.authorized_fetch import verified_signer
from fedcop.routes.responses import activity_json, json_error
from fedcop.services import node as node_service
from fedcop.services import person_outbox, post_delivery, reading
from fedcop.store.actors import Actor
from federation.vocab import host_of

PAGE_SIZE = 20
FOLLOWERS_PAGE_SIZE = 100


def _int_param(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    return int(value) if value is not None and value.isdigit() and len(value) < 20 else None


async def outbox(request: Request, actor: Actor) -> Response:
    if actor.actor_type == "Person":
        return await _person_outbox(request, actor)
    collection_id = f"{actor.uri}/outbox"
    pool = request.app.state.pool
    if actor.actor_type != "Group" or actor.members_only:
        # A private community's threads are for its members, never in a public collection.
        return activity_json(_collection(collection_id, 0, None))
    if "page" not in request.query_params:
        total = await reading.thread_count(pool, actor.id)
        return activity_json(_collection(collection_id, total, f"{collection_id}?page=true"))
    before = _int_param(request, "max_id")
    threads = await reading.threads(pool, actor.id, before, PAGE_SIZE)
    return activity_json(await _create_page(request, collection_id, before, threads))


async def _person_outbox(request: Request, person: Actor) -> Response:
    """What a person wrote that anyone may read, as the Create activities that published it,
    newest first; paged by post id."""
    collection_id = f"{person.uri}/outbox"
    pool = request.app.state.pool
    if "page" not in request.query_params:
        total = await person_outbox.count(pool, person)
        return activity_json(_collection(collection_id, total, f"{collection_id}?page=true"))
    before = _int_param(request, "max_id")
    written = await person_outbox.page(pool, person, before, PAGE_SIZE)
    return activity_json(await _create_page(request, collection_id, before, written))


async def _create_page(
    request: Request, collection_id: str, before: int | None, views: list[reading.PostView]
) -> dict[str, Any]:
    """An outbox page: each post as the Create that published it (its object the document
    /p/{n} serves), and `next` when the page is full."""
    config = request.app.state.config
    items: list[dict[str, Any]] = []
    for view in views:
        if view.community is None:
            continue  # a reply to a followed person's post: not listed (services.person_replies)
        document = await post_delivery.served(
            request.app.state.pool, config, view.post, view.author, view.community
        )
        items.append(
            {
                "id": view.post.create_uri or f"{view.post.uri}#create",
                "type": "Create",
                "actor": view.author.uri,
                "to": document.get("to", []),
                "cc": document.get("cc", []),
                "object": {k: v for k, v in document.items() if k != "@context"},
            }
        )
    page: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": f"{collection_id}?page=true" + (f"&max_id={before}" if before else ""),
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": items,
    }
    if len(views) == PAGE_SIZE:
        page["next"] = f"{collection_id}?page=true&max_id={views[-1].post.id}"
    return page


async def followers(request: Request, actor: Actor) -> Response:
    collection_id = f"{actor.uri}/followers"
    pool = request.app.state.pool
    if "page" not in request.query_params:
        count, _ = await node_service.follow_counts(pool, actor.id)
        return activity_json(_collection(collection_id, count, f"{collection_id}?page=true"))
    signer = await verified_signer(request)
    if isinstance(signer, Response):
        return signer
    host = host_of(signer.actor_uri) or ""
    if not await node_service.has_follower_on_host(pool, actor.id, host):
        return json_error("only servers with a member may list the members", 403)
    after = _int_param(request, "min_id")
    page = await node_service.follower_page(pool, actor.id, after, FOLLOWERS_PAGE_SIZE)
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": f"{collection_id}?page=true" + (f"&min_id={after}" if after else ""),
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": [uri for _, uri in page],
    }
    if len(page) == FOLLOWERS_PAGE_SIZE:
        document["next"] = f"{collection_id}?page=true&min_id={page[-1][0]}"
    response = activity_json(document)
    response.headers["Vary"] = "Signature, Accept"
    return response


def _collection(collection_id: str, total: int, first: str | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }
    if first is not None:
        document["first"] = first
    return document
