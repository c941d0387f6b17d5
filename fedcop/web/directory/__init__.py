"""Pages about people: a community's members (members.py, chart.py) and the node's directory
(node_directory.py)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from fedcop.web.directory.members import members
from fedcop.web.directory.node_directory import directory_page

routes: list[BaseRoute] = [
    Route("/c/{handle}/members", members, methods=["GET"]),
    Route("/directory", directory_page, methods=["GET"]),
]
