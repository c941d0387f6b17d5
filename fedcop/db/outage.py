"""Is this error the database being away (down, restarting, full), rather than a bug?

    database_unavailable(error) -> True for
      the connection broke or cannot be made    ConnectionDoesNotExistError and the other class 08
                                                errors, OSError raised inside asyncpg (socket
                                                refused or gone, timeouts), "connection is closed"
      the server is stopping or starting again  AdminShutdownError, CrashShutdownError,
                                                CannotConnectNowError, IdleSessionTimeoutError
                                                (57P0x; not a cancelled query, 57014)
      the server has no connection slot left    TooManyConnectionsError
      a pooled connection that died unnoticed   InternalClientError "another operation is in
                                                progress" (asyncpg's protocol state left behind
                                                by a connection lost mid-query)

    await discard_pooled_connections(pool, error)  -- after one of these: every idle connection
      the pool holds is likely dead too, so each is replaced by a fresh one on its next acquire
      (instead of each failing one request first); not when the server is only full

Callers answer these with 503 and Retry-After (web), or back off and try again (workers): they
pass once the database is back. Anything else is a real error and stays one.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import asyncpg

# Seconds a client is asked to wait before trying again: about what a restart of the embedded
# PostgreSQL takes, crash recovery included.
RETRY_AFTER_SECONDS = 5

_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,  # class 08: ConnectionDoesNotExistError and friends
    # 57P0x: shutting down, crashed, starting up, or it closed an idle session. Not the rest of
    # class 57: a cancelled query (57014, a statement timeout) or a dropped database (57P04)
    # is no outage that passes by itself.
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.CannotConnectNowError,
    asyncpg.exceptions.IdleSessionTimeoutError,
    asyncpg.TooManyConnectionsError,
)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` (or what it wraps) says the database cannot be reached right now."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if _is_unavailable(current):
            return True
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        if current.__cause__ is not None:
            pending.append(current.__cause__)
    return False


def _is_unavailable(error: BaseException) -> bool:
    if isinstance(error, _UNAVAILABLE):
        return True
    if isinstance(error, asyncpg.exceptions.InternalClientError):
        return "another operation" in str(error)
    if isinstance(error, asyncpg.InterfaceError):
        # asyncpg's own words for a connection that died under it; other interface errors are
        # misuse (a bug), not an outage.
        return "connection is closed" in str(error) or "pool is closing" in str(error)
    if isinstance(error, OSError):
        # Connecting failed (socket refused, missing, timed out): only when asyncpg was the one
        # connecting, so a file or network error of fedcop's own is not called an outage.
        return _raised_inside_asyncpg(error.__traceback__)
    return False


def _raised_inside_asyncpg(tb: TracebackType | None) -> bool:
    while tb is not None:
        module = tb.tb_frame.f_globals.get("__name__", "")
        if isinstance(module, str) and module.startswith("asyncpg"):
            return True
        tb = tb.tb_next
    return False


async def discard_pooled_connections(pool: Any, error: BaseException) -> None:
    """After `error`, have the pool replace its connections on their next use (those in use,
    when released): unless the server is merely full, when the pool's own connections are the
    good ones to keep."""
    if isinstance(error, asyncpg.TooManyConnectionsError) or isinstance(
        error.__cause__, asyncpg.TooManyConnectionsError
    ):
        return
    expire = getattr(pool, "expire_connections", None)
    if expire is not None:
        await expire()
