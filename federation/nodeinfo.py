"""NodeInfo 2.0 and 2.1: the discovery document and the node description other servers read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

VERSIONS = ("2.0", "2.1")


def schema_url(version: str) -> str:
    return f"http://nodeinfo.diaspora.software/ns/schema/{version}"


def content_type(version: str) -> str:
    return f'application/json; profile="{schema_url(version)}#"'


@dataclass(frozen=True)
class NodeDescription:
    software_name: str
    software_version: str
    open_registrations: bool
    users_total: int
    users_active_month: int
    users_active_halfyear: int
    repository: str | None = None
    homepage: str | None = None
    local_posts: int | None = None
    local_comments: int | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


def build_discovery(base_url: str) -> dict[str, Any]:
    return {
        "links": [
            {"rel": schema_url(version), "href": f"{base_url}/nodeinfo/{version}"}
            for version in VERSIONS
        ]
    }


def build_nodeinfo(version: str, node: NodeDescription) -> dict[str, Any]:
    if version not in VERSIONS:
        raise ValueError(f"unsupported NodeInfo version {version!r}")
    software: dict[str, Any] = {"name": node.software_name, "version": node.software_version}
    if version == "2.1":  # 2.0's schema forbids any other software property
        if node.repository:
            software["repository"] = node.repository
        if node.homepage:
            software["homepage"] = node.homepage
    usage: dict[str, Any] = {
        "users": {
            "total": node.users_total,
            "activeMonth": node.users_active_month,
            "activeHalfyear": node.users_active_halfyear,
        }
    }
    if node.local_posts is not None:
        usage["localPosts"] = node.local_posts
    if node.local_comments is not None:
        usage["localComments"] = node.local_comments
    return {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": node.open_registrations,
        "usage": usage,
        "metadata": node.metadata,
    }
