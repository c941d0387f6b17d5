"""Slowing password guessing down without letting anyone lock an account's owner out.

Every door that checks a password (the sign-in page, the OAuth authorize page, the password
change form) passes through `attempt`:

    attempt(name, address)
      keys: pair    = the account name from this address (an IPv6 address counts as its /64)
            address = every account from this address
      for each key: n failures within FAILURE_WINDOW, the latest t seconds ago
          n < free allowance .................. go ahead
          else wait = min(MAX_WAIT, FIRST_WAIT * 2 ** (n - allowance)) seconds
               t < wait ....................... TooManyAttempts(retry_after = wait - t)
                                                (429 with Retry-After; nothing is checked)
      a failure is written for both keys before the password is checked
    password matches -> `succeeded`: the attempt's failures are taken back and the pair's
                        earlier ones forgotten (the address's stay: an attacker's own account
                        must not wipe the address's count)

No key counts an account alone: that is what let anyone on the internet lock an owner out for a
quarter of an hour with ten wrong passwords. An owner who never failed from their address is
never slowed; an attacker on one address is slowed on every account it tries, more with each
failure; one spread over many addresses gets PAIR_ALLOWANCE guesses per address and account,
then waits, and meets the password hash's cost (argon2id) on every guess.

The failure is written before the check (and taken back on success), under a lock on the keys,
so that guesses sent in parallel are counted as they arrive rather than all passing one check.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fedcop.services.errors import ServiceError
from fedcop.store import login_failures as store

FAILURE_WINDOW = timedelta(hours=1)
# Failures allowed without any wait: per account and address (typos), per address (a shared
# office or campus address where several people mistype).
PAIR_ALLOWANCE = 5
ADDRESS_ALLOWANCE = 20
# The wait after the allowance is spent, doubled with each further failure (10 s, 20 s, 40 s...)
# up to the longest wait between two attempts, however many failures came before.
FIRST_WAIT_SECONDS = 10
MAX_WAIT_SECONDS = 15 * 60


class TooManyAttempts(ServiceError):
    """Too many failed passwords from this address lately: try again in `retry_after` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(
            f"too many wrong passwords from your address: wait {_duration(retry_after)} and "
            "try again"
        )


@dataclass(frozen=True)
class Attempt:
    """An attempt let through: the keys it was counted under and when."""

    pair_key: str
    keys: list[str]
    stamp: datetime


def address_bucket(address: str) -> str:
    """The address as counted: an IPv6 address is its /64 (one household or server's share)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else ip)


def wait_seconds(failures: int, allowance: int) -> float:
    """How long after the latest failure the next attempt may come."""
    if failures < allowance:
        return 0.0
    return float(min(MAX_WAIT_SECONDS, FIRST_WAIT_SECONDS * 2 ** min(failures - allowance, 20)))


async def attempt(pool: Any, name: str, address: str) -> Attempt:
    """Let an attempt through (and count it as a failure until it succeeds), or raise
    TooManyAttempts with the seconds to wait."""
    bucket = address_bucket(address)
    pair_key = f"pair:{name.strip().lower()[:255]} {bucket}"
    allowances = {pair_key: PAIR_ALLOWANCE, f"address:{bucket}": ADDRESS_ALLOWANCE}
    keys = list(allowances)
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_keys(conn, keys)
        retry_after = 0.0
        for key, allowance in allowances.items():
            failures = await store.count(conn, key, FAILURE_WINDOW)
            wait = wait_seconds(failures.count, allowance)
            retry_after = max(retry_after, wait - failures.seconds_since_last)
        if retry_after > 0:
            raise TooManyAttempts(math.ceil(retry_after))
        stamp = await store.record(conn, keys)
    return Attempt(pair_key=pair_key, keys=keys, stamp=stamp)


async def succeeded(pool: Any, passed: Attempt) -> None:
    """The password matched: this attempt was no failure, nor were the pair's earlier ones."""
    async with pool.acquire() as conn, conn.transaction():
        await store.take_back(conn, passed.keys, passed.stamp)
        await store.forget(conn, passed.pair_key)


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"{math.ceil(seconds / 60)} minutes"
