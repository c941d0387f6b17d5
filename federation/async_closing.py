"""A base for outbound clients that hold open connections: `async with` closes them.

Both client pools (host_clients.HostClients for fetches, deliver.DeliveryClient for
deliveries) are used the same way, so the context-manager half lives here once:

```
async with DeliveryClient(...) as client:    __aenter__: the client itself
    ...
                                             __aexit__: await client.aclose(), even on error
```
"""

from __future__ import annotations

import abc
from types import TracebackType
from typing import Self


class AsyncClosing(abc.ABC):
    """Usable as `async with client:`; leaving the block awaits `aclose()`."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Close every connection; the object is unusable afterwards."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()
