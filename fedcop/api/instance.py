"""What a Mastodon app learns about this node before anything else: /api/v1 and /api/v2 instance.

Apps gate features on these documents, so they are deliberately conservative: the version
claims Mastodon 4.2 (Ice Cubes turns grouped notifications on from 4.3), `api_versions` says 1
(Phanpy turns on v2-only features from 2), and no streaming URL is given (Elk and Phanpy stream
only when one is), so every app polls. Every field the Mastodon API requires is present.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, metadata
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

import fedcop
from fedcop.config import Config
from fedcop.media.images import MAX_PIXELS
from fedcop.media.sniffing import EXTENSIONS
from fedcop.routes.responses import json_response
from fedcop.services import node as node_service
from fedcop.services import posts, profile_pins, tags
from fedcop.services.media.post_files import MAX_DESCRIPTION
from fedcop.services.people import limits as profile_limits
from fedcop.services.polls.drafts import (
    MAX_DURATION,
    MAX_OPTION_CHARACTERS,
    MAX_OPTIONS,
    MIN_DURATION,
)
from fedcop.store.actors import UsageCounts
from fedcop.store.node import NodeSettings

MASTODON_VERSION = "4.2.0"
LANGUAGES = ["en"]
POLL_LIMITS = {
    "max_options": MAX_OPTIONS,
    "max_characters_per_option": MAX_OPTION_CHARACTERS,
    "min_expiration": MIN_DURATION,
    "max_expiration": MAX_DURATION,
}
# Pictures are re-encoded (fedcop/media/images.py); other files kept as sent. No video is taken:
# its limits are zero, which apps read as "not here".
DESCRIPTION_LIMIT = MAX_DESCRIPTION


def media_limits(config: Config) -> dict[str, Any]:
    """What apps may upload here (checked again by the upload service)."""
    return {
        "supported_mime_types": sorted({*EXTENSIONS, "text/plain"}),
        "image_size_limit": config.media.max_image_bytes,
        "image_matrix_limit": MAX_PIXELS,
        "video_size_limit": 0,
        "video_frame_rate_limit": 0,
        "video_matrix_limit": 0,
        "description_limit": DESCRIPTION_LIMIT,
    }


def status_limits(config: Config) -> dict[str, Any]:
    return {
        "max_characters": posts.MAX_CONTENT,
        "max_media_attachments": config.media.max_attachments,
        "characters_reserved_per_url": 23,
    }


def version() -> str:
    return f"{MASTODON_VERSION} (compatible; fedcop {fedcop.__version__})"


def source_url() -> str:
    """Where fedcop's source is published (the package's Source URL when it names one)."""
    try:
        for entry in metadata("fedcop").get_all("Project-URL") or []:
            label, _, url = entry.partition(",")
            if label.strip().lower() in ("source", "repository", "source code"):
                return str(url).strip()
    except PackageNotFoundError:
        pass
    return "https://pypi.org/project/fedcop/"


def _registrations(settings: NodeSettings) -> tuple[bool, bool]:
    """(open to registration, needs approval): an invitation-only node counts as closed, as
    no app can register there without a code."""
    return settings.registrations in ("open", "approval"), settings.registrations == "approval"


def _thumbnail(config: Config) -> str:
    return f"{config.base_url}/static/header.png"


def _short(description: str) -> str:
    return description.split("\n\n", 1)[0][:500]


async def _facts(request: Request) -> tuple[NodeSettings, UsageCounts]:
    pool = request.app.state.pool
    return await node_service.settings(pool), await node_service.usage(pool)


async def instance_v1(request: Request) -> Response:
    config: Config = request.app.state.config
    settings, usage = await _facts(request)
    enabled, approval = _registrations(settings)
    return json_response(
        {
            "uri": config.domain,
            "title": node_service.title(settings, config),
            "short_description": _short(settings.description),
            "description": settings.description,
            "email": config.contact_address,
            "version": version(),
            # The v1 document's streaming_api is left out on purpose: see the module docstring.
            "urls": {},
            "stats": {
                "user_count": usage.users_total,
                "status_count": usage.local_threads + usage.local_replies,
                "domain_count": 0,
            },
            "thumbnail": _thumbnail(config),
            "languages": LANGUAGES,
            "registrations": enabled,
            "approval_required": approval,
            "invites_enabled": settings.registrations == "invitation",
            "configuration": {
                "accounts": {"max_featured_tags": tags.MAX_FEATURED},
                "statuses": status_limits(config),
                "media_attachments": {
                    key: value
                    for key, value in media_limits(config).items()
                    if key != "description_limit"
                },
                "polls": POLL_LIMITS,
            },
            "contact_account": None,
            "rules": [],
        }
    )


async def instance_v2(request: Request) -> Response:
    config: Config = request.app.state.config
    settings, usage = await _facts(request)
    enabled, approval = _registrations(settings)
    return json_response(
        {
            "domain": config.domain,
            "title": node_service.title(settings, config),
            "version": version(),
            "api_versions": {"mastodon": 1},
            "source_url": source_url(),
            "description": settings.description,
            "usage": {"users": {"active_month": usage.users_active_month}},
            "thumbnail": {"url": _thumbnail(config)},
            "icon": [],
            "languages": LANGUAGES,
            "configuration": {
                "urls": {},
                "accounts": {
                    "max_featured_tags": tags.MAX_FEATURED,
                    "max_pinned_statuses": profile_pins.MAX_PINS,
                    "max_display_name_length": profile_limits.LIMITS["display_name"],
                    # Organisation, Sector, Role and Expertise (api/credentials.py)
                    "max_profile_fields": 4,
                },
                "statuses": status_limits(config),
                "media_attachments": media_limits(config),
                "polls": POLL_LIMITS,
                "translation": {"enabled": False},
            },
            "registrations": {
                "enabled": enabled,
                "approval_required": approval,
                "message": None,
                "url": f"{config.base_url}/register" if enabled else None,
            },
            "contact": {"email": config.contact_address, "account": None},
            "rules": [],
        }
    )


async def peers(request: Request) -> Response:
    """The servers this node knows. fedcop does not publish that list: an empty one."""
    return json_response([])


async def rules(request: Request) -> Response:
    return json_response([])


async def activity(request: Request) -> Response:
    """Weekly activity; fedcop keeps no weekly figures, and Mastodon allows an empty list."""
    return json_response([])


routes: list[BaseRoute] = [
    Route("/api/v1/instance", instance_v1, methods=["GET"]),
    Route("/api/v2/instance", instance_v2, methods=["GET"]),
    Route("/api/v1/instance/peers", peers, methods=["GET"]),
    Route("/api/v1/instance/rules", rules, methods=["GET"]),
    Route("/api/v1/instance/activity", activity, methods=["GET"]),
]
