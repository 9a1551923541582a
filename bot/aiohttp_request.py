"""python-telegram-bot's requests sent with aiohttp instead of httpx: the same Bot API calls for less CPU.

Every update costs the bot at least two HTTP requests (the getUpdates that brings it, the reply). Through
PTB's default `HTTPXRequest` (httpx, httpcore, anyio, h11: pure Python), one small POST costs about
520 µs of CPU on the development machine; through aiohttp (its HTTP parser in C) about 150 µs
(`python -m bench requests`, issue 23; figures in bench/RESULTS.md). PTB lets a bot bring its own
`BaseRequest`, so this is one.

What PTB and `bot.sending` rely on is kept:
- answers of any status are returned as (status, body); PTB turns them into its errors;
- a request that certainly never reached Telegram raises an error naming `ConnectError` (no connection
  could be made) or `ConnectTimeout` (none made, or none free, in time), which
  `bot.sending.certainly_not_done` reads as safe to send again; a timeout after sending raises PTB's
  `TimedOut` and a connection lost mid-request a `NetworkError`: their fate is unknown;
- timeouts: `connect_timeout` and `pool_timeout` bound getting a connection, `read_timeout` each wait
  for the answer; a `write_timeout` (aiohttp has none of its own) adds to the bound on the whole request;
- proxies from the environment (HTTPS_PROXY, NO_PROXY, ...) are honoured, as httpx honours them;
- Telegram's certificate is checked against certifi's authorities, as httpx checks it (a slim image's
  own store may be empty).
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.request import getproxies, proxy_bypass

import aiohttp
import certifi
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

_Timeouts = tuple[float | None, float | None, float | None, float | None]


def _proxy_for(url: str) -> str | None:
    """The proxy the environment names for `url`'s scheme and host (None: go direct), as httpx reads it."""
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0].rsplit("@", 1)[-1]
    proxies = getproxies()
    proxy = proxies.get(scheme.lower()) or proxies.get("all")
    if not proxy or proxy_bypass(host.split(":", 1)[0]):
        return None
    return proxy if "://" in proxy else f"http://{proxy}"


def tls_context() -> ssl.SSLContext:
    """Certificates checked against certifi's authorities (httpx's default), hostnames too."""
    return ssl.create_default_context(cafile=certifi.where())


class AiohttpRequest(BaseRequest):
    """One pool of up to `connection_pool_size` keep-alive connections, made on first use."""

    def __init__(
        self,
        connection_pool_size: int = 1,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        if connection_pool_size < 1:
            raise ValueError("a pool needs at least one connection")
        self._pool_size = connection_pool_size
        self._defaults: _Timeouts = (read_timeout, write_timeout, connect_timeout, pool_timeout)
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        #: aiohttp's timeout objects by (read, write, connect, pool): a handful of combinations in all.
        self._timeouts: dict[_Timeouts, aiohttp.ClientTimeout] = {}
        #: The environment's proxy by scheme and host, read once (it is read from os.environ).
        self._proxies: dict[str, str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._defaults[0]

    async def initialize(self) -> None:
        self._open()

    def _open(self) -> aiohttp.ClientSession:
        """The pool, made when first needed (it must be made on the running event loop)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size, ssl=tls_context()),
                headers={"User-Agent": self.USER_AGENT},
                # one answer is read whole and handed to PTB: no cookies, no redirects
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def shutdown(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _timeout(self, parts: _Timeouts) -> aiohttp.ClientTimeout:
        timeout = self._timeouts.get(parts)
        if timeout is None:
            read, _, connect, pool = parts
            timeout = self._timeouts[parts] = aiohttp.ClientTimeout(
                total=None if None in parts else sum(p for p in parts if p is not None),
                connect=None if connect is None or pool is None else connect + pool,
                sock_connect=connect,
                sock_read=read,
            )
        return timeout

    def _proxy(self, url: str) -> str | None:
        origin = url.split("/", 3)
        key = "/".join(origin[:3])
        if key not in self._proxies:
            self._proxies[key] = _proxy_for(key)
        return self._proxies[key]

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session = self._open()
        read, write, connect, pool = self._defaults
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        if files:
            write = self._media_write_timeout
        timeout = self._timeout(
            (
                read if isinstance(read_timeout, DefaultValue) else read_timeout,
                write if isinstance(write_timeout, DefaultValue) else write_timeout,
                connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
                pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
            )
        )
        data: Any = None
        if request_data is not None:
            data = _form(request_data.json_parameters, files) if files else request_data.json_parameters
        try:
            async with session.request(
                method, url, data=data, timeout=timeout, proxy=self._proxy(url), allow_redirects=False
            ) as response:
                return response.status, await response.read()
        except aiohttp.ConnectionTimeoutError as error:
            raise TimedOut(
                "ConnectTimeout: no connection to Telegram in time; the request was not sent"
            ) from error
        except TimeoutError as error:
            raise TimedOut from error
        except aiohttp.ClientConnectorError as error:
            raise NetworkError(f"ConnectError: {error}; the request was not sent") from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{type(error).__name__}: {error}") from error


def _form(fields: dict[str, str], files: dict[str, Any]) -> aiohttp.FormData:
    """A multipart body: the parameters, then each file (name, content, type) as PTB hands it over."""
    form = aiohttp.FormData(quote_fields=False)
    for name, value in fields.items():
        form.add_field(name, value)
    for name, part in files.items():
        filename, content, content_type = part
        form.add_field(name, content, filename=filename, content_type=content_type)
    return form
