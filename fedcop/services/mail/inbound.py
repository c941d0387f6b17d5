"""Mail received by the node: kept at once, read later by the worker (as the inbox does).

receive(raw, envelope)  -> inbound_mail row 'waiting' (a repeated Message-ID is kept once)
run_once()              -> each waiting message, in its own transaction:
    a delivery report (DSN, null sender)  -> services.mail.bounces (state 'bounce')
    an auto-reply                         -> dropped, with the header that said so
    to r-TOKEN@MAIL_DOMAIN                -> the token checked (forged/expired/malformed refused),
                                             the From matched to the member's confirmed address,
                                             the reply posted as them (services.posts.write)
    to NAME@MAIL_DOMAIN                   -> a new thread in community NAME, from the member whose
                                             confirmed address is the From (subject = title)
Refused (not who the address allows) and dropped (not a person's words) messages keep their
reason; nothing is ever posted for them. `posts.write` applies what the web applies: membership
of members-only communities, bans, closed communities, locked threads.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.mail import authentication, reading, reply_addresses
from fedcop.mail.reply_text import reply_text
from fedcop.network import Network
from fedcop.services import posts
from fedcop.services.errors import InvalidInput, NotFound, Refused, ServiceError
from fedcop.services.mail import bounces
from fedcop.services.mail.outcome import Outcome
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import node as node_store
from fedcop.store import posts as post_store
from fedcop.store.mail import inbound as inbound_store
from fedcop.store.mail.inbound import InboundMail, MailAccount

log = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 10 * 1024 * 1024
BATCH = 20
# How long a read message (and the reason it was refused or dropped) is kept.
KEEP_READ_MAIL = timedelta(days=30)
FORGET_BATCH = 500
SOURCES = ("smtp", "lmtp", "imap")


async def mail_secret(pool: Any) -> str:
    """The node's secret that signs reply and bounce addresses (the session secret, derived
    per purpose in fedcop.mail.reply_addresses)."""
    async with pool.acquire() as conn:
        return await node_store.session_secret(conn, secrets.token_hex(32))


async def receive(
    pool: Any, raw: bytes, envelope_from: str, recipient: str, source: str
) -> int | None:
    """Keep a message for the worker; None when it was already kept (same Message-ID)."""
    if source not in SOURCES:
        raise ValueError(f"unknown mail source {source!r}")
    if len(raw) > MAX_MESSAGE_BYTES:
        raise InvalidInput(
            _("the message is too large: at most %(bytes)s bytes", bytes=MAX_MESSAGE_BYTES)
        )
    message_id = reading.header(reading.parse(raw), "Message-ID")[:998] or None
    async with pool.acquire() as conn:
        return await inbound_store.keep(
            conn,
            message_id=message_id,
            envelope_from=envelope_from.strip().strip("<>"),
            recipients=[recipient.strip().strip("<>").lower()],
            raw=raw,
            source=source,
        )


async def run_once(
    pool: Any,
    config: Config,
    network: Network,
    limit: int = BATCH,
    trusted_authserv_id: str | None = None,
) -> int:
    """Read the waiting messages (up to `limit`); how many were read. `trusted_authserv_id`:
    a person's mail must carry that server's DMARC, DKIM or SPF pass (mail.authentication)."""
    secret = await mail_secret(pool)
    done = 0
    while done < limit:
        async with pool.acquire() as conn, conn.transaction():
            waiting = await inbound_store.claim_waiting(conn, 1)
            if not waiting:
                # Idle: messages read long ago go (their raw bytes are the bulk of the table).
                await inbound_store.forget_read_before(conn, KEEP_READ_MAIL, FORGET_BATCH)
                return done
            mail = waiting[0]
            try:
                outcome = await _process(pool, config, network, secret, mail, trusted_authserv_id)
            except Exception as error:  # a broken message must not stop the queue
                log.exception("inbound mail %s could not be read", mail.id)
                outcome = Outcome("dropped", f"unreadable: {type(error).__name__}")
            await inbound_store.settle(
                conn,
                mail.id,
                outcome.state,
                outcome.reason,
                post_id=outcome.post_id,
                user_id=outcome.user_id,
            )
        done += 1
    return done


async def _process(
    pool: Any,
    config: Config,
    network: Network,
    secret: str,
    mail: InboundMail,
    trusted_authserv_id: str | None,
) -> Outcome:
    message = reading.read(mail.raw, mail.envelope_from)
    domain = config.reply_mail_domain
    if message.is_delivery_report:
        return await bounces.received(pool, secret, domain, mail)
    if message.automatic is not None:
        return Outcome("dropped", message.automatic)
    if trusted_authserv_id:
        unvouched = authentication.refusal(
            reading.parse(mail.raw), trusted_authserv_id, message.from_address
        )
        if unvouched is not None:
            return Outcome("refused", unvouched)
    recipient = mail.recipients[0] if mail.recipients else ""
    local = (reply_addresses.split_address(recipient) or ("", ""))[0]
    if local.lower().startswith(reply_addresses.REPLY_PREFIX):
        return await _reply(pool, config, network, secret, recipient, message)
    if local.lower().startswith(reply_addresses.BOUNCE_PREFIX):
        return Outcome("dropped", "mail to a bounce address that is no delivery report")
    name = reply_addresses.community_name_of(recipient, domain)
    if name is None:
        return Outcome("refused", f"not addressed to this node's mail domain {domain}")
    return await _new_thread(pool, config, network, name, message)


async def _reply(
    pool: Any,
    config: Config,
    network: Network,
    secret: str,
    recipient: str,
    message: reading.ReadMessage,
) -> Outcome:
    target = reply_addresses.verify_reply_address(secret, recipient, config.reply_mail_domain)
    if isinstance(target, reply_addresses.AddressRefused):
        return Outcome("refused", f"reply address {target.reason.value}")
    async with pool.acquire() as conn:
        account = await inbound_store.account(conn, target.user_id)
        post = await post_store.find(conn, target.thread_id)
        community = (
            await actor_store.find_by_id(conn, post.community_id)
            if post is not None and post.community_id is not None
            else None
        )
    refused = _sender_refused(account, message)
    if refused is not None:
        return Outcome("refused", refused, user_id=target.user_id)
    assert account is not None
    if post is None or post.deleted_at is not None or post.removed_at is not None:
        return Outcome("refused", "the post replied to is gone", user_id=account.user_id)
    if community is None:
        return Outcome("refused", "the post replied to is in no community", user_id=account.user_id)
    if community.members_only:
        async with pool.acquire() as conn:
            member = await follow_store.is_accepted_follower(conn, account.user_id, community.id)
        if not member:
            # A reply address outlives a membership: a member who left posts nothing there.
            return Outcome(
                "refused",
                f"the sender is no longer a member of {community.username}",
                user_id=account.user_id,
            )
    return await _post(
        pool, config, network, account, message,
        community_uri=community.uri, in_reply_to=post.uri, title=None,
    )  # fmt: skip


def _sender_refused(account: MailAccount | None, message: reading.ReadMessage) -> str | None:
    if account is None:
        return "the member of this reply address is gone"
    if account.state != "active":
        return f"the member's account is {account.state}"
    if not account.email or not account.confirmed:
        return "the member has no confirmed email address"
    if message.from_address != account.email.lower():
        return f"sender {message.from_address or '(none)'} is not the member's confirmed address"
    return None


async def _new_thread(
    pool: Any, config: Config, network: Network, name: str, message: reading.ReadMessage
) -> Outcome:
    async with pool.acquire() as conn:
        local = await actor_store.find_local(conn, name)
        account = (
            await inbound_store.account_by_confirmed_email(conn, message.from_address)
            if message.from_address
            else None
        )
    if local is None or local.actor.actor_type != "Group":
        return Outcome("refused", f"there is no community {name!r} here")
    if account is None:
        return Outcome("refused", f"sender {message.from_address or '(none)'} is no member here")
    refused = _sender_refused(account, message)
    if refused is not None:
        return Outcome("refused", refused, user_id=account.user_id)
    async with pool.acquire() as conn:
        member = await follow_store.is_accepted_follower(conn, account.user_id, local.actor.id)
    if not member:
        return Outcome("refused", f"the sender is not a member of {name}", user_id=account.user_id)
    title = message.subject.strip() or "(no subject)"
    return await _post(
        pool, config, network, account, message,
        community_uri=local.actor.uri, in_reply_to=None, title=title[: posts.MAX_TITLE],
    )  # fmt: skip


async def _post(
    pool: Any,
    config: Config,
    network: Network,
    account: MailAccount,
    message: reading.ReadMessage,
    *,
    community_uri: str,
    in_reply_to: str | None,
    title: str | None,
) -> Outcome:
    text = reply_text(message.text)
    if not text:
        return Outcome("dropped", "nothing written above the quoted text", user_id=account.user_id)
    try:
        written = await posts.write(
            pool, config, network,
            author=account.username, community_uri=community_uri, content=text,
            title=title, in_reply_to=in_reply_to,
        )  # fmt: skip
    except (ServiceError, Refused, InvalidInput, NotFound) as error:
        return Outcome("refused", f"not posted: {error}", user_id=account.user_id)
    note = f"{message.attachments} attachment(s) not posted" if message.attachments else None
    return Outcome("posted", note, post_id=written.id, user_id=account.user_id)
