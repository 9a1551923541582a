"""Re-export of `bot.localapi.html_entities` under the tests' old name."""

from bot.localapi.html_entities import EntityParseError, parse_html, strip_and_shift, utf16_len

__all__ = ["EntityParseError", "parse_html", "strip_and_shift", "utf16_len"]
