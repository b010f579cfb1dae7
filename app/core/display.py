"""Text from a server or a file made safe to show: control and bidi characters made visible.

Markup is the UI's concern (it shows such text as plain text); this module only makes
sure every character on screen is one the user can see: a NUL, ESC or BEL becomes its
control picture (␀ ␛ ␇), a bidi override such as U+202E (which would make "gpj.exe" read
as "exe.jpg") becomes ``<U+202E>``, and a lone surrogate becomes U+FFFD.
"""

from __future__ import annotations

import re

# Bidi embeddings, overrides, isolates and marks (Unicode UAX #9, Table 1) and the BOM.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")
# Every character ``_char`` changes: C0 and C1 controls, DEL, line breaks, bidi, surrogates.
_CHANGED = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + "".join(sorted(_BIDI)) + "]")


def _char(ch: str, keep_newlines: bool) -> str:
    code = ord(ch)
    if ch in _LINE_BREAKS:
        if not keep_newlines:
            return " "
        return "" if ch == "\r" else "\n"
    if ch == "\t":
        return "\t" if keep_newlines else " "
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode "Control Pictures": ␀ ␇ ␛ …
    if code == 0x7F:
        return "\u2421"  # ␡
    if 0x80 <= code < 0xA0:
        return f"<U+{code:04X}>"
    if ch in _BIDI:
        return f"<U+{code:04X}>"
    if 0xD800 <= code < 0xE000:
        return "\ufffd"  # a lone surrogate cannot be drawn (or encoded)
    return ch


def visible_text(text: object, *, keep_newlines: bool = True, max_chars: int | None = None) -> str:
    """``text`` with every invisible or direction-changing character shown visibly.

    ``keep_newlines=False`` folds line breaks and tabs into spaces (one-line labels);
    ``max_chars`` cuts long text with an ellipsis. Accepts anything ``str()`` can show.
    """
    try:
        raw = text if isinstance(text, str) else str(text)
    except Exception:  # a value whose str() fails (e.g. an int past the 4,300-digit limit)
        raw = f"<{type(text).__name__}>"
    if max_chars is not None and len(raw) > max_chars:
        raw = raw[: max(0, max_chars - 1)] + "…"
    if raw.isprintable() and "\ufeff" not in raw and not any(c in _BIDI for c in raw):
        return raw
    return _CHANGED.sub(lambda match: _char(match.group(), keep_newlines), raw)


def one_line(text: object, max_chars: int | None = None) -> str:
    """Visible text on a single line: line breaks and tabs become spaces."""
    return visible_text(text, keep_newlines=False, max_chars=max_chars)
