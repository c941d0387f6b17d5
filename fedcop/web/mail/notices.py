"""What a member is told on the home page about their mail: mail to their address is turned
off because it kept bouncing (services.mail.bounces). The settings page says it too, beside the
address. It goes away when the member gives an address again (clearing users.email_disabled_at)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from starlette.requests import Request

from fedcop.services.mail import bounces
from fedcop.web.session import viewer


@dataclass(frozen=True)
class MailOff:
    address: str
    since: datetime
    reason: str


async def mail_off(request: Request) -> MailOff | None:
    """The notice for the signed-in viewer, or None (nobody signed in, or mail flows)."""
    current = await viewer(request)
    if current.user is None:
        return None
    found = await bounces.mail_off(request.app.state.pool, current.user.actor.id)
    if found is None:
        return None
    address, since, reason = found
    return MailOff(address=address, since=since, reason=reason)
