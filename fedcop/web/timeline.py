"""/home: the signed-in person's home timeline, as the client API's `GET
/api/v1/timelines/home` gives it to apps: posts in the communities they joined, posts of the
people they follow (kept outside communities: services.followed_posts), their own posts, and
the boosts of the people they follow, newest first."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.services import status_views, timelines
from fedcop.store.timelines import Window
from fedcop.web.render import go, render
from fedcop.web.session import viewer

PAGE_SIZE = 30


async def home_timeline(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/home")
    before_text = request.query_params.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 19 else None
    pool = request.app.state.pool
    found = await timelines.home(pool, current.user, Window(before, None, PAGE_SIZE))
    entries = await status_views.entry_views(pool, current.user.actor.id, found)
    older = found[-1].id if len(found) == PAGE_SIZE else None
    return await render(request, "timeline.html", entries=entries, older=older)


routes = [Route("/home", home_timeline, methods=["GET"])]
