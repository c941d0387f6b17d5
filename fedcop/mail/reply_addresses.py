"""Signed mail addresses: a member's reply address for a thread, a community's posting address.

reply address   r-<TOKEN>@MAIL_DOMAIN
    TOKEN = base32(version 1 byte | user id 8 | thread post id 8 | expiry day 3 | MAC 10)
          = 30 bytes = 48 base32 characters, lower case, no padding (local part: 50 characters)
    MAC   = HMAC-SHA256(key, first 20 bytes), cut to 80 bits; key = HMAC(node secret, purpose)
bounce address  b-<TOKEN>@MAIL_DOMAIN  (VERP return path of one mail to one member)
    TOKEN = base32(version | user id 8 | zeros 8 | expiry day 3 | MAC 10), another purpose key

Base32 because mail systems may change the case of a local part; the expiry (days since the Unix
epoch, UTC) sits inside the signed bytes, so no database row is needed to check an address.
Nothing in an address says anything about other members: it names one member and one post id,
and only the node that holds the secret can read the MAC. Pure functions, no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

REPLY_PREFIX = "r-"
BOUNCE_PREFIX = "b-"
REPLY_LIFETIME = timedelta(days=60)
BOUNCE_LIFETIME = timedelta(days=30)
_VERSION = 1
_MAC_BYTES = 10
_BODY_BYTES = 1 + 8 + 8 + 3
_TOKEN_CHARS = 48  # base32 of 30 bytes
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_REPLY_PURPOSE = b"fedcop-reply-address-v1"
_BOUNCE_PURPOSE = b"fedcop-bounce-address-v1"


class Refusal(Enum):
    """Why an address was refused: each is recorded on the inbound mail that carried it."""

    MALFORMED = "malformed"  # not one of our tokens at all (wrong length, alphabet, version)
    FORGED = "forged"  # well formed, but the MAC is not ours
    EXPIRED = "expired"  # ours, but past its expiry day
    WRONG_DOMAIN = "wrong_domain"  # not addressed to this node's mail domain


@dataclass(frozen=True)
class ReplyTarget:
    """Who may post through a reply address, and in which thread."""

    user_id: int
    thread_id: int
    expires: datetime


@dataclass(frozen=True)
class AddressRefused:
    reason: Refusal

    def __bool__(self) -> bool:  # a refusal is falsy, so `if target := verify(...)` reads well
        return False


def _key(secret: str | bytes, purpose: bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, purpose, hashlib.sha256).digest()


def _day(moment: datetime) -> int:
    return (moment.astimezone(UTC) - _EPOCH).days


def _token(key: bytes, first: int, second: int, expires: datetime) -> str:
    body = (
        bytes([_VERSION])
        + first.to_bytes(8, "big", signed=True)
        + second.to_bytes(8, "big", signed=True)
        + _day(expires).to_bytes(3, "big")
    )
    mac = hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
    return base64.b32encode(body + mac).decode("ascii").lower()


def _read(key: bytes, token: str, now: datetime) -> tuple[int, int, datetime] | AddressRefused:
    if len(token) != _TOKEN_CHARS:
        return AddressRefused(Refusal.MALFORMED)
    try:
        raw = base64.b32decode(token.upper())
    except (binascii.Error, ValueError):
        return AddressRefused(Refusal.MALFORMED)
    body, mac = raw[:_BODY_BYTES], raw[_BODY_BYTES:]
    if body[0] != _VERSION:
        return AddressRefused(Refusal.MALFORMED)
    expected = hmac.new(key, body, hashlib.sha256).digest()[:_MAC_BYTES]
    if not hmac.compare_digest(mac, expected):
        return AddressRefused(Refusal.FORGED)
    first = int.from_bytes(body[1:9], "big", signed=True)
    second = int.from_bytes(body[9:17], "big", signed=True)
    expires = _EPOCH + timedelta(days=int.from_bytes(body[17:20], "big"))
    if _day(now) > _day(expires):
        return AddressRefused(Refusal.EXPIRED)
    return first, second, expires


def split_address(address: str) -> tuple[str, str] | None:
    """(local part, lower-cased domain) of `local@domain`, or None when it is not one."""
    address = address.strip().strip("<>")
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        return None
    return local, domain.lower()


def _signed_address(
    secret: str | bytes,
    purpose: bytes,
    prefix: str,
    first: int,
    second: int,
    mail_domain: str,
    expires: datetime,
) -> str:
    return f"{prefix}{_token(_key(secret, purpose), first, second, expires)}@{mail_domain.lower()}"


def _verified(
    secret: str | bytes,
    purpose: bytes,
    prefix: str,
    address: str,
    mail_domain: str,
    now: datetime | None,
) -> tuple[int, int, datetime] | AddressRefused:
    """What a signed address of this purpose and prefix holds, or why it is refused."""
    parts = split_address(address)
    if parts is None:
        return AddressRefused(Refusal.MALFORMED)
    local, domain = parts
    if domain != mail_domain.lower():
        return AddressRefused(Refusal.WRONG_DOMAIN)
    if not local.lower().startswith(prefix):
        return AddressRefused(Refusal.MALFORMED)
    return _read(_key(secret, purpose), local[len(prefix) :], now or datetime.now(UTC))


def reply_address(
    secret: str | bytes,
    user_id: int,
    thread_id: int,
    mail_domain: str,
    now: datetime | None = None,
    lifetime: timedelta = REPLY_LIFETIME,
) -> str:
    """The address `user_id` replies to in order to post in the thread `thread_id`."""
    expires = (now or datetime.now(UTC)) + lifetime
    return _signed_address(
        secret, _REPLY_PURPOSE, REPLY_PREFIX, user_id, thread_id, mail_domain, expires
    )


def verify_reply_address(
    secret: str | bytes, address: str, mail_domain: str, now: datetime | None = None
) -> ReplyTarget | AddressRefused:
    """The member and thread a reply address names, or why it is refused."""
    read = _verified(secret, _REPLY_PURPOSE, REPLY_PREFIX, address, mail_domain, now)
    if isinstance(read, AddressRefused):
        return read
    user_id, thread_id, expires = read
    return ReplyTarget(user_id=user_id, thread_id=thread_id, expires=expires)


def is_reply_local_part(local: str) -> bool:
    """Whether a local part is shaped as a reply address (signed or not: verify it)."""
    return local.lower().startswith(REPLY_PREFIX) and len(local) == len(REPLY_PREFIX) + 48


def bounce_address(
    secret: str | bytes,
    user_id: int,
    mail_domain: str,
    now: datetime | None = None,
    lifetime: timedelta = BOUNCE_LIFETIME,
) -> str:
    """The envelope sender (VERP) of a mail to `user_id`: a bounce to it names the member."""
    expires = (now or datetime.now(UTC)) + lifetime
    return _signed_address(secret, _BOUNCE_PURPOSE, BOUNCE_PREFIX, user_id, 0, mail_domain, expires)


def verify_bounce_address(
    secret: str | bytes, address: str, mail_domain: str, now: datetime | None = None
) -> int | AddressRefused:
    """The member a bounce address names, or why it is refused."""
    read = _verified(secret, _BOUNCE_PURPOSE, BOUNCE_PREFIX, address, mail_domain, now)
    if isinstance(read, AddressRefused):
        return read
    return read[0]


def community_address(community_name: str, mail_domain: str) -> str:
    """The address that starts a thread in a community: `NAME@MAIL_DOMAIN`."""
    return f"{community_name.lower()}@{mail_domain.lower()}"


def community_name_of(address: str, mail_domain: str) -> str | None:
    """The community name an address may name (look it up), or None: not ours, or a token."""
    parts = split_address(address)
    if parts is None or parts[1] != mail_domain.lower():
        return None
    local = parts[0].lower()
    if local.startswith((REPLY_PREFIX, BOUNCE_PREFIX)) and len(local) == 50:
        return None
    return local


__all__ = [
    "AddressRefused",
    "Refusal",
    "ReplyTarget",
    "bounce_address",
    "community_address",
    "community_name_of",
    "reply_address",
    "split_address",
    "verify_bounce_address",
    "verify_reply_address",
]
