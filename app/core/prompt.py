"""A1111 prompt syntax: emphasis, weights, escapes, embeddings and BREAK, for highlighting.

Semantics follow A1111's "Attention/emphasis" rules: ``(x)`` multiplies attention by 1.1,
``[x]`` divides it by 1.1, ``(x:w)`` multiplies it by ``w`` (so ``((x:1.2))`` is 1.32), and
``\\(`` ``\\)`` ``\\[`` ``\\]`` ``\\\\`` are literal characters. Round and square brackets pair on
separate stacks, as in A1111, so ``([x)]`` is accepted there; :func:`bracket_problems` still
reports such overlapping groups because they are almost always a typing slip. A bracket that is
never closed acts to the end of the prompt, one that was never opened is plain text.

Embedding names are matched case-insensitively as whole words: A1111 finds textual inversions
by CLIP token ids and the CLIP tokenizer lower-cases the prompt, so ``baddream`` triggers
``BadDream`` too. The ComfyUI form ``embedding:Name`` is highlighted for any name.

Prompt editing (``[a:b:0.5]``) and alternation (``[a|b]``) are not interpreted: their square
brackets count as de-emphasis and the colons and numbers inside them as plain text.

All offsets are Python ``str`` indices; :func:`utf16_offsets`, :func:`to_utf16` and
:func:`from_utf16` convert for Qt, whose text positions count UTF-16 code units.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

EMBEDDINGS: tuple[str, ...] = ("BadDream", "UnrealisticDream", "FastNegativeV2")
EMPHASIS = 1.1
BREAK_WEIGHT = -1.0
MIN_COMPLETION_PREFIX = 2

NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)"
_LEX = re.compile(
    r"(?P<esc>\\[()\[\]\\])"
    r"|(?P<open>[(\[])"
    rf"|(?P<wclose>:\s*{NUMBER}\s*\))"
    r"|(?P<close>[)\]])"
    r"|(?P<text>[^\\()\[\]:]+|[\\:])"
)
_WEIGHT = re.compile(rf":\s*({NUMBER})")
_BREAK = re.compile(r"\bBREAK\b")
_BREAK_SPLIT = re.compile(r"\s*\bBREAK\b\s*")
_EMBEDDING = re.compile(
    r"(?<!\w)(?:embedding:[A-Za-z_][\w\-]*(?:\.[\w\-]+)*|(?i:" + "|".join(EMBEDDINGS) + r"))(?!\w)"
)
_EMBEDDING_PREFIX = "embedding:"
_NOT_WORD = ",()[]"


class SpanKind(StrEnum):
    """What a highlighted span is; the values double as stable names for text formats."""

    EMPHASIS_OPEN = "emphasis_open"
    EMPHASIS_CLOSE = "emphasis_close"
    DEEMPHASIS_OPEN = "deemphasis_open"
    DEEMPHASIS_CLOSE = "deemphasis_close"
    WEIGHT = "weight"  # ":1.2" of "(x:1.2)", colon and spaces included, ")" excluded
    ESCAPE = "escape"
    EMBEDDING = "embedding"
    UNBALANCED = "unbalanced"
    BREAK = "break"


_OPEN_KIND = {"(": SpanKind.EMPHASIS_OPEN, "[": SpanKind.DEEMPHASIS_OPEN}
_CLOSE_KIND = {")": SpanKind.EMPHASIS_CLOSE, "]": SpanKind.DEEMPHASIS_CLOSE}


@dataclass(frozen=True)
class Span:
    """A run of prompt syntax at ``[start, end)``; ``depth`` is the bracket nesting level."""

    start: int
    end: int
    kind: SpanKind
    depth: int = 0


@dataclass(frozen=True)
class Problem:
    """A bracket mistake at a ``str`` offset, described in plain English."""

    position: int
    message: str


@dataclass(slots=True)
class _Tok:
    start: int
    end: int
    kind: str  # "esc" | "open" | "close" | "wclose" | "text"
    partner: int = -1  # index of the matching bracket token
    crosses: int = -1  # index of an other-kind bracket still open inside this pair

    @property
    def bracket(self) -> int:
        """Offset of the bracket character itself (the ")" of a weighted close)."""
        return self.end - 1 if self.kind == "wclose" else self.start


def _scan(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    stacks: dict[str, list[int]] = {"(": [], "[": []}
    for m in _LEX.finditer(text):
        kind = m.lastgroup or "text"
        if kind == "text" and toks and toks[-1].kind == "text":
            toks[-1].end = m.end()
            continue
        tok = _Tok(m.start(), m.end(), kind)
        index = len(toks)
        toks.append(tok)
        if kind == "open":
            stacks[text[tok.start]].append(index)
        elif kind in ("close", "wclose"):
            opener = "[" if text[tok.start] == "]" else "("
            if stacks[opener]:
                other = stacks["(" if opener == "[" else "["]
                tok.partner = stacks[opener].pop()
                toks[tok.partner].partner = index
                if other and other[-1] > tok.partner:
                    tok.crosses = other[-1]
    return toks


def tokenize(text: str) -> list[Span]:
    """The syntax spans of a prompt, sorted and non-overlapping; plain text gets no span."""
    spans: list[Span] = []
    depth: dict[int, int] = {}
    level = 0
    for index, tok in enumerate(_scan(text)):
        if tok.kind == "text":
            spans.extend(_text_spans(text, tok.start, tok.end))
        elif tok.kind == "esc":
            spans.append(Span(tok.start, tok.end, SpanKind.ESCAPE))
        elif tok.partner < 0:
            spans.append(Span(tok.bracket, tok.bracket + 1, SpanKind.UNBALANCED))
        elif tok.kind == "open":
            depth[index] = level
            level += 1
            spans.append(Span(tok.start, tok.end, _OPEN_KIND[text[tok.start]], depth[index]))
        else:
            level -= 1
            d = depth[tok.partner]
            if tok.kind == "wclose":
                spans.append(Span(tok.start, tok.bracket, SpanKind.WEIGHT, d))
            spans.append(Span(tok.bracket, tok.end, _CLOSE_KIND[text[tok.bracket]], d))
    return spans


highlight_spans = tokenize


def _text_spans(text: str, start: int, end: int) -> list[Span]:
    found = [Span(*m.span(), SpanKind.EMBEDDING) for m in _EMBEDDING.finditer(text, start, end)]
    found += [
        Span(*m.span(), SpanKind.BREAK)
        for m in _BREAK.finditer(text, start, end)
        if not any(e.start <= m.start() < e.end for e in found)  # "embedding:BREAK" is a name
    ]
    return sorted(found, key=lambda s: s.start)


def bracket_problems(text: str) -> list[Problem]:
    """Unclosed, unmatched and overlapping brackets; escaped brackets are ignored."""
    toks = _scan(text)
    problems: list[Problem] = []
    for tok in toks:
        if tok.kind not in ("open", "close", "wclose"):
            continue
        pos = tok.bracket
        char = text[pos]
        if tok.partner < 0:
            word = "Unclosed" if tok.kind == "open" else "Unmatched"
            problems.append(Problem(pos, f"{word} {char} at {pos}"))
        elif tok.crosses >= 0:
            opener = toks[tok.partner].start
            other = toks[tok.crosses].start
            problems.append(
                Problem(
                    pos,
                    f"{char} at {pos} closes {text[opener]} at {opener} while "
                    f"{text[other]} at {other} inside it is still open",
                )
            )
    return sorted(problems, key=lambda p: p.position)


def effective_weights(text: str) -> list[tuple[str, float]]:
    """The prompt as (literal text, attention weight) runs, like A1111's parse_prompt_attention.

    Adjacent runs of equal weight are merged and empty runs dropped; a ``BREAK`` keyword is its
    own ``("BREAK", BREAK_WEIGHT)`` run and is never scaled. Empty input gives ``[("", 1.0)]``.
    """
    toks = _scan(text)
    chunks: list[list[Any]] = []
    first: dict[int, int] = {}
    for index, tok in enumerate(toks):
        raw = text[tok.start : tok.end]
        if tok.kind == "open":
            first[index] = len(chunks)
        elif tok.kind in ("close", "wclose") and tok.partner >= 0:
            _scale(chunks, first[tok.partner], _factor(raw))
        else:
            _append_literal(chunks, raw[1] if tok.kind == "esc" else raw)
    leftovers = [i for i, t in enumerate(toks) if t.kind == "open" and t.partner < 0]
    for index in sorted(leftovers, key=lambda i: text[toks[i].start] == "["):
        _scale(chunks, first[index], _factor(")" if text[toks[index].start] == "(" else "]"))
    merged: list[list[Any]] = []
    for chunk in chunks:
        if not chunk[0]:
            continue
        if merged and not (chunk[2] or merged[-1][2]) and merged[-1][1] == chunk[1]:
            merged[-1][0] += chunk[0]
        else:
            merged.append(chunk)
    return [(part, weight) for part, weight, _ in merged] or [("", 1.0)]


def _factor(closing: str) -> float:
    if closing == ")":
        return EMPHASIS
    if closing == "]":
        return 1 / EMPHASIS
    return float(closing[slice(*weight_number_span(closing, 0))])


def weight_number_span(text: str, colon: int) -> tuple[int, int]:
    """Where the number of the weight whose colon is at ``colon`` sits in ``text``."""
    m = _WEIGHT.match(text, colon)
    return m.span(1) if m else (colon, colon)


def _scale(chunks: list[list[Any]], start: int, factor: float) -> None:
    for chunk in chunks[start:]:
        if not chunk[2]:
            chunk[1] *= factor


def _append_literal(chunks: list[list[Any]], literal: str) -> None:
    for i, part in enumerate(_BREAK_SPLIT.split(literal)):
        if i:
            chunks.append(["BREAK", BREAK_WEIGHT, True])
        chunks.append([part, 1.0, False])


def _is_word_char(text: str, index: int, escaped: set[int]) -> bool:
    char = text[index]
    return index in escaped or not (char.isspace() or char in _NOT_WORD)


def _escaped_positions(text: str) -> set[int]:
    return {i for t in _scan(text) if t.kind == "esc" for i in range(t.start, t.end)}


def word_at(text: str, pos: int) -> tuple[int, int, str]:
    """The word touching ``pos``: a run without spaces, commas or brackets (escapes count).

    Returns ``(start, end, word)``; ``(pos, pos, "")`` when no word touches ``pos``.
    """
    pos = min(max(pos, 0), len(text))
    escaped = _escaped_positions(text)
    start = pos
    while start > 0 and _is_word_char(text, start - 1, escaped):
        start -= 1
    end = pos
    while end < len(text) and _is_word_char(text, end, escaped):
        end += 1
    return start, end, text[start:end]


def complete_embedding(prefix: str) -> list[str]:
    """Embedding names starting with ``prefix`` (any case, at least 2 characters).

    ``embedding:`` followed by anything (even nothing) completes to ``embedding:Name``.
    """
    lead = ""
    if prefix[: len(_EMBEDDING_PREFIX)].lower() == _EMBEDDING_PREFIX:
        lead, prefix = prefix[: len(_EMBEDDING_PREFIX)], prefix[len(_EMBEDDING_PREFIX) :]
    elif len(prefix) < MIN_COMPLETION_PREFIX:
        return []
    wanted = prefix.lower()
    return [lead + name for name in EMBEDDINGS if name.lower().startswith(wanted)]


def to_utf16(text: str, index: int) -> int:
    """A ``str`` index as a UTF-16 code unit offset (what Qt's text positions count)."""
    head = text[: max(index, 0)]
    return len(head) + sum(1 for char in head if ord(char) > 0xFFFF)


def from_utf16(text: str, offset: int) -> int:
    """A UTF-16 offset as a ``str`` index; an offset inside a surrogate pair rounds down."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            return index
    return len(text)


def utf16_offsets(text: str, spans: list[Span]) -> list[Span]:
    """The spans with start and end in UTF-16 code units, for QSyntaxHighlighter.setFormat."""
    if all(ord(char) <= 0xFFFF for char in text):
        return list(spans)
    table = [0]
    for char in text:
        table.append(table[-1] + (2 if ord(char) > 0xFFFF else 1))
    return [replace(s, start=table[s.start], end=table[s.end]) for s in spans]
