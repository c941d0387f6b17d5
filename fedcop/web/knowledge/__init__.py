"""A community's knowledge base on the web, under /c/{name}/kb (here, or name@domain for the
copies kept here of a community's pages elsewhere):

    GET  /c/{name}/kb                       the index, the charter first
    GET  /c/{name}/kb/feed.atom             its changes, newest first (feed.py)
    GET  /c/{name}/kb/new, POST             write a new page
    GET  /c/{name}/kb/{slug}                a page: its editors, its last change, watch
    GET  /c/{name}/kb/{slug}/edit, POST     edit from a base version; a conflict shows both
    GET  /c/{name}/kb/{slug}/history        who changed what and when
    GET  /c/{name}/kb/{slug}/diff?from=&to= the difference between two versions
    GET  /c/{name}/kb/{slug}/v/{n}          an old version as it was
    POST /c/{name}/kb/{slug}/restore        a new version with an old one's text
    POST /c/{name}/kb/{slug}/watch|unwatch
    POST /t/{id}/kb                         a post made a page, or added to one
    POST /c/{name}/manage/kb                who may edit (Facilitate page)
"""

from __future__ import annotations

from starlette.routing import Route

from fedcop.web.actions import signed_in_action
from fedcop.web.composer import signed_in_with_files
from fedcop.web.knowledge import actions, feed, pages

routes = [
    Route("/c/{name}/kb", pages.index, methods=["GET"]),
    Route("/c/{name}/kb/feed.atom", feed.changes_feed, methods=["GET"]),
    Route("/c/{name}/kb/new", pages.new_page, methods=["GET"]),
    Route("/c/{name}/kb/new", signed_in_with_files(actions.create), methods=["POST"]),
    Route("/c/{name}/kb/{slug}", pages.page, methods=["GET"]),
    Route("/c/{name}/kb/{slug}/edit", pages.edit_page, methods=["GET"]),
    Route("/c/{name}/kb/{slug}/edit", signed_in_with_files(actions.edit), methods=["POST"]),
    Route("/c/{name}/kb/{slug}/history", pages.history_page, methods=["GET"]),
    Route("/c/{name}/kb/{slug}/diff", pages.diff_page, methods=["GET"]),
    Route("/c/{name}/kb/{slug}/v/{version}", pages.version_page, methods=["GET"]),
    Route("/c/{name}/kb/{slug}/restore", signed_in_action(actions.restore), methods=["POST"]),
    Route("/c/{name}/kb/{slug}/watch", signed_in_action(actions.watch), methods=["POST"]),
    Route("/c/{name}/kb/{slug}/unwatch", signed_in_action(actions.unwatch), methods=["POST"]),
    Route("/t/{id:id}/kb", signed_in_action(actions.from_post), methods=["POST"]),
    Route("/c/{name}/manage/kb", signed_in_action(actions.set_editors), methods=["POST"]),
]
