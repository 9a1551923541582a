"""`bot.aiohttp_request`: the Bot API requests on aiohttp, failures keeping the meaning `bot.sending` reads
(never sent: safe to send again; sent or maybe sent: fate unknown), files as multipart, keep-alive, proxies.

The failures are made by small servers of this module's own on asyncio (refusing, never answering,
closing mid-request); the Bot API itself is the fake (`bot.localapi`), through PTB's Bot as the bot uses it.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData

from bot.aiohttp_request import AiohttpRequest, _proxy_for, tls_context
from bot.localapi import FakeBotApi
from bot.sending import KeepsServerErrors, certainly_not_done, fate_unknown

Serve = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class Connections(list[int]):
    """The connections a server was asked for, and an event set at the first."""

    def __init__(self) -> None:
        super().__init__()
        self.made = asyncio.Event()


@asynccontextmanager
async def _server(serve: Serve) -> AsyncIterator[tuple[str, Connections]]:
    """A server on a free port running `serve` for each connection: (its URL, connections made)."""
    connections = Connections()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(1)
        connections.made.set()
        try:
            await serve(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        server.close()


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        ),
        0,
    )
    return head + await reader.readexactly(length)


def _answer(status: int, body: bytes) -> Serve:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                await _read_request(reader)
            except asyncio.IncompleteReadError:
                return
            writer.write(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\n\r\n" % (status, len(body)) + body)
            await writer.drain()

    return serve


async def _never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    await asyncio.sleep(30)


async def _closes_after_reading(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DATA = RequestData()


async def _failure(request: AiohttpRequest, serve: Serve) -> NetworkError:
    """What sending one request to a server running `serve` raised (failing the test if nothing did)."""
    async with _server(serve) as (url, _):
        try:
            with pytest.raises(NetworkError) as raised:
                await request.do_request(f"{url}/botT/sendMessage", "POST", DATA)
        finally:
            await request.shutdown()
    return raised.value


async def test_an_answer_of_any_status_comes_back_whole_and_one_connection_carries_many() -> None:
    request = AiohttpRequest()
    async with _server(_answer(400, b'{"ok":false}')) as (url, connections):
        try:
            for _ in range(3):
                answer = await request.do_request(f"{url}/botT/sendMessage", "POST", DATA)
                assert answer == (400, b'{"ok":false}')
        finally:
            await request.shutdown()
    assert len(connections) == 1  # kept alive


async def test_nobody_listening_is_a_request_never_sent() -> None:
    request = AiohttpRequest(connect_timeout=2)
    try:
        with pytest.raises(NetworkError) as raised:
            await request.do_request(f"http://127.0.0.1:{_free_port()}/botT/sendMessage", "POST", DATA)
    finally:
        await request.shutdown()
    assert certainly_not_done(raised.value)


async def test_no_answer_in_time_is_a_timeout_whose_fate_is_unknown() -> None:
    error = await _failure(AiohttpRequest(read_timeout=0.3), _never_answers)
    assert isinstance(error, TimedOut)
    assert not certainly_not_done(error)
    assert fate_unknown(error)


async def test_a_connection_closed_before_the_answer_is_a_fate_unknown() -> None:
    error = await _failure(AiohttpRequest(), _closes_after_reading)
    assert not isinstance(error, TimedOut)
    assert not certainly_not_done(error)
    assert fate_unknown(error)


async def test_waiting_too_long_for_a_free_connection_is_a_request_never_sent() -> None:
    request = AiohttpRequest(connection_pool_size=1, read_timeout=5, pool_timeout=0.2, connect_timeout=0.2)
    async with _server(_never_answers) as (url, connections):
        first = asyncio.create_task(request.do_request(f"{url}/botT/sendMessage", "POST", DATA))
        try:
            await connections.made.wait()
            with pytest.raises(TimedOut) as raised:
                await request.do_request(f"{url}/botT/sendMessage", "POST", DATA)
        finally:
            first.cancel()
            await request.shutdown()
    assert certainly_not_done(raised.value)
    assert len(connections) == 1


async def test_a_server_error_says_its_status_and_is_safe_to_send_again() -> None:
    error = await _failure(KeepsServerErrors(), _answer(502, b"Bad Gateway"))
    assert "(502)" in error.message
    assert certainly_not_done(error)


async def test_a_file_goes_as_multipart_with_its_name_type_and_the_other_parameters(api: FakeBotApi) -> None:
    person = api.user(4242)
    person.send("/start")  # the chat must exist
    bot = Bot(
        api.token, base_url=api.base_url, request=AiohttpRequest(), get_updates_request=AiohttpRequest()
    )
    async with bot:
        content = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        await bot.send_document(
            4242,
            InputFile(content, filename="case-12.ics", attach=False),
            caption="Deadlines of #12 & co",
        )
    [sent] = person.documents()
    assert sent.document is not None
    assert (sent.document.filename, sent.document.content) == ("case-12.ics", content)
    assert sent.text == "Deadlines of #12 & co"


async def test_the_pool_opens_again_after_a_shutdown() -> None:
    request = AiohttpRequest()
    async with _server(_answer(200, b"{}")) as (url, connections):
        await request.initialize()
        await request.shutdown()
        assert await request.do_request(f"{url}/botT/getMe", "POST") == (200, b"{}")
        await request.shutdown()
    assert len(connections) == 1


def test_proxies_come_from_the_environment_and_no_proxy_is_respected(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    assert _proxy_for("https://api.telegram.org") is None
    monkeypatch.setenv("HTTPS_PROXY", "proxy.example:3128")
    assert _proxy_for("https://api.telegram.org") == "http://proxy.example:3128"
    assert _proxy_for("http://api.telegram.org") is None  # only https was given
    monkeypatch.setenv("NO_PROXY", "api.telegram.org")
    assert _proxy_for("https://api.telegram.org") is None


def test_certificates_are_checked_against_certifis_authorities_with_the_hostname() -> None:
    context = tls_context()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert len(context.get_ca_certs()) > 50  # certifi's bundle, not an empty store
