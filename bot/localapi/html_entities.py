"""Telegram-style ``parse_mode=HTML`` parsing for the fake Bot API.

Telegram rejects a whole message when its HTML is malformed, which in production
means a user silently gets nothing. The rules and error texts follow TDLib's
``parse_html`` so a bot that passes here has a good chance of passing there.
One deliberate difference: Telegram keeps a bare ``&`` that does not start a
known entity, but the Bot API docs require it to be escaped, so by default this
parser rejects it (``strict_ampersand=False`` restores Telegram's leniency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "parse_html",
    "strip_and_shift",
    "utf16_len",
]

_SIMPLE_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_SUPPORTED_TAGS = frozenset({*_SIMPLE_TAGS, "a", "span", "tg-emoji"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; ``str()`` is the text after "can't parse entities: "."""


def utf16_len(text: str) -> int:
    """Telegram entity offsets and lengths count UTF-16 code units, not code points."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


@dataclass
class _Open:
    tag: str
    start: int  # UTF-16 offset in the output text
    entity: dict[str, Any] = field(default_factory=dict)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """Decode the entity starting at text[i] == '&'; return (char, index after ';') or None."""
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return None
    name = text[i + 1 : end]
    if name in _NAMED_ENTITIES:
        return _NAMED_ENTITIES[name], end + 1
    if name.startswith("#") and len(name) > 1:
        digits = name[1:]
        try:
            code = int(digits[1:], 16) if digits[0] in "xX" else int(digits, 10)
        except ValueError:
            return None
        if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF:
            return chr(code), end + 1
    return None


def _parse_attributes(text: str, i: int, tag: str, tag_pos: int) -> tuple[dict[str, str], int]:
    """Parse ``name="value"`` pairs up to '>' and return them with the index after '>'."""
    attrs: dict[str, str] = {}
    n = len(text)
    while True:
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, tag_pos)}")
        if text[i] == ">":
            return attrs, i + 1
        name_start = i
        while i < n and (text[i].isalnum() or text[i] in "-_"):
            i += 1
        name = text[name_start:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset {_byte_offset(text, name_start)}'
            )
        while i < n and text[i].isspace():
            i += 1
        if i < n and text[i] != "=":
            # An attribute without a value, e.g. <blockquote expandable>.
            attrs[name] = ""
            continue
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, tag_pos)}")
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, tag_pos)}")
        value_chars: list[str] = []
        if text[i] in "\"'":
            quote = text[i]
            i += 1
            while i < n and text[i] != quote:
                if text[i] == "&":
                    decoded = _decode_entity(text, i)
                    if decoded is not None:
                        value_chars.append(decoded[0])
                        i = decoded[1]
                        continue
                value_chars.append(text[i])
                i += 1
            if i >= n:
                raise EntityParseError(
                    f'Unclosed end of attribute value in the tag "{tag}" at byte offset '
                    f"{_byte_offset(text, tag_pos)}"
                )
            i += 1
        else:
            while i < n and not text[i].isspace() and text[i] != ">":
                value_chars.append(text[i])
                i += 1
        attrs[name] = "".join(value_chars)


def _entity_for_start_tag(tag: str, attrs: dict[str, str], text: str, tag_pos: int) -> dict[str, Any]:
    if tag in _SIMPLE_TAGS:
        entity: dict[str, Any] = {"type": _SIMPLE_TAGS[tag]}
        if tag == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        return entity
    if tag == "a":
        href = attrs.get("href", "")
        if href.startswith("tg://user?id="):
            return {"type": "text_mention", "user_id": href.removeprefix("tg://user?id=")}
        return {"type": "text_link", "url": href}
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {_byte_offset(text, tag_pos)}'
            )
        return {"type": "spoiler"}
    if tag == "tg-emoji":
        if "emoji-id" not in attrs:
            raise EntityParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {_byte_offset(text, tag_pos)}'
            )
        return {"type": "custom_emoji", "custom_emoji_id": attrs["emoji-id"]}
    raise AssertionError(f"unreachable: {tag}")  # _SUPPORTED_TAGS is checked by the caller


def parse_html(text: str, *, strict_ampersand: bool = True) -> tuple[str, list[dict[str, Any]]]:
    """Return (plain text, Bot API MessageEntity dicts) or raise EntityParseError."""
    out: list[str] = []
    out_len = 0  # UTF-16 length of "".join(out)
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    i = 0
    n = len(text)

    def emit(chunk: str) -> None:
        nonlocal out_len
        out.append(chunk)
        out_len += utf16_len(chunk)

    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                emit(decoded[0])
                i = decoded[1]
                continue
            if strict_ampersand:
                raise EntityParseError(
                    f"Character '&' at byte offset {_byte_offset(text, i)} does not start an HTML entity "
                    '(the Bot API requires "&amp;"; real Telegram tolerates this, the fake does not)'
                )
            emit(ch)
            i += 1
            continue
        if ch != "<":
            emit(ch)
            i += 1
            continue
        tag_pos = i
        if i + 1 < n and text[i + 1] == "/":
            close = text.find(">", i + 2)
            if close == -1:
                raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, tag_pos)}")
            name = text[i + 2 : close].strip().lower()
            if not stack:
                raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, tag_pos)}")
            top = stack[-1]
            if name != top.tag:
                raise EntityParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, tag_pos)}, "
                    f'expected "</{top.tag}>", found "</{name}>"'
                )
            stack.pop()
            length = out_len - top.start
            if top.tag == "code" and stack and stack[-1].tag == "pre":
                # <pre><code class="language-x"> becomes one pre entity with a language.
                if "language" in top.entity:
                    stack[-1].entity["language"] = top.entity["language"]
            elif length > 0:
                entity = {k: v for k, v in top.entity.items() if k != "language" or top.tag == "pre"}
                entities.append({**entity, "offset": top.start, "length": length})
            i = close + 1
            continue
        j = i + 1
        while j < n and not text[j].isspace() and text[j] not in ">/":
            j += 1
        if j >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, tag_pos)}")
        tag = text[i + 1 : j].lower()
        if tag not in _SUPPORTED_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, tag_pos)}'
            )
        attrs, i = _parse_attributes(text, j, tag, tag_pos)
        entity = _entity_for_start_tag(tag, attrs, text, tag_pos)
        if tag == "code" and attrs.get("class", "").startswith("language-"):
            entity["language"] = attrs["class"].removeprefix("language-")
        stack.append(_Open(tag=tag, start=out_len, entity=entity))

    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def strip_and_shift(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace as Telegram does and keep entity offsets pointing at the same text."""
    stripped = text.strip()
    if not stripped:
        return "", []
    lead = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    shifted: list[dict[str, Any]] = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            shifted.append({**entity, "offset": start, "length": end - start})
    return stripped, shifted
