"""Splitting and cutting replies to Telegram's limits without breaking HTML."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.limits import ELLIPSIS, MESSAGE, cut, quote, size, split
from bot.localapi.html_entities import parse_html
from handlers.render import BUTTON_TEXT, button_text


def test_a_long_html_message_is_split_at_lines_with_tags_closed_and_reopened() -> None:
    text = "<b>" + "Oak &amp; Elm\n" * 600 + "</b>"
    parts = split(text, MESSAGE, html=True)
    assert len(parts) == 3
    assert all(size(part) <= MESSAGE for part in parts)
    assert all(part.startswith("<b>") and part.endswith("</b>") for part in parts)
    for part in parts:
        parse_html(part)  # Telegram would accept each
    assert "".join(parse_html(p)[0] for p in parts).count("Oak & Elm") == 600


def test_a_single_line_too_long_is_cut_by_characters_never_inside_an_entity() -> None:
    parts = split("&lt;" * 3000, MESSAGE, html=True)
    assert all(size(p) <= MESSAGE for p in parts)
    assert "".join(parts) == "&lt;" * 3000


def test_cut_adds_an_ellipsis_and_stays_within_the_limit() -> None:
    assert cut("short", 200) == "short"
    long = cut("line\n" * 100, 30)
    assert long.endswith(ELLIPSIS) and size(long) <= 30


def test_quote_keeps_forty_characters_of_what_a_person_typed() -> None:
    assert quote("x" * 4000) == "x" * 39 + ELLIPSIS
    assert quote("  two\n words ") == "two words"


_html_piece = st.one_of(
    st.text(alphabet=st.characters(blacklist_characters="<>&"), max_size=300),
    st.sampled_from(["\n", "&amp;", "&lt;", "😀", "\n\n"]),
    st.builds(lambda inner: f"<b>{inner}</b>", st.text(alphabet="ab\n é", max_size=200)),
    st.builds(
        lambda inner: f'<a href="https://example.org">{inner}</a>', st.text(alphabet="xy\n", max_size=80)
    ),
)


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(_html_piece, max_size=60), limit=st.integers(min_value=60, max_value=MESSAGE))
@example(pieces=["\ud800"], limit=60)  # a lone surrogate (JSON can carry one) is counted, not a crash
def test_every_part_is_valid_html_within_the_limit(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    for part in split(text, limit, html=True):
        assert size(part) <= limit
        parse_html(part)


def test_a_long_button_label_is_cut_at_a_word_with_an_ellipsis() -> None:
    label = "A senior person is under police investigation or serious concern from another agency"
    cut = button_text(label)
    assert cut == "A senior person is under police investigation or serious…"
    assert len(cut) <= BUTTON_TEXT and button_text("Short") == "Short"
    assert button_text("x" * 80) == "x" * (BUTTON_TEXT - 1) + "…"  # one long word: cut anyway
