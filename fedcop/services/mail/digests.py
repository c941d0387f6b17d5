"""Daily and weekly digests: one message per member per community and period.

One message per community, not one for all of a member's communities: each carries that
community's `List-Id` and its own one-click unsubscribe, so a mail client files and stops it like
any list, and a members-only community's content never shares a message with another's.

    run_once(now)  for 'daily' then 'weekly':
        members due (the next period after their last one, only completed periods)
        -> in one transaction each: record the period as handled (a second worker finds it
           taken), list what the reader may see, and hand the message to the outbound queue
        -> nothing new in the period: recorded, no message sent

A period is a UTC day, or an ISO week from Monday; a restart neither repeats nor skips one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _, speaking, written_date
from fedcop.mail.compose import compose
from fedcop.services.mail import reader_language
from fedcop.services.mail.community_mail import hand_over, mail_list, unsubscribe_url
from fedcop.store import actors as actor_store
from fedcop.store.mail import digests as store
from fedcop.store.mail.digests import Due, ThreadItem

CADENCES: dict[str, timedelta] = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
BATCH = 200


def last_completed(cadence: str, now: datetime) -> datetime:
    """The start of the newest period of `cadence` that has ended by `now`."""
    midnight = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if cadence == "daily":
        return midnight - CADENCES["daily"]
    monday = midnight - timedelta(days=midnight.weekday())
    return monday - CADENCES["weekly"]


@dataclass(frozen=True)
class Built:
    message: EmailMessage | None
    items: int


async def build(conn: asyncpg.Connection, config: Config, due_one: Due, cadence: str) -> Built:
    """The digest of one member and community for its period (None when nothing was new)."""
    until = due_one.period_start + CADENCES[cadence]
    contents = await store.contents(
        conn, due_one.user_id, due_one.community_id, due_one.period_start, until
    )
    community = await actor_store.find_by_id(conn, due_one.community_id)
    if contents.count == 0 or community is None:
        return Built(None, contents.count)
    as_list = mail_list(community)
    unsubscribe = await unsubscribe_url(conn, config, due_one.user_id, due_one.community_id)
    start = due_one.period_start.astimezone(UTC)

    def link(item: ThreadItem) -> str:
        return config.url(f"/t/{item.id}")

    with speaking(await reader_language.of_member(conn, due_one.user_id)):
        day = written_date(start, "long")
        if cadence == "daily":
            label = day
            subject = _("[%(community)s] Daily digest, %(date)s", community=as_list.title, date=day)
        else:
            label = _("week of %(date)s", date=day)
            subject = _(
                "[%(community)s] Weekly digest, week of %(date)s", community=as_list.title, date=day
            )
        message = compose(
            config,
            to=due_one.address,
            subject=subject,
            template="digest.txt.html",
            context={
                "title": as_list.title,
                "cadence": cadence,
                "period_label": label,
                "new_threads": contents.new_threads,
                "solved": contents.solved,
                "pages": contents.pages,
                "most_active": contents.most_active,
                "link": link,
                "settings_url": config.url("/settings/mail"),
                "node_name": config.node_name,
                "footer_url": config.url(f"/c/{as_list.name}"),
                "unsubscribe_url": unsubscribe,
            },
            mail_list=as_list,
            unsubscribe_url=unsubscribe,
        )
    return Built(message, contents.count)


async def run_once(pool: Any, config: Config, now: datetime | None = None) -> int:
    """Build and queue the digests that are due; how many periods were handled."""
    moment = now or datetime.now(UTC)
    handled = 0
    for cadence, length in CADENCES.items():
        async with pool.acquire() as conn:
            due = await store.due(conn, cadence, length, last_completed(cadence, moment), BATCH)
        for due_one in due:
            async with pool.acquire() as conn, conn.transaction():
                built = await build(conn, config, due_one, cadence)
                if not await store.claim(conn, due_one, cadence, built.items):
                    continue
                if built.message is not None:
                    await hand_over(
                        conn,
                        config,
                        to=due_one.address,
                        message=built.message,
                        user_id=due_one.user_id,
                        community_id=due_one.community_id,
                        thread_id=None,
                    )
                handled += 1
    return handled
