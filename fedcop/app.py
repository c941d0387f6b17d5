"""The web application: `create_app(config, dsn)` returns a Starlette app.

Its lifespan opens the database pool, makes sure the instance actor exists, opens the process's
media storage (`app.state.media_storage`), starts the inbox writer and (unless told not to) the
inbox, delivery and media workers. The database itself (embedded
or not) and the migrations are the caller's: see `fedcop.node`.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from fedcop.api.cors import ApiCors
from fedcop.api.routes import routes as api_routes
from fedcop.config import Config, load_config
from fedcop.db.pool import create_pool
from fedcop.handlers import HandlerContext
from fedcop.inbox.acceptance import Acceptance
from fedcop.inbox.writer import InboxWriter
from fedcop.media.backends import open_storage
from fedcop.media.storage import MediaStorage
from fedcop.network import Network, SigningKey
from fedcop.observability.logs import setup_logging
from fedcop.observability.proxies import TrustedProxies
from fedcop.observability.requests import RequestObserver
from fedcop.routes import activities, actors, health, inbox, posts, wellknown
from fedcop.routes import knowledge as knowledge_routes
from fedcop.routes import media as media_routes
from fedcop.routes.unavailable import DatabaseUnavailable
from fedcop.services.accounts import ensure_instance_actor
from fedcop.services.operations import RunningWorker
from fedcop.store import node as node_store
from fedcop.web import account_data as web_account_data
from fedcop.web import accounts as web_accounts
from fedcop.web import actions as web_actions
from fedcop.web import admin as web_admin
from fedcop.web import avatars as web_avatars
from fedcop.web import directory as web_directory
from fedcop.web import facilitation as web_facilitation
from fedcop.web import feeds as web_feeds
from fedcop.web import health as web_health
from fedcop.web import knowledge as web_knowledge
from fedcop.web import language_setting as web_language_setting
from fedcop.web import messages as web_messages
from fedcop.web import notifications as web_notifications
from fedcop.web import pages
from fedcop.web import people as web_people
from fedcop.web import reports as web_reports
from fedcop.web import setup as web_setup
from fedcop.web import summaries as web_summaries
from fedcop.web import tags as web_tags
from fedcop.web import timeline as web_timeline
from fedcop.web.headers import PageHeaders
from fedcop.web.knowledge import remote as web_knowledge_remote
from fedcop.web.language import PageLanguage
from fedcop.web.mail import accounts as web_mail_accounts
from fedcop.web.mail import choices as web_mail_choices
from fedcop.web.mail import unsubscribe as web_mail_unsubscribe
from fedcop.web.media import library as web_media_library
from fedcop.web.media import proxy as web_media_proxy
from fedcop.web.polls import actions as web_poll_actions
from fedcop.web.unmatched import unmatched
from fedcop.workers.delivery import DeliveryWorker
from fedcop.workers.digests import DigestWorker
from fedcop.workers.inbox import InboxWorker
from fedcop.workers.mail import MailWorker
from fedcop.workers.media import MediaWorker
from fedcop.workers.media_cleanup import MediaCleanupWorker
from federation.netguard import Resolver, resolve_with_getaddrinfo


def create_app(
    config: Config,
    dsn: str,
    *,
    run_workers: bool = True,
    resolver: Resolver = resolve_with_getaddrinfo,
) -> Starlette:
    """`run_workers=False` leaves the queues to the caller (tests call `run_once()`);
    `resolver` maps host names to addresses for outbound requests."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(dsn)
        network: Network | None = None
        writer: InboxWriter | None = None
        # The process's one media storage: every request and worker here uses it.
        storage: MediaStorage | None = None
        tasks: list[asyncio.Task[None]] = []
        try:
            instance = await ensure_instance_actor(pool, config)
            async with pool.acquire() as conn:
                await node_store.record_base_url(conn, config.base_url)
                app.state.session_secret = await node_store.session_secret(
                    conn, secrets.token_hex(32)
                )
            network = Network(
                config,
                SigningKey(instance.actor.public_key_id, instance.private_key_pem),
                resolver=resolver,
            )
            ctx = HandlerContext(pool=pool, config=config, network=network)
            writer = InboxWriter(pool)
            writer.start()
            storage = await open_storage(config)
            app.state.media_storage = storage
            app.state.media_worker = MediaWorker(pool, config, storage)
            app.state.pool = pool
            app.state.network = network
            app.state.acceptance = Acceptance(pool, config.scheme, config.domain)
            app.state.inbox_writer = writer
            app.state.inbox_worker = InboxWorker(ctx)
            app.state.delivery_worker = DeliveryWorker(ctx)
            app.state.mail_worker = MailWorker(pool, config)
            app.state.digest_worker = DigestWorker(ctx)
            app.state.media_cleanup = MediaCleanupWorker(pool)
            if run_workers:
                tasks = [
                    asyncio.create_task(app.state.inbox_worker.run_forever()),
                    asyncio.create_task(app.state.delivery_worker.run_forever()),
                ]
                # What /readyz checks: these loops are alive and ticking.
                app.state.running_workers = [
                    RunningWorker("inbox", app.state.inbox_worker, tasks[0]),
                    RunningWorker("delivery", app.state.delivery_worker, tasks[1]),
                ]
                # unattached uploads deleted after a day, beside the delivery worker
                tasks.append(asyncio.create_task(app.state.media_cleanup.run_forever()))
                if config.mail_enabled:
                    tasks.append(asyncio.create_task(app.state.mail_worker.run_forever()))
                    app.state.running_workers.append(
                        RunningWorker("mail", app.state.mail_worker, tasks[-1])
                    )
                    tasks.append(asyncio.create_task(app.state.digest_worker.run_forever()))
                tasks.append(asyncio.create_task(app.state.media_worker.run_forever()))
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if writer is not None:
                await writer.stop()
            if network is not None:
                await network.aclose()
            if storage is not None:
                await storage.close()
            await pool.close()

    app = Starlette(
        # Starlette tries routes in order: the inboxes, the busiest path by far, come first
        # (before some 200 page and API routes), since none of their paths overlaps another's.
        routes=[
            *inbox.routes,
            Route("/", pages.home),
            Route("/c/{name}/modlog", pages.moderation_log),
            Route("/t/{id:id}", pages.thread_page),
            *knowledge_routes.routes,
            *web_knowledge_remote.routes,
            *web_accounts.routes,
            *web_language_setting.routes,
            *web_account_data.routes,
            *web_mail_choices.routes,
            *web_actions.routes,
            *web_admin.routes,
            *web_setup.routes,
            *web_facilitation.routes,
            *web_health.routes,
            *web_reports.routes,
            *web_feeds.routes,
            *knowledge_routes.with_activity_json(web_knowledge.routes),
            *web_poll_actions.routes,
            *web_notifications.routes,
            *web_tags.routes,
            *web_timeline.routes,
            *web_people.routes,
            *web_summaries.routes,
            *web_directory.routes,
            *web_media_library.routes,
            *web_messages.routes,
            *web_mail_unsubscribe.routes,
            *web_mail_accounts.routes,
            *web_media_proxy.routes,
            *web_avatars.routes,
            *api_routes,
            *media_routes.routes,
            *wellknown.routes,
            *health.routes,
            *activities.routes,
            *posts.routes,
            *actors.routes,
            # Last: a thread's slug must never shadow a page under /t/{id}/ (web.addresses).
            Route("/t/{id:id}/{slug}", pages.thread_page, methods=["GET", "HEAD"]),
            Mount("/static", StaticFiles(directory=pages.STATIC), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={404: unmatched, 405: unmatched},
        middleware=[
            # Outermost first: the real client and scheme, then the request id and access log.
            Middleware(TrustedProxies, trusted=config.trusted_proxies),
            Middleware(RequestObserver),
            Middleware(PageHeaders),
            Middleware(ApiCors),
            # Each request starts in its browser's language (web.language), even a 503.
            Middleware(PageLanguage),
            # Innermost: its 503 (the database is away) still gets the page and CORS headers.
            Middleware(DatabaseUnavailable),
        ],
    )
    app.state.config = config
    return app


def app_from_environment() -> Starlette:
    """The app of one server process under `serve --workers N`: its parent owns the database
    (embedded or not, already migrated) and hands everything over in FEDCOP_* variables."""
    config = load_config()
    setup_logging(config.log_level, config.log_format)
    if not config.database_url:
        raise RuntimeError("app_from_environment needs FEDCOP_DATABASE_URL (set by fedcop serve)")
    return create_app(config, config.database_url)
