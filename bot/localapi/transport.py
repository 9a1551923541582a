"""The fake's transport: a ``ThreadingHTTPServer`` on 127.0.0.1 that routes each request to a method.

It serves a bot in another process or in the test's own event loop alike. Each request is parsed (query,
JSON, form or multipart body), passed through the faults a test asked for, dispatched to
:class:`BotMethods`, recorded as a :class:`Call`, and answered in one write. ``/client/TAG/...`` paths are
served the same and the tag recorded, so one bot process's calls can be told from another's.
"""

from __future__ import annotations

import contextlib
import json
import re
import select
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import urlsplit

from .bodies import BodyError, parse_body, parse_query
from .errors import ApiError
from .faults import INJECTED, Misbehaviour
from .methods import BotMethods, Params
from .model import Call
from .state import Telegram

__all__ = ["Transport"]

_CLIENT_TAG = re.compile(r"[A-Za-z0-9_.-]+")


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, transport: Transport, host: str, port: int) -> None:
        self.transport = transport
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Errors outside a request's dispatch: a vanished client is normal, anything else is recorded."""
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # e.g. httpx resetting an idle keep-alive connection on shutdown
        with self.transport.telegram.cond:
            self.transport.telegram.internal_errors.append(
                f"connection from {client_address}: {traceback.format_exc()}"
            )

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup (getfqdn), which can hang in sandboxes.
        TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool expects
    # TCP_NODELAY on every accepted socket: without it a response sent as more than one segment
    # waits for the client's delayed ACK (Nagle's algorithm), about 44 ms per request.
    disable_nagle_algorithm = True
    # A buffered writer (flushed at the end of _respond) sends headers and body in one write.
    wbufsize = 64 * 1024
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.connections_lock:
                self.server.connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Silenced: every request is recorded in FakeBotApi.calls(), which tests can print."""

    def do_GET(self) -> None:
        self.server.transport.serve(self)

    def do_POST(self) -> None:
        self.server.transport.serve(self)


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        parts: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(parts)
            parts.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


class Transport:
    """The HTTP server in its thread: start, stop, the URLs to give the bot, and serving each request."""

    def __init__(
        self, telegram: Telegram, methods: BotMethods, misbehaviour: Misbehaviour, host: str, port: int
    ) -> None:
        self.telegram = telegram
        self.methods = methods
        self.misbehaviour = misbehaviour
        self._host = host
        self._port = port
        self._local = threading.local()  # the connection of the request a server thread is serving
        self.httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self.httpd is not None:
            raise RuntimeError("FakeBotApi is already running")
        with self.telegram.cond:
            self.telegram.stopping = False
        self.httpd = _HTTPServer(self, self._host, self._port)
        self._thread = threading.Thread(
            target=self.httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="fakebotapi-http",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, release long polls (and the webhook pusher) and close kept-alive connections."""
        httpd = self.httpd
        if httpd is None:
            return
        with self.telegram.cond:
            self.telegram.stopping = True
            self.telegram.cond.notify_all()
        httpd.shutdown()
        httpd.server_close()
        with httpd.connections_lock:
            connections = list(httpd.connections)
        for conn in connections:
            # OSError: the client closed it already, which is what we want anyway.
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.httpd = None
        self._thread = None

    @property
    def running(self) -> bool:
        return self.httpd is not None

    @property
    def api_root(self) -> str:
        """``http://127.0.0.1:PORT``: inspectbot's TELEGRAM_API_URL."""
        if self.httpd is None:
            raise RuntimeError("FakeBotApi is not started")
        return f"http://{self.httpd.server_name}:{self.httpd.server_port}"

    def client_root(self, client: str) -> str:
        """``api_root`` for one client: served the same, with the tag recorded on its calls."""
        if not _CLIENT_TAG.fullmatch(client):
            raise ValueError(f"a client tag is letters, digits, '.', '_' or '-', not {client!r}")
        return f"{self.api_root}/client/{client}"

    def _params(self, raw: dict[str, Any], client: str) -> Params:
        return Params(raw, client=client, client_gone=self._client_gone)

    def serve(self, handler: _Handler) -> None:
        started = time.time()
        tick = time.monotonic()
        dropped = False
        split = urlsplit(handler.path)
        method = split.path
        params: dict[str, Any] = {}
        self._local.connection = handler.connection
        try:
            body = _read_body(handler)
        except ConnectionError:
            handler.close_connection = True  # the client went away mid-request; nothing to answer
            return
        tagged = re.fullmatch(r"/client/([A-Za-z0-9_.-]+)(/.*)", split.path)
        client, path = (tagged.group(1), tagged.group(2)) if tagged else ("", split.path)
        file_match = re.fullmatch(r"/file/bot([^/]+)/(.+)", path)
        if file_match is not None and handler.command == "GET":
            self._serve_file(handler, file_match.group(1), file_match.group(2))
            return
        try:
            route = re.fullmatch(r"/bot([^/]*)/([A-Za-z0-9_]+)/?", path)
            if route is None:
                raise ApiError(404, "Not Found")
            token, method = route.group(1), route.group(2)
            params = parse_query(split.query)
            params.update(parse_body(body, handler.headers.get("Content-Type", "")))
            fault = self.misbehaviour.take(method)
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)  # then served after all, to a client that may be gone
            if fault is not None and fault.kind == "error" and fault.retry_after is not None:
                raise self.misbehaviour.flood(fault)
            if fault is not None and fault.kind == "error":
                raise ApiError(fault.status, f"Internal Server Error ({INJECTED})")
            if fault is not None and fault.kind == "drop" and not fault.after:
                dropped = True
                status, payload = 0, {"ok": False, "description": f"connection dropped ({INJECTED})"}
            else:
                status, payload = (
                    200,
                    {
                        "ok": True,
                        "result": self.methods.dispatch(token, method, self._params(params, client)),
                    },
                )
                dropped = fault is not None and fault.kind == "drop"
        except ApiError as exc:
            status = exc.status
            payload = {"ok": False, "error_code": exc.status, "description": exc.description}
            if exc.parameters:
                payload["parameters"] = exc.parameters
        except BodyError as exc:
            status, payload = 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        except Exception:
            text = traceback.format_exc()
            status = 500
            payload = {
                "ok": False,
                "error_code": 500,
                "description": f"Internal Server Error in the fake Bot API ({method}):\n{text}",
            }
            with self.telegram.cond:
                self.telegram.internal_errors.append(f"{method}: {text}")
        with self.telegram.cond:
            self.telegram.calls.append(
                Call(
                    seq=len(self.telegram.calls) + 1,
                    method=method,
                    params=params,
                    time=started,
                    duration=time.monotonic() - tick,
                    status=status,
                    response=payload,
                    client=client,
                )
            )
            self.telegram.cond.notify_all()
        if dropped:
            handler.close_connection = True  # no answer at all: the client sees the connection close
            return
        self.respond(handler, status, json.dumps(payload).encode("utf-8"), "application/json")

    def respond(self, handler: _Handler, status: int, data: bytes, content_type: str) -> None:
        """Send status, headers and body in one write, so the response leaves as one piece."""
        try:
            handler.send_response(status)
            handler.send_header("Content-Type", content_type)
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped waiting (PTB cancels its long poll on shutdown). The call is
            # already recorded; there is nobody left to tell.
            handler.close_connection = True

    def _serve_file(self, handler: _Handler, token: str, path: str) -> None:
        with self.telegram.cond:
            stored = next((f for f in self.telegram.files.values() if f.path == path), None)
        if token != self.telegram.token or stored is None:
            self.respond(handler, 404, b"Not Found", "text/plain")
            return
        self.respond(handler, 200, stored.content, stored.mime_type or "application/octet-stream")

    def _client_gone(self) -> bool:
        """Whether the client of the request this thread serves has closed its connection.

        PTB abandons its long poll on shutdown; without this check such a poll would be
        answered into the void, and its updates counted as delivered or its 409 as an error.
        """
        conn: socket.socket | None = getattr(self._local, "connection", None)
        if conn is None:
            return False
        try:
            readable, _, _ = select.select([conn], [], [], 0)
            return bool(readable) and conn.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):  # reset or already closed: gone either way
            return True
