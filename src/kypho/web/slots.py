"""At most ``slots`` requests inside the app at once; the others wait their turn, in order.

Each request holds a database connection from its first query to its end, and runs its
blocking parts on AnyIO's worker threads (40). Let more requests in than there are
threads and connections, and those holding a connection wait for a thread held by those
waiting for a connection: the pool times out and answers 500 (measured at 100 clients,
``bench/bench_web.py``). Waiting here, before any of that is taken, costs nothing but
the wait, and ``asyncio.Semaphore`` serves its waiters first come, first served.
"""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Receive, Scope, Send

REQUEST_SLOTS = 32  # project convention: under AnyIO's 40 threads and the pool (store.engine)


class RequestSlots:
    """ASGI middleware: HTTP requests beyond ``slots`` wait for a free slot."""

    def __init__(self, app: ASGIApp, slots: int = REQUEST_SLOTS) -> None:
        self.app = app
        self.slots = slots
        self._semaphore: asyncio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self._semaphore is None:  # made on the server's event loop
            self._semaphore = asyncio.Semaphore(self.slots)
        async with self._semaphore:
            await self.app(scope, receive, send)
