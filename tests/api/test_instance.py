"""The instance documents apps read first: every field the Mastodon API requires, and values
that keep apps on features fedcop has."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import orjson
import pytest
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

import fedcop
from fedcop.config import Config
from fedcop.services import accounts
from fedcop.store import node as node_store
from tests.paths import MASTODON_OPENAPI

SCHEMA_PATH = MASTODON_OPENAPI


def openapi_validator(name: str, *, drop_required: tuple[str, ...] = ()) -> Any:
    """A validator for one entity of the Mastodon OpenAPI description, its $refs resolved
    against the description's components; `drop_required` ("urls.streaming_api") lifts a
    requirement fedcop leaves out on purpose."""
    document = orjson.loads(SCHEMA_PATH.read_bytes())
    node = document["components"]["schemas"][name]
    for dotted in drop_required:
        *parents, field = dotted.split(".")
        for parent in parents:
            node = node["properties"][parent]
        node["required"] = [item for item in node["required"] if item != field]
    registry: Registry[Any] = Registry().with_resource(
        "urn:mastodon", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return jsonschema.Draft202012Validator(
        {"$ref": f"urn:mastodon#/components/schemas/{name}"}, registry=registry
    )


def errors_of(validator: Any, document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


async def test_v2_instance_has_every_required_field(
    app: Any, api: httpx.AsyncClient, config: Config
) -> None:
    # Given a node with a user and a description
    await accounts.create_user(app.state.pool, config, "alice", "correct horse battery")
    async with app.state.pool.acquire() as conn:
        await node_store.update_settings(conn, "City Library", "Librarians share practice.", "open")

    response = await api.get("/api/v2/instance")

    assert response.status_code == 200
    body = response.json()
    assert errors_of(openapi_validator("Instance"), body) == []
    assert body["domain"] == "alpha.test"
    assert body["title"] == config.node_name
    assert body["version"] == f"4.2.0 (compatible; fedcop {fedcop.__version__})"
    assert body["api_versions"] == {"mastodon": 1}
    assert body["description"] == "Librarians share practice."
    assert body["registrations"] == {
        "enabled": True,
        "approval_required": False,
        "message": None,
        "url": "https://alpha.test/register",
    }
    configuration = body["configuration"]
    assert "streaming" not in configuration["urls"]  # apps poll instead of streaming
    assert configuration["statuses"]["max_media_attachments"] == config.media.max_attachments
    assert configuration["statuses"]["characters_reserved_per_url"] == 23
    assert configuration["translation"] == {"enabled": False}
    assert set(configuration["polls"]) == {
        "max_options",
        "max_characters_per_option",
        "min_expiration",
        "max_expiration",
    }


async def test_v1_instance_has_every_required_field_but_the_streaming_url(
    app: Any, api: httpx.AsyncClient, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "alice", "correct horse battery")
    async with app.state.pool.acquire() as conn:
        await node_store.update_settings(conn, "", "About us.\n\nMore.", "approval")

    response = await api.get("/api/v1/instance")

    body = response.json()
    # urls.streaming_api is required by the description, and left out on purpose: an app that
    # sees it tries streaming, which fedcop does not offer.
    validator = openapi_validator("V1Instance", drop_required=("urls.streaming_api",))
    assert errors_of(validator, body) == []
    assert body["urls"] == {}
    assert body["uri"] == "alpha.test"
    assert body["version"].startswith("4.2.0 (compatible; fedcop ")
    assert body["stats"]["user_count"] == 1
    assert body["registrations"] is True
    assert body["approval_required"] is True
    assert body["short_description"] == "About us."
    # What Ice Cubes decodes
    for field in ("title", "email", "version", "stats", "registrations"):
        assert field in body


@pytest.mark.parametrize("mode", ["closed", "invitation"])
async def test_closed_registrations_are_told(app: Any, api: httpx.AsyncClient, mode: str) -> None:
    async with app.state.pool.acquire() as conn:
        await node_store.update_settings(conn, "", "", mode)
    v1 = (await api.get("/api/v1/instance")).json()
    v2 = (await api.get("/api/v2/instance")).json()
    assert v1["registrations"] is False
    assert v1["invites_enabled"] is (mode == "invitation")
    assert v2["registrations"]["enabled"] is False
    assert v2["registrations"]["url"] is None


async def test_instance_lists_are_empty_arrays(api: httpx.AsyncClient) -> None:
    for path in ("/api/v1/instance/peers", "/api/v1/instance/rules", "/api/v1/instance/activity"):
        response = await api.get(path)
        assert response.status_code == 200, path
        assert response.json() == []
