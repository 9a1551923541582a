"""bot.connections: the reply pool's cheaper idle check still notices a connection the server closed."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from bot.connections import BotApiTransport, _readable

_ANSWER = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'


class _Server:
    """An HTTP/1.1 server answering every request with keep-alive; `drop_idle` closes each connection
    right after its answer without saying so (as a server's idle timeout does)."""

    def __init__(self) -> None:
        self.connections = 0
        self.closed = asyncio.Event()  # set once this side has closed a connection
        self.drop_idle = False
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                if not head:
                    return
                writer.write(_ANSWER)
                await writer.drain()
                if self.drop_idle:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()
            await writer.wait_closed()
            self.closed.set()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/"


@pytest.fixture
async def server() -> AsyncIterator[_Server]:
    found = _Server()
    found.server = await asyncio.start_server(found._serve, "127.0.0.1", 0)
    yield found
    found.server.close()
    await found.server.wait_closed()


async def test_an_idle_connection_is_used_again(server: _Server) -> None:
    transport = BotApiTransport(4)
    async with httpx.AsyncClient(transport=transport) as client:
        for _ in range(3):
            assert (await client.get(server.url)).json() == {"ok": True}
    assert server.connections == 1


async def test_a_connection_the_server_closed_is_not_used(server: _Server) -> None:
    """Without the idle check the second request would go out on the dead connection and fail."""
    server.drop_idle = True
    transport = BotApiTransport(4)
    async with httpx.AsyncClient(transport=transport) as client:
        assert (await client.get(server.url)).json() == {"ok": True}
        await asyncio.wait_for(server.closed.wait(), 10)  # the server has closed the connection
        assert (await client.get(server.url)).json() == {"ok": True}
    assert server.connections == 2


async def test_at_most_max_connections_at_once(server: _Server) -> None:
    transport = BotApiTransport(2)
    async with httpx.AsyncClient(transport=transport) as client:
        answers = await asyncio.gather(*(client.get(server.url) for _ in range(6)))
    assert all(a.status_code == 200 for a in answers)
    assert server.connections <= 2


def test_readable_means_data_or_a_close_is_waiting() -> None:
    mine, theirs = socket.socketpair()
    with mine, theirs:
        assert not _readable(mine)
        theirs.sendall(b"x")
        assert _readable(mine)
        mine.recv(1)
        assert not _readable(mine)
        theirs.close()
        assert _readable(mine)
    assert _readable(mine)  # closed here: fileno() is -1
    assert not _readable(None)
