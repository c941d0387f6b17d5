"""Discovery: WebFinger, host-meta and NodeInfo."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import fedcop
from fedcop.config import Config
from fedcop.routes.responses import json_error, json_response
from fedcop.services import node as node_service
from federation import nodeinfo
from federation.webfinger import JRD_JSON, WebFingerError, build_host_meta, build_jrd, parse_acct

_CORS = {"Access-Control-Allow-Origin": "*"}


async def webfinger(request: Request) -> Response:
    config: Config = request.app.state.config
    resource = request.query_params.get("resource")
    if not resource:
        return json_error(
            "the resource parameter is required, e.g. ?resource=acct:name@domain", 400
        )
    if resource.startswith(("https://", "http://")):
        found = await node_service.resolve_local_url(request.app.state.pool, config, resource)
        if found is None:
            return json_error(f"no account at {resource} on this node", 404)
        username = found.actor.username
    else:
        try:
            acct = parse_acct(resource)
        except WebFingerError as error:
            return json_error(str(error), 400)
        if acct.host != config.domain.lower():
            return json_error(f"{acct.host} is not this node's domain ({config.domain})", 400)
        username = acct.user
        found = await node_service.find_local_actor(request.app.state.pool, username)
        if found is None:
            return json_error(f"no account {username}@{config.domain} on this node", 404)
    actor = found.actor
    subject = parse_acct(f"acct:{actor.username}@{config.domain}")
    actor_type = actor.actor_type if actor.actor_type != "Person" else None
    document = build_jrd(subject, actor.uri, actor.uri, actor_type)
    return json_response(document, media_type=JRD_JSON, headers=_CORS)


async def host_meta(request: Request) -> Response:
    config: Config = request.app.state.config
    return Response(
        build_host_meta(config.base_url), media_type="application/xrd+xml", headers=_CORS
    )


async def nodeinfo_discovery(request: Request) -> Response:
    config: Config = request.app.state.config
    return json_response(nodeinfo.build_discovery(config.base_url), headers=_CORS)


async def nodeinfo_document(request: Request) -> Response:
    version = request.path_params["version"]
    if version not in nodeinfo.VERSIONS:
        return json_error(f"NodeInfo {version} is not served: use 2.0 or 2.1", 404)
    config: Config = request.app.state.config
    usage = await node_service.usage(request.app.state.pool)
    settings = await node_service.settings(request.app.state.pool)
    description = nodeinfo.NodeDescription(
        software_name="fedcop",
        software_version=fedcop.__version__,
        open_registrations=settings.registrations == "open",  # set by admins on /admin
        users_total=usage.users_total,
        users_active_month=usage.users_active_month,
        users_active_halfyear=usage.users_active_halfyear,
        local_posts=usage.local_threads,
        local_comments=usage.local_replies,
        metadata={
            "nodeName": node_service.title(settings, config),  # named on /setup or /admin
            "communities": usage.communities,
        },
    )
    return json_response(
        nodeinfo.build_nodeinfo(version, description),
        media_type=nodeinfo.content_type(version),
        headers=_CORS,
    )


routes = [
    Route("/.well-known/webfinger", webfinger),
    Route("/.well-known/host-meta", host_meta),
    Route("/.well-known/nodeinfo", nodeinfo_discovery),
    Route("/nodeinfo/{version}", nodeinfo_document),
]
