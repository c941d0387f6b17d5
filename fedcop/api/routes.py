"""Every route of the client API, in one list for the app."""

from __future__ import annotations

from starlette.routing import BaseRoute

from fedcop.api import (
    accounts,
    conversations,
    directory,
    follow_requests,
    instance,
    markers,
    media,
    notifications,
    oauth,
    polls,
    reports,
    search,
    status_edits,
    status_marks,
    statuses,
    stubs,
    tags,
    timelines,
)

routes: list[BaseRoute] = [
    *oauth.routes,
    *instance.routes,
    *accounts.routes,
    *directory.routes,
    *follow_requests.routes,
    *statuses.routes,
    *media.routes,
    *polls.routes,
    *status_marks.routes,
    *tags.routes,
    *status_edits.routes,
    *timelines.routes,
    *notifications.routes,
    *conversations.routes,
    *markers.routes,
    *reports.routes,
    *search.routes,
    *stubs.routes,
]
