"""Telegram's size limits on what the bot sends, applied to any text: split a long message into several,
or cut it with an ellipsis where it can't be split, without breaking HTML tags or entities.

Lengths are counted on the raw text in UTF-16 code units, as Telegram counts; the raw text of an HTML
message is never shorter than what Telegram shows, so a raw text within the limit is always accepted.
"""

from __future__ import annotations

import re

MESSAGE = 4096
CAPTION = 1024
CALLBACK_ANSWER = 200
ELLIPSIS = "…"

_HTML_TOKEN = re.compile(r"(<[^<>]*>|&#?[A-Za-z0-9]+;)")
_TAG_NAME = re.compile(r"</?\s*([A-Za-z0-9-]+)")
_LINE = re.compile(r"[^\n]*\n|[^\n]+")


def size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2  # a lone surrogate is one unit too


def is_html(parse_mode: object) -> bool:
    return parse_mode is not None and str(parse_mode).lower() == "html"


def _units(text: str, html: bool) -> list[str]:
    """Pieces never split further except when one line alone is too long: tags, entities, lines."""
    parts = _HTML_TOKEN.split(text) if html else [text]
    units: list[str] = []
    for index, part in enumerate(parts):
        if html and index % 2 == 1:
            units.append(part)
        elif part:
            units.extend(_LINE.findall(part))
    return units


def _visible(chunk: str, html: bool) -> str:
    return _HTML_TOKEN.sub(lambda m: "x" if m.group(0).startswith("&") else "", chunk) if html else chunk


def _hard_split(unit: str, room: int) -> tuple[str, str]:
    """The longest start of `unit` within `room` UTF-16 units (never half a surrogate pair), and the rest."""
    taken = 0
    for index, char in enumerate(unit):
        width = 2 if ord(char) > 0xFFFF else 1
        if taken + width > room:
            return unit[:index], unit[index:]
        taken += width
    return unit, ""


def split(text: str, limit: int = MESSAGE, *, html: bool = False) -> list[str]:
    """`text` as messages of at most `limit`, cut at line ends where possible; in HTML, tags open at a
    cut are closed at its end and opened again in the next message. Blank pieces are dropped."""
    if len(text) * 2 <= limit or size(text) <= limit:  # a character is at most 2 UTF-16 units: no encoding
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    stack: list[tuple[str, str]] = []  # (tag name, opening tag) of tags open at this point

    def closers() -> str:
        return "".join(f"</{name}>" for name, _ in reversed(stack))

    def flush() -> None:
        nonlocal current, length
        chunk = "".join(current) + closers()
        if _visible(chunk, html).strip():
            chunks.append(chunk)
        current = [opening for _, opening in stack]
        length = sum(size(opening) for opening in current)

    pending = _units(text, html)
    pending.reverse()
    while pending:
        unit = pending.pop()
        if html and unit.startswith("<"):
            match = _TAG_NAME.match(unit)
            name = match.group(1).lower() if match else ""
            if unit.startswith("</"):
                current.append(unit)
                length += size(unit)
                for position in range(len(stack) - 1, -1, -1):
                    if stack[position][0] == name:
                        del stack[position]
                        break
                continue
            if length + size(unit) + size(f"</{name}>") + size(closers()) > limit:
                flush()
            current.append(unit)
            length += size(unit)
            stack.append((name, unit))
            continue
        room = limit - length - size(closers())
        if size(unit) <= room:
            current.append(unit)
            length += size(unit)
            continue
        if length > sum(size(opening) for _, opening in stack):
            flush()  # start a fresh message and try this piece there
            pending.append(unit)
            continue
        head, rest = _hard_split(unit, room)
        if not head:  # the open tags alone fill a message: give up on keeping them
            stack.clear()
            current, length = [], 0
            pending.append(unit)
            continue
        current.append(head)
        length += size(head)
        pending.append(rest)
        flush()
    flush()
    return chunks or [""]  # nothing visible at all: Telegram refuses it whatever its length


def cut(text: str, limit: int, *, html: bool = False) -> str:
    """`text` if it fits, else its start (whole lines where possible) and an ellipsis, within `limit`."""
    if size(text) <= limit:
        return text
    return split(text, limit - size(ELLIPSIS), html=html)[0] + ELLIPSIS


def quote(text: str, limit: int = 40) -> str:
    """Something a person typed, shortened to quote back to them: at most `limit` characters with an
    ellipsis, on one line (escape it for HTML after)."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + ELLIPSIS
