"""Invitation codes: high-entropy one-time codes, stored only as a hash, that expire.

Codes travel in a Telegram deep link (`/start <code>`), so they use only the characters Telegram allows
there (A-Z, a-z, 0-9, `_`, `-`, at most 64). 32 random bytes make guessing hopeless, which is why a plain
sha256 is enough to store them: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

DEFAULT_TTL = timedelta(days=7)
MAX_TTL = timedelta(days=90)

_CODE = re.compile(r"[A-Za-z0-9_-]{16,64}")
_USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")


def new_code() -> str:
    """A fresh code: 32 random bytes, url-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def looks_like_code(text: str) -> bool:
    """Whether `text` could be a code at all; anything else is refused before touching the database."""
    return _CODE.fullmatch(text) is not None


def hash_code(code: str) -> str:
    """The form a code is stored and looked up in."""
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def expiry(now: datetime, ttl: timedelta = DEFAULT_TTL) -> datetime:
    """When an invitation made `now` stops working; `ttl` must be positive and at most 90 days."""
    if ttl <= timedelta(0) or ttl > MAX_TTL:
        raise ValueError("An invitation must last between a moment and 90 days.")
    return now + ttl


def is_usable(expires_at: datetime, redeemed_at: datetime | None, now: datetime) -> bool:
    """An invitation works once, until it expires."""
    return redeemed_at is None and now < expires_at


def normalise_bot_username(name: str) -> str:
    """`@InspectBot` and `InspectBot` both give `InspectBot`; anything that is not a username is refused."""
    cleaned = name.strip().removeprefix("@")
    if _USERNAME.fullmatch(cleaned) is None:
        raise ValueError(f"'{name}' is not a Telegram bot username (letters, digits and _, 5 to 32 long).")
    return cleaned


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot and sends `/start <code>`."""
    return f"https://t.me/{normalise_bot_username(bot_username)}?start={code}"
