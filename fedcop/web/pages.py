"""Pages a browser sees at the same URLs ActivityPub clients read."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from fedcop.config import Config
from fedcop.services import node as node_service
from fedcop.services import reading
from fedcop.services.reading import PostView
from fedcop.store.actors import LocalActor

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    enable_async=False,
)


def render(request: Request, template: str, status_code: int = 200, **context: object) -> Response:
    config: Config = request.app.state.config
    html = _env.get_template(template).render(
        node_name=config.node_name, domain=config.domain, **context
    )
    return HTMLResponse(html, status_code=status_code, headers={"Vary": "Accept"})


async def home(request: Request) -> Response:
    listing = await node_service.listing(request.app.state.pool)
    communities = [entry for entry in listing if entry.actor_type == "Group"]
    return render(request, "home.html", communities=communities)


async def actor_page(request: Request, local: LocalActor) -> Response:
    facilitators = []
    if local.actor.actor_type == "Group":
        facilitators = await node_service.facilitators(request.app.state.pool, local.actor.id)
    return render(request, "actor.html", local=local, actor=local.actor, facilitators=facilitators)


async def post_page(request: Request, view: PostView) -> Response:
    replies = (
        await reading.thread(request.app.state.pool, view.post.id) if view.post.is_thread else []
    )
    return render(request, "post.html", view=view, replies=replies)


ACTION_WORDS = {
    "lock": "locked",
    "unlock": "unlocked",
    "remove": "removed",
    "pin": "pinned",
    "unpin": "unpinned",
    "ban": "banned",
    "unban": "lifted the ban on",
    "add_facilitator": "made a facilitator:",
    "remove_facilitator": "removed as facilitator:",
}


async def moderation_log(request: Request) -> Response:
    """What the facilitators of a community did, and why: public, as trust needs it to be."""
    local = await node_service.find_local_of_type(
        request.app.state.pool, request.path_params["name"], "Group"
    )
    if local is None or local.private:
        return not_found(request, "There is no such community on this node.")
    entries = await node_service.moderation_log(request.app.state.pool, local.actor.id)
    return render(
        request, "modlog.html", community=local.actor, entries=entries, words=ACTION_WORDS
    )


def not_found(request: Request, message: str) -> Response:
    return render(request, "error.html", status_code=404, title="Not found", message=message)
