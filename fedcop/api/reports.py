"""Reports from client apps (services/reports.py files them as the web's Report button does).

POST /api/v1/reports    write:reports    account_id, status_ids[], comment, forward, category
                                         -> the Report, as Mastodon answers it

`rule_ids[]` and `forward_to_domains[]` are accepted and ignored: the community's facilitators
and, with `forward`, the reported person's own server receive the report.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.account_entities import accounts as account_entities
from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import timestamp
from fedcop.api.errors import ApiError
from fedcop.api.params import parse_id
from fedcop.config import Config
from fedcop.routes.responses import json_response
from fedcop.services import reports


@endpoint("write:reports", user=True)
async def file_report(call: Call) -> Response:
    account_id = call.params.id("account_id")
    if account_id is None:
        raise ApiError(422, "Validation failed: account_id can't be blank")
    status_ids = [parse_id(value, "status_ids") for value in call.params.texts("status_ids")]
    category = call.params.text("category") or "other"
    filed = await reports.file_by_ids(
        call.pool, call.config, reporter=call.me().actor.username, account_id=account_id,
        status_ids=list(dict.fromkeys(status_ids)), reason=call.params.text("comment") or "",
        category=category if category in reports.CATEGORIES else "other",
        forward=call.params.flag("forward"),
    )  # fmt: skip
    return json_response(await report_entity(call.pool, call.config, filed))


async def report_entity(pool: Any, config: Config, filed: reports.Filed) -> dict[str, Any]:
    """A Mastodon Report: what was reported and what became of it (nothing yet)."""
    return {
        "id": str(filed.id),
        "action_taken": False,
        "action_taken_at": None,
        "category": filed.category,
        "comment": filed.reason,
        "forwarded": filed.forwarded,
        "created_at": timestamp(filed.created_at),
        "status_ids": [str(post_id) for post_id in filed.post_ids] or None,
        "rule_ids": None,
        "target_account": (await account_entities(pool, config, [filed.account]))[0],
    }


routes: list[BaseRoute] = [
    Route("/api/v1/reports", file_report, methods=["POST"]),
]
