"""Request-body decoding for the fake: the Bot API accepts JSON, url-encoded forms and multipart.

python-telegram-bot sends url-encoded forms (objects as JSON strings) and switches to
multipart when a file is uploaded; other clients send JSON. All three end up as one
flat ``dict`` of parameters, with uploaded files as :class:`UploadedFile`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs

from .model import UploadedFile

__all__ = ["BodyError", "parse_body", "parse_query"]


class BodyError(ValueError):
    """The request body could not be decoded; answered as 400 like Telegram does."""


def parse_query(query: str) -> dict[str, Any]:
    return {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}


def _header_param(header: str, name: str) -> str | None:
    """Read ``name="value"`` (or unquoted) from a Content-Type / Content-Disposition header."""
    match = re.search(
        rf';\s*{re.escape(name)}\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))', header, re.IGNORECASE
    )
    if match is None:
        return None
    if match.group(1) is not None:
        # httpx writes '"' as %22 and '\' as '\\' inside quoted values (HTML5 form encoding).
        return re.sub(r"\\(.)", r"\1", match.group(1)).replace("%22", '"')
    return match.group(2)


def _parse_multipart(body: bytes, content_type: str) -> dict[str, Any]:
    boundary = _header_param(content_type, "boundary")
    if not boundary:
        raise BodyError("multipart body without a boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 2:
        raise BodyError("multipart body does not contain its boundary")
    params: dict[str, Any] = {}
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise BodyError("multipart part without a header/body separator")
        content = content.removesuffix(b"\r\n")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", errors="replace").split("\r\n"):
            key, _, value = line.partition(":")
            headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name = _header_param(disposition, "name")
        if name is None:
            raise BodyError(f"multipart part without a name: {disposition!r}")
        filename = _header_param(disposition, "filename")
        if filename is not None:
            params[name] = UploadedFile(
                field=name, filename=filename, content=content, mime_type=headers.get("content-type")
            )
        else:
            params[name] = content.decode("utf-8")
    return params


def parse_body(body: bytes, content_type: str) -> dict[str, Any]:
    """Decode a request body into parameters according to its Content-Type."""
    if not body:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/json":
        try:
            decoded = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BodyError(f"invalid JSON body: {exc}") from exc
        if not isinstance(decoded, dict):
            raise BodyError("JSON body must be an object")
        return decoded
    if kind == "multipart/form-data":
        return _parse_multipart(body, content_type)
    if kind in ("application/x-www-form-urlencoded", ""):
        try:
            return parse_query(body.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise BodyError(f"form body is not UTF-8: {exc}") from exc
    raise BodyError(f"unsupported Content-Type {content_type!r}")
