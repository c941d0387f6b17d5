"""Signed tokens carried in mail links: unsubscribing (no sign-in) and confirming an address.

Tokens are signed with the node's secret (itsdangerous, HMAC-SHA1 under a per-purpose salt), so
nobody can unsubscribe or confirm for someone else by guessing numbers.
"""

from __future__ import annotations

from itsdangerous import BadData, URLSafeSerializer, URLSafeTimedSerializer

from fedcop.i18n.current import N_

ALL_COMMUNITIES = "all"
CONFIRMATION_MAX_AGE_SECONDS = 3 * 24 * 3600


class BadToken(ValueError):
    """A token that was altered, made for something else, or has expired."""


def unsubscribe_token(secret: str, user_id: int, community_id: int | None) -> str:
    """A token naming the member and the community (None: all mail from this node)."""
    scope: int | str = community_id if community_id is not None else ALL_COMMUNITIES
    return URLSafeSerializer(secret, salt="fedcop-unsubscribe").dumps([user_id, scope])


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, int | None]:
    """(user id, community id or None for all); BadToken when it was not signed here."""
    try:
        value = URLSafeSerializer(secret, salt="fedcop-unsubscribe").loads(token)
    except BadData:
        raise BadToken("this unsubscribe link is not valid") from None
    if (
        not isinstance(value, list)
        or len(value) != 2
        or not isinstance(value[0], int)
        or not (isinstance(value[1], int) or value[1] == ALL_COMMUNITIES)
    ):
        raise BadToken("this unsubscribe link is not valid")
    return value[0], value[1] if isinstance(value[1], int) else None


def confirmation_token(secret: str, user_id: int, email: str) -> str:
    """A token confirming `email` for the account; it expires after three days."""
    return URLSafeTimedSerializer(secret, salt="fedcop-confirm-email").dumps([user_id, email])


def read_confirmation_token(
    secret: str, token: str, max_age: int = CONFIRMATION_MAX_AGE_SECONDS
) -> tuple[int, str]:
    try:
        value = URLSafeTimedSerializer(secret, salt="fedcop-confirm-email").loads(
            token, max_age=max_age
        )
    except BadData:
        raise BadToken(N_("this confirmation link is not valid or has expired")) from None
    if not isinstance(value, list) or len(value) != 2:
        raise BadToken(N_("this confirmation link is not valid"))
    user_id, email = value
    if not isinstance(user_id, int) or not isinstance(email, str):
        raise BadToken(N_("this confirmation link is not valid"))
    return user_id, email
