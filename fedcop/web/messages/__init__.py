"""Direct messages on the web, and what facilitators send privately:

GET  /messages                        conversations, newest first, and a form to write
POST /messages                        a new message to the people named (@name, @name@host)
GET  /messages/{id}                   one conversation (marked read), and a reply form
POST /messages/{id}                   an answer, to everyone in the conversation
GET  /c/{name}/checkins/new?member=ID a check-in to the chosen members (facilitators)
POST /c/{name}/checkins/new           one direct message to each
POST /c/{name}/manage/welcome         the welcome message (Facilitate page)
GET  /welcome                         where a newly registered person lands: communities
"""

from __future__ import annotations

from starlette.routing import Route

from fedcop.web.actions import signed_in_action
from fedcop.web.messages import checkins, pages, welcome

routes = [
    Route("/messages", pages.index, methods=["GET"]),
    Route("/messages", signed_in_action(pages.write), methods=["POST"]),
    Route("/messages/{id:id}", pages.conversation, methods=["GET"]),
    Route("/messages/{id:id}", signed_in_action(pages.answer), methods=["POST"]),
    Route("/c/{name}/checkins/new", checkins.form, methods=["GET"]),
    Route("/c/{name}/checkins/new", signed_in_action(checkins.send), methods=["POST"]),
    Route("/c/{name}/manage/welcome", signed_in_action(welcome.save), methods=["POST"]),
    Route("/welcome", welcome.landing, methods=["GET"]),
]
