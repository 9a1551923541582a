"""The HTTP connections replies go out on: httpx's pool, with a cheaper check of its idle connections.

Before and after every request, httpcore's pool asks each idle keep-alive connection whether the server
has closed it (`has_expired`: is the socket readable?). Through anyio, that question rebuilds the
socket's whole attribute table each time (`getsockname`, `getpeername`, ...) to find the raw socket:
about 13% of the event loop's time in `python -m bench chat`, where 16 updates handled at once keep a
dozen connections open. Here the raw socket is looked up once, when the connection is made, and the
question is the same `poll` on it that httpcore makes. Nothing else changes: the same backend (anyio)
connects, reads and writes; the pool's size, keep-alive expiry, TLS and retries are httpx's defaults,
so the bot talks to Telegram exactly as before.
"""

# httpcore's stream and backend interfaces take a `timeout` argument; these pass it on (ASYNC109).
# ruff: noqa: ASYNC109

from __future__ import annotations

import select
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


def _readable(sock: Any) -> bool:
    """Whether data (or the server's close) is waiting on an idle connection's socket: httpcore's own
    test (`httpcore._utils.is_socket_readable`), on a socket object found once."""
    if sock is None:
        return False
    fd = sock.fileno()
    if fd == -1:
        return True  # closed under us: expired
    poller = getattr(select, "poll", None)
    if poller is None:
        ready, _, _ = select.select([fd], [], [], 0)
        return bool(ready)
    check = poller()
    check.register(fd, select.POLLIN)
    return bool(check.poll(0))


class _Stream(httpcore.AsyncNetworkStream):
    """anyio's stream, but `is_readable` polls the socket found when it connected."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: Any) -> None:
        self._inner = inner
        self._socket = sock

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        """TLS runs over the same socket, so the socket found at connection still answers."""
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout), self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend (what it picks itself under asyncio), its streams wrapped."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
        return _Stream(stream, stream.get_extra_info("socket"))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._inner.connect_unix_socket(path, timeout, socket_options)
        return _Stream(stream, stream.get_extra_info("socket"))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class BotApiTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with at most `max_connections` connections (as `HTTPXRequest`'s
    `connection_pool_size` sets), whose pool checks idle connections cheaply (`_Backend`)."""

    def __init__(self, max_connections: int) -> None:
        limits = httpx.Limits(max_connections=max_connections)
        super().__init__(limits=limits)
        # httpx builds its pool with httpcore's default backend and offers no way to name another; the
        # same pool, with the same settings as httpx's defaults, is made again here with ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(),
        )
