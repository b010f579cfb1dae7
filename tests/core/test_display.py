"""Server and file text is shown with every hidden character made visible."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.core.display import one_line, visible_text


def test_plain_text_is_unchanged() -> None:
    text = 'Prompt <img src="/dev/zero"> & "quotes", ünïcode ☃ 👩‍🎨'
    assert visible_text(text) == text


def test_control_characters_become_control_pictures() -> None:
    assert visible_text("a\x00b\x07c\x1b[31md\x7f") == "a␀b␇c␛[31md␡"
    assert visible_text("c1\x85x\x9b") == "c1\nx<U+009B>"


def test_bidi_overrides_are_escaped() -> None:
    assert visible_text("photo\u202egpj.exe") == "photo<U+202E>gpj.exe"
    assert visible_text("\u2066x\u2069\u200f") == "<U+2066>x<U+2069><U+200F>"


def test_newlines_kept_or_folded() -> None:
    assert visible_text("a\r\nb\tc\u2028d") == "a\nb\tc\nd"
    assert one_line("a\r\nb\tc") == "a  b c"


def test_lone_surrogates_and_unprintable_values() -> None:
    assert visible_text("x\ud800y") == "x\ufffdy"
    assert visible_text(10**5000).startswith("<int")
    assert visible_text(None) == "None"


def test_long_text_is_cut_with_an_ellipsis() -> None:
    assert visible_text("abcdef", max_chars=4) == "abc…"


@given(st.text())
def test_result_has_no_invisible_controls(text: str) -> None:
    shown = visible_text(text)
    assert all(ch in "\n\t" or ord(ch) >= 0x20 for ch in shown)
    assert not any(0x80 <= ord(ch) < 0xA0 or 0x202A <= ord(ch) <= 0x202E for ch in shown)
    shown.encode("utf-8")  # never raises: no lone surrogates
