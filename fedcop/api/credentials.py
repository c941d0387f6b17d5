"""The signed-in user's own account: who they are (verify_credentials), changing their profile
(update_credentials) and their preferences.

Profile fields: Mastodon accounts carry free name/value pairs; a fedcop profile has four fixed
ones, shown as fields named Organisation, Sector, Role and Expertise (account_cards). So
`fields_attributes` maps by name, case-insensitively:

    Organisation (or Organization) -> organisation     Sector    -> sector
    Role (or Job role)             -> job role         Expertise -> areas of expertise,
                                                                    comma-separated
A field left out of `fields_attributes` is emptied (Mastodon replaces the whole list); rows with
neither name nor value are skipped; any other name is refused with a 422 that lists the four.
Without `fields_attributes` the fields stay as they are.

`note` is written like the web's "about you" text (Markdown) and read back as plain text in
`source.note`. `discoverable` lists the account in the node's directory (/api/v1/directory; off
until chosen). `locked`, `bot`, `indexable`, `hide_collections` and `source[...]` are accepted
and have no effect: people here take followers without approval, and every post's visibility
follows its community. Pictures (avatar, header) are refused with a 422.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.account_entities import credential_account
from fedcop.api.auth import Call, endpoint
from fedcop.api.errors import ApiError
from fedcop.routes.responses import json_response
from fedcop.services import account_cards, follow_requests, markdown, profiles, relationships
from fedcop.services import oauth as oauth_service
from fedcop.store.users import User

_FIELD_NAMES = {
    "organisation": "organisation",
    "organization": "organisation",
    "sector": "sector",
    "role": "job_role",
    "job role": "job_role",
    "expertise": "expertise",
}
_IGNORED_FLAGS = ("locked", "bot", "indexable", "hide_collections")
_PREFERENCES = {
    "posting:default:visibility": "public",
    "posting:default:sensitive": False,
    "posting:default:language": None,
    "reading:expand:media": "default",
    "reading:expand:spoilers": False,
}


async def _credential_account(call: Call, user_id: int) -> Response:
    actor = await relationships.account(call.pool, user_id)
    card = await account_cards.card(call.pool, actor)
    user = call.me()
    pending = await follow_requests.count(call.pool, user)
    return json_response(credential_account(card, call.config, pending))


@endpoint(None, user=True)
async def verify_credentials(call: Call) -> Response:
    # Mastodon takes either read:accounts or the narrower `profile` scope here.
    scopes = call.access.scopes if call.access is not None else []
    if not (
        oauth_service.grants(scopes, "read:accounts") or oauth_service.grants(scopes, "profile")
    ):
        raise ApiError(403, "This action is outside the authorized scopes")
    return await _credential_account(call, call.me().actor.id)


@endpoint("write:accounts", user=True)
async def update_credentials(call: Call) -> Response:
    user = call.me()
    params = call.params
    if params.file("avatar") is not None or params.file("header") is not None:
        raise ApiError(
            422,
            "fedcop does not keep profile pictures yet: send the change without avatar or header",
        )
    for name in _IGNORED_FLAGS:
        params.flag(name)  # checked, so that nonsense is refused; otherwise without effect
    fields = _profile_fields(params.indexed("fields_attributes"), user)
    # Listed in the node's directory (/api/v1/directory); left out: as it was.
    discoverable = params.flag("discoverable") if "discoverable" in params else None
    display_name = params.text("display_name")
    note = params.text("note")
    await profiles.update(
        call.pool,
        call.config,
        user,
        display_name=user.actor.display_name if display_name is None else display_name,
        bio_html=user.actor.summary if note is None else markdown.render(note),
        organisation=fields["organisation"],
        sector=fields["sector"],
        job_role=fields["job_role"],
        expertise=fields["expertise"],
        discoverable=discoverable,
    )
    return await _credential_account(call, user.actor.id)


def _profile_fields(rows: list[dict[str, Any]] | None, user: User) -> dict[str, str]:
    current = {
        "organisation": user.organisation,
        "sector": user.sector,
        "job_role": user.job_role,
        "expertise": ", ".join(user.expertise),
    }
    if rows is None:
        return current
    chosen = dict.fromkeys(current, "")
    for row in rows:
        name = row.get("name")
        value = row.get("value")
        if not isinstance(name, str | None) or not isinstance(value, str | None):
            raise ApiError(422, "fields_attributes: each name and value must be a string")
        name = name.strip() if name else ""
        value = value.strip() if value else ""
        if not name and not value:
            continue
        key = _FIELD_NAMES.get(" ".join(name.lower().split()))
        if key is None:
            raise ApiError(
                422,
                f"fedcop profiles have four fields: Organisation, Sector, Role and Expertise; "
                f"rename {name or '(unnamed)'!r} to one of them or leave it out",
            )
        chosen[key] = value
    return chosen


@endpoint("read:accounts", user=True)
async def preferences(call: Call) -> Response:
    return json_response(_PREFERENCES)


routes: list[BaseRoute] = [
    Route("/api/v1/accounts/verify_credentials", verify_credentials, methods=["GET"]),
    Route("/api/v1/accounts/update_credentials", update_credentials, methods=["PATCH"]),
    Route("/api/v1/preferences", preferences, methods=["GET"]),
]
