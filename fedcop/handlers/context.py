"""What every inbound handler gets, and what it returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.queues import InboundState
from fedcop.services.errors import Ignored


@dataclass(frozen=True)
class HandlerContext:
    pool: Any
    config: Config
    network: Network


# A handler acts on one verified activity and returns the row's final state (DONE); when there
# is nothing to do it raises Ignored with the reason (recorded on the row), and when the
# activity is not allowed, Refused. It must be idempotent: the same activity handled twice
# changes nothing the second time.
Handler = Callable[[HandlerContext, dict[str, Any]], Awaitable[InboundState]]


def done_or_ignored(done: object, reason: str) -> InboundState:
    """DONE if the service changed something; else the activity is ignored, with `reason`."""
    if not done:
        raise Ignored(reason)
    return InboundState.DONE
