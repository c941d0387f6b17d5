"""Delivery reports for mail this node sent: counted per address; too many turn mail off.

Whose mail bounced: the member named by the bounce address (VERP return path, signed, see
fedcop.mail.reply_addresses.bounce_address) if the report came back to one, else each failed
recipient the report lists (RFC 3464) that is a member's address. Reports about addresses that are
no member's are kept with their reason and otherwise ignored.

Turned off (users.email_disabled_at, with the last diagnostic as reason) after
HARD_LIMIT permanent failures (5.x.x) or SOFT_LIMIT temporary ones within WINDOW. The member sees
it on the home page and their settings page (fedcop.web.mail.notices).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fedcop.mail import delivery_reports, reading, reply_addresses
from fedcop.services.mail import addresses as mail_addresses
from fedcop.services.mail.outcome import Outcome
from fedcop.store.mail import inbound as inbound_store
from fedcop.store.mail.inbound import InboundMail

HARD_LIMIT = 3
SOFT_LIMIT = 5
WINDOW = timedelta(days=7)


async def received(pool: Any, secret: str, mail_domain: str, mail: InboundMail) -> Outcome:
    message = reading.parse(mail.raw)
    failed = delivery_reports.failures(message)
    named: int | None = None
    for recipient in mail.recipients:
        verified = reply_addresses.verify_bounce_address(secret, recipient, mail_domain)
        if isinstance(verified, int):
            named = verified
    if not failed:
        return Outcome("bounce", "a delivery report that names no failed address", user_id=named)
    summaries = []
    async with pool.acquire() as conn, conn.transaction():
        for failure in failed:
            owner = await inbound_store.user_by_email(conn, failure.address)
            if named is not None and owner is not None and owner != named:
                continue  # the report names someone the bounce address is not about
            await inbound_store.record_bounce(
                conn, failure.address, owner, failure.hard, failure.diagnostic
            )
            hard, soft = await inbound_store.bounces_since(conn, failure.address, WINDOW)
            kind = "permanent" if failure.hard else "temporary"
            summaries.append(f"{kind} failure for {failure.address}: {failure.diagnostic}")
            if owner is not None and (hard >= HARD_LIMIT or soft >= SOFT_LIMIT):
                reason = (
                    f"{hard} permanent and {soft} temporary delivery failures in "
                    f"{WINDOW.days} days; last: {failure.diagnostic or kind}"
                )
                await mail_addresses.turn_off_after_bounces(conn, owner, reason)
            named = named if named is not None else owner
    return Outcome("bounce", "; ".join(summaries)[:1000] or None, user_id=named)


async def mail_off(pool: Any, user_id: int) -> tuple[str, datetime, str] | None:
    """(address, since, reason) when mail to the member's address is turned off."""
    async with pool.acquire() as conn:
        return await inbound_store.disabled_notice(conn, user_id)
