"""CPU per Bot API request: PTB's default `HTTPXRequest` against inspectbot's `AiohttpRequest`.

Why inspectbot sends through aiohttp (issue 23): every update costs the bot at least two requests (the
getUpdates that brings it, the reply), so the HTTP library's cost per request is a large share of the
bot's CPU per update. Each request object sends --requests sendMessage POSTs (a reply's size of HTML,
as PTB encodes it), one after the other on a kept-alive connection, to a small HTTP server in another
process that answers each with a sent message's JSON; the figure is this process's CPU time (user and
system) per request, so the server's work is not counted. The two take turns for --rounds rounds, and
each figure is the median of the rounds with their range beside it; the ratio is each round's own.

    python -m bench requests [--requests N] [--rounds R]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.request._requestparameter import RequestParameter

from bot.aiohttp_request import AiohttpRequest

_ANSWER = (
    b'{"ok":true,"result":{"message_id":1,"date":1700000000,"chat":{"id":5,"type":"private",'
    b'"first_name":"A"},"text":"Draft report sent to the provider: Tuesday 3 March 2026"}}'
)
_SERVER = f"""
import asyncio, sys
ANSWER = {_ANSWER!r}
HEAD = b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\n"
HEAD += b"Content-Length: %d\\r\\n\\r\\n" % len(ANSWER)
async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            for line in head.lower().split(b"\\r\\n"):
                if line.startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(HEAD + ANSWER)
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await server.serve_forever()
asyncio.run(main())
"""
_TEXT = (
    "Draft report sent to the provider for <b>#12 Oak Lodge</b>: <b>Tuesday 3 March 2026</b>, in 4 working "
    "days.\nRule: within 10 working days of the end of the inspection (SCCIF children's homes, line 212)."
)


def _data() -> RequestData:
    return RequestData(
        [
            RequestParameter.from_input("chat_id", 5),
            RequestParameter.from_input("text", _TEXT),
            RequestParameter.from_input("parse_mode", "HTML"),
        ]
    )


async def _cpu_per_request(make: Callable[[], BaseRequest], url: str, count: int) -> float:
    """Microseconds of this process's CPU a request, after a warm-up of 200 not counted."""
    request = make()
    await request.initialize()
    try:
        for _ in range(200):
            await request.do_request(url, "POST", _data())
        began = time.process_time()
        for _ in range(count):
            status, _ = await request.do_request(url, "POST", _data())
            if status != 200:
                raise RuntimeError(f"the server answered {status}")
        return (time.process_time() - began) / count * 1e6
    finally:
        await request.shutdown()


_REQUESTS: dict[str, Callable[[], BaseRequest]] = {
    "httpx": lambda: HTTPXRequest(connection_pool_size=1),
    "aiohttp": lambda: AiohttpRequest(connection_pool_size=1),
}


def main(args: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench requests", description=__doc__)
    parser.add_argument("--requests", type=int, default=3_000, help="requests a round on each")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the two taking turns")
    options = parser.parse_args(args)
    server = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        url = f"http://127.0.0.1:{int(server.stdout.readline())}/bot123:TEST/sendMessage"
        figures: dict[str, list[float]] = {name: [] for name in _REQUESTS}
        for round_ in range(options.rounds):
            names = list(_REQUESTS) if round_ % 2 == 0 else list(_REQUESTS)[::-1]
            for name in names:
                figures[name].append(asyncio.run(_cpu_per_request(_REQUESTS[name], url, options.requests)))
    finally:
        server.kill()
        server.wait()
    ratios = sorted(a / h for a, h in zip(figures["aiohttp"], figures["httpx"], strict=True))
    for name, values in figures.items():
        print(
            f"requests.{name}.cpu_us_per_request: {statistics.median(values):.1f} us "
            f"(rounds {min(values):.1f}-{max(values):.1f})"
        )
    print(
        f"requests.aiohttp_to_httpx: {statistics.median(ratios):.2f}x "
        f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f}x)"
    )
    return 0
