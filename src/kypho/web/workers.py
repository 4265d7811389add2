"""Several Uvicorn workers, each on its own ``SO_REUSEPORT`` listener (Linux).

Uvicorn's own ``--workers`` binds one socket in the parent and hands it to every
worker. They then share one accept queue, and whichever worker wakes first takes the
connections: 20 keep-alive connections opened at once landed 20/0 and 14/6 on two
workers (seen with ``ss -tnp``, issue 11), so one core did all the work. Here each worker
binds a listener of its own to the same address with ``SO_REUSEPORT``, and the kernel
spreads new connections across the listeners by a hash of the client's address and port.
At 20 concurrent CDS order-sign calls on 2 cores, two such workers answered p99 88-129
ms against 173-190 ms for one worker (docs/cds-hooks.md).

Kept from Uvicorn: its ``Config``, ``Server`` (subclassed for the listener) and its worker
handle ``Process`` (start, health-check ping, terminate). The loop here restarts a worker
that dies, and stops every worker on SIGINT or SIGTERM.

Two things ``SO_REUSEPORT`` changes, both handled or accepted:

- any process of the same user may bind the same port with ``SO_REUSEPORT`` too, and
  would then silently take a share of the connections. The parent first binds the
  address without it (``check_port_free``): a port already served fails there, naming it.
  A server started in the moment between that check and the workers' binds could still
  join; a project-accepted race.
- a worker that dies drops the connections waiting in its own accept queue (not yet
  accepted); its clients see a reset and retry, as after any worker crash.

Elsewhere than Linux (where ``SO_REUSEPORT`` does not spread connections) ``serve``
uses Uvicorn's shared socket as before.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Process

logger = logging.getLogger("uvicorn.error")
CHECK_EVERY_S = 0.5  # how often the parent looks for a dead worker (Uvicorn's own period)


class PortInUse(Exception):
    """The address is already served: nothing was started."""


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def check_port_free(host: str, port: int) -> None:
    """Bind ``host:port`` without ``SO_REUSEPORT`` for a moment (``PortInUse`` if taken).

    A listener already there (with or without ``SO_REUSEPORT``) refuses this bind, so a
    second server cannot join the first one's workers unawares."""
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is free
        probe.bind((host, port))
    except OSError as err:
        raise PortInUse(f"{host}:{port} cannot be listened on: {err.strerror or err}") from None
    finally:
        probe.close()


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` that other ``SO_REUSEPORT`` sockets may share.

    Not yet listening: the server listens once the app has started (its lifespan, the
    CDS warm-up included), and only a listening socket is given connections, so none
    waits on a worker that is still starting."""
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


class ReusePortServer(uvicorn.Server):
    """Uvicorn's server on a listener of its own (``reuse_port_socket``), whatever
    sockets the supervisor passes (none). Uvicorn listens on it (with its ``backlog``)
    after the app's start-up."""

    _own: list[socket.socket]

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:  # noqa: ARG002
        config = self.config
        try:
            self._own = [reuse_port_socket(config.host, config.port)]
        except OSError as err:
            logger.error("cannot listen on %s:%s: %s", config.host, config.port, err)
            sys.exit(STARTUP_FAILURE)
        await super().startup(sockets=self._own)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:  # noqa: ARG002
        await super().shutdown(sockets=getattr(self, "_own", None))


class _Worker(Process):
    """Uvicorn's worker handle, serving with ``ReusePortServer``."""

    @property
    def server(self) -> uvicorn.Server:
        if self._server is None:
            self._server = ReusePortServer(config=self.config)
        return self._server


def _started(config: uvicorn.Config) -> _Worker:
    worker = _Worker(config, [])  # no shared socket: the worker binds its own
    worker.start()
    return worker


def serve_workers(config: uvicorn.Config) -> int:
    """Serve ``config.app`` with ``config.workers`` processes until SIGINT or SIGTERM.

    Returns 0, or ``STARTUP_FAILURE`` when a worker could not start (the app or the
    listener is broken, and would break the same way in every replacement)."""
    check_port_free(config.host, config.port)
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    handler: Callable[[int, Any], None] = lambda _sig, _frame: stop.set()  # noqa: E731
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        previous[stop_signal] = signal.signal(stop_signal, handler)
    workers = [_started(config) for _ in range(config.workers)]
    logger.info("Started %d workers on %s:%s, each with its own listener",
                len(workers), config.host, config.port)  # fmt: skip
    status = 0
    try:
        while not stop.wait(CHECK_EVERY_S):
            for i, worker in enumerate(workers):
                if worker.is_alive(timeout=config.timeout_worker_healthcheck):
                    continue
                worker.kill()  # gone or hung
                worker.join()
                if worker.exitcode == STARTUP_FAILURE:
                    logger.error("Worker [%s] failed to start; stopping", worker.pid)
                    status = STARTUP_FAILURE
                    stop.set()
                    break
                if stop.is_set():
                    break
                logger.info("Worker [%s] died; starting another", worker.pid)
                workers[i] = _started(config)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()
        for stop_signal, old in previous.items():
            signal.signal(stop_signal, old)
    return status


def spreads_connections() -> bool:
    """True where ``SO_REUSEPORT`` listeners share connections out (Linux)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")
