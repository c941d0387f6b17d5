"""What every inbound handler gets, and what it returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.queues import InboundState


@dataclass(frozen=True)
class HandlerContext:
    pool: Any
    config: Config
    network: Network


# A handler acts on one verified activity and returns the row's final state (DONE or IGNORED).
# It must be idempotent: the same activity handled twice changes nothing the second time.
Handler = Callable[[HandlerContext, dict[str, Any]], Awaitable[InboundState]]
