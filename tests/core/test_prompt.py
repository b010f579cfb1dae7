"""A1111 prompt syntax: highlighting spans, bracket checks, attention weights and nudging."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.prompt import (
    BREAK_WEIGHT,
    EMBEDDINGS,
    Problem,
    Span,
    SpanKind,
    bracket_problems,
    complete_embedding,
    effective_weights,
    from_utf16,
    highlight_spans,
    to_utf16,
    tokenize,
    utf16_offsets,
    word_at,
)
from app.core.prompt_weights import (
    MAX_WEIGHT,
    Edit,
    adjust_weight,
    format_weight,
    nudged,
)
from app.resources import tool_detail_payload

K = SpanKind
BRACKETS = {K.EMPHASIS_OPEN, K.EMPHASIS_CLOSE, K.DEEMPHASIS_OPEN, K.DEEMPHASIS_CLOSE}
INSPIRE = tool_detail_payload()["tool"][0]["inspire"]
PROMPTS = [item["prompt"] for item in INSPIRE]
NEGATIVES = [item["negativePrompt"] for item in INSPIRE]


def kinds(text: str) -> list[tuple[str, SpanKind, int]]:
    return [(text[s.start : s.end], s.kind, s.depth) for s in tokenize(text)]


def literal(text: str) -> str:
    """The text a prompt feeds the model once its syntax is removed (spans based)."""
    out, last = [], 0
    for span in tokenize(text):
        out.append(text[last : span.start])
        piece = text[span.start : span.end]
        if span.kind == K.ESCAPE:
            out.append(piece[1])
        elif span.kind in (K.EMBEDDING, K.BREAK) or (span.kind == K.UNBALANCED and piece in ")]"):
            out.append(piece)  # a stray ) or ] is literal; a stray ( or [ acts to the end
        last = span.end
    out.append(text[last:])
    return "".join(out)


def assert_well_formed(text: str, spans: list[Span]) -> None:
    previous_end = 0
    for span in spans:
        assert 0 <= previous_end <= span.start < span.end <= len(text), span
        previous_end = span.end


def nudge(text: str, start: int, end: int | None = None, delta: float = 0.1) -> Edit:
    return adjust_weight(text, start, start if end is None else end, delta)


def selected(edit: Edit) -> str:
    return edit.text[edit.sel_start : edit.sel_end]


# --- highlighting -------------------------------------------------------------------------


def test_nested_groups_carry_depth() -> None:
    assert kinds("(((a)))") == [
        ("(", K.EMPHASIS_OPEN, 0),
        ("(", K.EMPHASIS_OPEN, 1),
        ("(", K.EMPHASIS_OPEN, 2),
        (")", K.EMPHASIS_CLOSE, 2),
        (")", K.EMPHASIS_CLOSE, 1),
        (")", K.EMPHASIS_CLOSE, 0),
    ]
    assert kinds("[(a:1.2)]") == [
        ("[", K.DEEMPHASIS_OPEN, 0),
        ("(", K.EMPHASIS_OPEN, 1),
        (":1.2", K.WEIGHT, 1),
        (")", K.EMPHASIS_CLOSE, 1),
        ("]", K.DEEMPHASIS_CLOSE, 0),
    ]
    assert highlight_spans("(a)") == tokenize("(a)")


def test_escaped_brackets_are_not_groups() -> None:
    assert kinds(r"lucy \(cyberpunk\)") == [("\\(", K.ESCAPE, 0), ("\\)", K.ESCAPE, 0)]
    assert kinds(r"\[a\] \\ b") == [
        ("\\[", K.ESCAPE, 0),
        ("\\]", K.ESCAPE, 0),
        ("\\\\", K.ESCAPE, 0),
    ]
    assert kinds(r"\\(a)") == [
        ("\\\\", K.ESCAPE, 0),
        ("(", K.EMPHASIS_OPEN, 0),
        (")", K.EMPHASIS_CLOSE, 0),
    ]
    assert kinds(r"a\b") == [], "a lone backslash is plain text"


def test_unbalanced_brackets() -> None:
    assert kinds("((a)") == [
        ("(", K.UNBALANCED, 0),
        ("(", K.EMPHASIS_OPEN, 0),
        (")", K.EMPHASIS_CLOSE, 0),
    ]
    assert kinds("a)]") == [(")", K.UNBALANCED, 0), ("]", K.UNBALANCED, 0)]
    assert kinds("a:1.2)") == [(")", K.UNBALANCED, 0)], "a weight with no ( is plain text"
    assert kinds("[a)") == [("[", K.UNBALANCED, 0), (")", K.UNBALANCED, 0)]


def test_weight_spans_allow_spaces() -> None:
    assert kinds("(a: 1.2)")[1] == (": 1.2", K.WEIGHT, 0)
    assert kinds("(a :1.2 )")[1] == (":1.2 ", K.WEIGHT, 0)
    assert kinds("(a:.5)")[1] == (":.5", K.WEIGHT, 0)
    assert kinds("(a:-1)")[1] == (":-1", K.WEIGHT, 0)
    assert K.WEIGHT not in {k for _, k, _ in kinds("(a:1.2.3)")}
    assert K.WEIGHT not in {k for _, k, _ in kinds("(a:b)")}


def test_prompt_editing_syntax_is_plain_deemphasis() -> None:
    assert kinds("[a:b:0.5]") == [("[", K.DEEMPHASIS_OPEN, 0), ("]", K.DEEMPHASIS_CLOSE, 0)]
    assert kinds("[a|b] [cat:dog:10]")[0][1] == K.DEEMPHASIS_OPEN
    assert bracket_problems("[a:b:0.5]") == []


def test_embeddings_are_whole_words_any_case() -> None:
    def found(text: str) -> list[str]:
        return [p for p, k, _ in kinds(text) if k == K.EMBEDDING]

    assert found("BadDreams, xBadDream, BadDream_v2, FastNegativeV22") == []
    assert found("(UnrealisticDream:1.3)") == ["UnrealisticDream"]
    assert found("BadDream, FastNegativeV2") == ["BadDream", "FastNegativeV2"]
    assert found("baddream BADDREAM") == ["baddream", "BADDREAM"], "CLIP lower-cases prompts"
    assert found(r"\(BadDream\) [FastNegativeV2]") == ["BadDream", "FastNegativeV2"]
    assert found("embedding:EasyNegative, (embedding:bad-hands.pt:1.2)") == [
        "embedding:EasyNegative",
        "embedding:bad-hands.pt",
    ]
    assert found("embedding:1.2") == []


def test_break_keyword() -> None:
    assert kinds("a BREAK b") == [("BREAK", K.BREAK, 0)]
    assert kinds("a break b, aBREAK, BREAKS") == []
    assert kinds("(a BREAK)")[1] == ("BREAK", K.BREAK, 0)


@pytest.mark.parametrize("text", PROMPTS + NEGATIVES)
def test_inspire_prompts_parse_cleanly(text: str) -> None:
    spans = tokenize(text)
    assert_well_formed(text, spans)
    assert bracket_problems(text) == []
    assert K.UNBALANCED not in {s.kind for s in spans}
    opens = [s for s in spans if s.kind in (K.EMPHASIS_OPEN, K.DEEMPHASIS_OPEN)]
    closes = [s for s in spans if s.kind in (K.EMPHASIS_CLOSE, K.DEEMPHASIS_CLOSE)]
    assert sorted(s.depth for s in opens) == sorted(s.depth for s in closes)
    for span in spans:
        piece = text[span.start : span.end]
        if span.kind in BRACKETS:
            assert piece in "()[]" and len(piece) == 1
        elif span.kind == K.WEIGHT:
            assert re.fullmatch(r":\s*[\d.]+\s*", piece) and text[span.end] == ")"
        elif span.kind == K.ESCAPE:
            assert piece in (r"\(", r"\)")
        elif span.kind == K.EMBEDDING:
            assert piece in EMBEDDINGS
    assert "".join(part for part, _ in effective_weights(text)) == literal(text)


def test_inspire_details() -> None:
    weights = dict(effective_weights(PROMPTS[0]))
    assert weights["masterpiece, sidelighting, finely detailed beautiful eyes"] == 1.2
    assert weights["detailed background window to a new dimension, plants and flowers"] == 0.7
    escapes = [s for s in tokenize(PROMPTS[4]) if s.kind == K.ESCAPE]
    assert len(escapes) == 4
    assert "lucy (cyberpunk), " in literal(PROMPTS[4])
    assert "cyberpunk (series)" in literal(PROMPTS[4])
    deemphasis = [s for s in tokenize(PROMPTS[8]) if s.kind == K.DEEMPHASIS_OPEN]
    assert len(deemphasis) == 7
    assert dict(effective_weights(PROMPTS[8]))["motion blur"] == 1.001
    assert dict(effective_weights(PROMPTS[8]))["George Miller's Mad Max style"] == pytest.approx(
        1 / 1.1
    )
    assert max(s.depth for s in tokenize(PROMPTS[5])) == 2
    assert "aspect ratio 1:1, " in literal(PROMPTS[5])
    assert [w for p, w in effective_weights(PROMPTS[14]) if "digital painting" in p] == [1.0]
    negative = [
        (text[s.start : s.end], s.kind) for s in tokenize(NEGATIVES[1]) for text in [NEGATIVES[1]]
    ]
    assert ("UnrealisticDream", K.EMBEDDING) in negative and (":1.3", K.WEIGHT) in negative


# --- bracket problems and weights -----------------------------------------------------------


def test_bracket_problems() -> None:
    assert bracket_problems("a (b) [c] (d:1.5) ((e))") == []
    assert bracket_problems("portrait, (masterpiece, best") == [Problem(10, "Unclosed ( at 10")]
    assert bracket_problems("a, b]") == [Problem(4, "Unmatched ] at 4")]
    assert bracket_problems("(a))") == [Problem(3, "Unmatched ) at 3")]
    assert bracket_problems("x:1.2)") == [Problem(5, "Unmatched ) at 5")]
    assert bracket_problems(r"\(a \] \\") == []
    assert [p.message for p in bracket_problems("[a (b] c)")] == [
        "] at 5 closes [ at 0 while ( at 3 inside it is still open"
    ]
    assert [p.position for p in bracket_problems("(( [a")] == [0, 1, 3]


def test_effective_weights_follow_a1111() -> None:
    got = effective_weights("a (b) [c] (d:1.5) ((e))")
    assert [part for part, _ in got] == ["a ", "b", " ", "c", " ", "d", " ", "e"]
    assert [w for _, w in got] == pytest.approx([1.0, 1.1, 1.0, 1 / 1.1, 1.0, 1.5, 1.0, 1.21])
    assert effective_weights("((a:1.2))") == [("a", pytest.approx(1.32))]
    assert effective_weights("[(a:1.5)]") == [("a", pytest.approx(1.5 / 1.1))]
    assert effective_weights("(a: 1.2 )") == [("a", 1.2)]
    assert effective_weights("(a:-1)") == [("a", -1.0)]


def test_effective_weights_edge_cases() -> None:
    assert effective_weights("") == [("", 1.0)]
    assert effective_weights("()") == [("", 1.0)]
    assert effective_weights("(a)(b)") == [("ab", pytest.approx(1.1))]
    assert effective_weights("(a") == [("a", pytest.approx(1.1))], "closed at the end"
    assert effective_weights("a [b") == [("a ", 1.0), ("b", pytest.approx(1 / 1.1))]
    assert effective_weights("a) b]") == [("a) b]", 1.0)]
    assert effective_weights("a:1.2) b") == [("a:1.2) b", 1.0)]
    assert effective_weights(r"\(a\) \\ x\y") == [(r"(a) \ x\y", 1.0)]
    assert effective_weights("(a:1.2.3)") == [("a:1.2.3", pytest.approx(1.1))]
    assert effective_weights("[a:b:0.5]") == [("a:b:0.5", pytest.approx(1 / 1.1))]
    assert effective_weights("(a) BREAK (b)") == [
        ("a", pytest.approx(1.1)),
        ("BREAK", BREAK_WEIGHT),
        ("b", pytest.approx(1.1)),
    ]
    assert effective_weights("a BREAK BREAK b") == [
        ("a", 1.0),
        ("BREAK", BREAK_WEIGHT),
        ("BREAK", BREAK_WEIGHT),
        ("b", 1.0),
    ]


# --- embeddings and words -------------------------------------------------------------------


def test_complete_embedding() -> None:
    assert complete_embedding("b") == []
    assert complete_embedding("ba") == ["BadDream"]
    assert complete_embedding("UNREAL") == ["UnrealisticDream"]
    assert complete_embedding("fastnegativev2") == ["FastNegativeV2"]
    assert complete_embedding("xy") == []
    assert complete_embedding("embedding:") == [f"embedding:{n}" for n in EMBEDDINGS]
    assert complete_embedding("embedding:f") == ["embedding:FastNegativeV2"]


def test_word_at() -> None:
    text = r"(BadD, lucy \(cyber\)"
    assert word_at(text, 5) == (1, 5, "BadD")
    assert word_at(text, 1) == (1, 5, "BadD")
    assert word_at(text, 6) == (6, 6, "")
    assert word_at(text, 15) == (12, 21, r"\(cyber\)")
    assert word_at("", 0) == (0, 0, "")
    assert word_at("ab", 99) == (0, 2, "ab")


# --- weight nudging -------------------------------------------------------------------------


def test_format_and_nudge() -> None:
    assert [format_weight(w) for w in (1.1, 0.9, 1.25, 1.0, 2, 0, 1.0049, -0.0)] == [
        "1.1",
        "0.9",
        "1.25",
        "1.0",
        "2.0",
        "0.0",
        "1.0",
        "0.0",
    ]
    assert nudged(0.9, 0.1) == 1.0
    assert nudged(1.95, 0.1) == MAX_WEIGHT
    assert nudged(2.5, 0.1) == 2.5, "a typed weight above the limit is not pushed further"
    assert nudged(2.5, -0.1) == 2.4
    assert nudged(0.05, -0.1) == 0.0
    assert nudged(-0.5, -0.1) == -0.5


def test_empty_selection_wraps_the_word() -> None:
    edit = nudge("a red cat", 4)
    assert edit == Edit("a (red:1.1) cat", 3, 6)
    assert nudge("a red cat", 3) == edit, "cursor at the word start"
    assert nudge("a red cat", 5) == edit, "cursor at the word end"
    assert nudge("a red cat", 4, delta=-0.1).text == "a (red:0.9) cat"
    assert nudge("a red cat", 9) == Edit("a red (cat:1.1)", 7, 10), "cursor at the end"


def test_selection_across_words_and_trimming() -> None:
    assert nudge("a red cat", 2, 9) == Edit("a (red cat:1.1)", 3, 10)
    assert nudge("x, red cat, y", 1, 12) == Edit("x, (red cat:1.1), y", 4, 11)
    assert nudge("red, cat", 0, 5) == Edit("(red:1.1), cat", 1, 4)
    assert nudge("red cat", 7, 0).text == "(red cat:1.1)", "reversed selection"


def test_inside_a_weighted_group() -> None:
    assert nudge("a (red cat:1.2)", 5) == Edit("a (red cat:1.3)", 3, 10)
    assert nudge("a (red cat:1.2)", 3, 6).text == "a (red cat:1.3)", "part of the group"
    assert nudge("a (red cat:1.2)", 2, 15).text == "a (red cat:1.3)", "the whole group"
    assert nudge("a (red cat:1.2)", 12).text == "a (red cat:1.3)", "cursor on the number"
    assert nudge("a (red cat:1.2)", 15).text == "a (red cat:1.3)", "cursor after the )"
    assert nudge("(eyes: 1.2)", 2).text == "(eyes: 1.3)", "spacing is kept"
    assert nudge("(a b:1.25)", 1).text == "(a b:1.35)"
    assert nudge("((red:1.2) cat:1.5)", 3).text == "((red:1.3) cat:1.5)", "innermost group"
    assert nudge("((red:1.2) cat:1.5)", 12).text == "((red:1.2) cat:1.6)"


def test_repeated_nudges_and_unwrapping() -> None:
    edit = Edit("a cat", 3, 3)
    seen = []
    for _ in range(3):
        edit = adjust_weight(edit.text, edit.sel_start, edit.sel_end, 0.1)
        seen.append(edit.text)
        assert selected(edit) == "cat"
    assert seen == ["a (cat:1.1)", "a (cat:1.2)", "a (cat:1.3)"]
    for _ in range(3):
        edit = adjust_weight(edit.text, edit.sel_start, edit.sel_end, -0.1)
    assert edit == Edit("a cat", 2, 5), "exactly 1.0 unwraps"
    edit = adjust_weight(edit.text, edit.sel_start, edit.sel_end, -0.1)
    assert edit.text == "a (cat:0.9)"
    assert nudge("(cat:0.9)", 1) == Edit("cat", 0, 3)


def test_limits() -> None:
    assert nudge("(a:2.0)", 1) == Edit("(a:2.0)", 1, 2)
    assert nudge("(a:0.1)", 1, delta=-0.1).text == "(a:0.0)"
    assert nudge("(a:0.0)", 1, delta=-0.1).text == "(a:0.0)"
    assert nudge("a", 1, delta=5).text == "(a:2.0)"
    assert nudge("a", 1, delta=-5).text == "(a:0.0)"
    assert nudge("(a:1.001)", 1).text == "(a:1.1)"


def test_no_ops() -> None:
    assert nudge("", 0) == Edit("", 0, 0)
    assert nudge("   ", 1) == Edit("   ", 1, 1)
    assert nudge("a, , b", 3) == Edit("a, , b", 3, 3), "cursor between commas"
    assert nudge("a, b", 1, 3) == Edit("a, b", 1, 3), "only a comma and space selected"
    assert nudge("a b", 1, delta=0) == Edit("a b", 1, 1)
    assert nudge("a b", 1, delta=float("nan")) == Edit("a b", 1, 1)


def test_plain_parens_are_wrapped_inside() -> None:
    assert nudge("((cat))", 3) == Edit("(((cat:1.1)))", 3, 6)
    assert nudge("[cat]", 2).text == "[(cat:1.1)]"
    assert nudge("(red cat)", 2).text == "((red:1.1) cat)"
    assert nudge("((cat:1.2))", 3).text == "((cat:1.3))"


def test_selection_is_widened_to_keep_brackets_balanced() -> None:
    assert nudge("x (a b) y", 0, 4).text == "(x (a b):1.1) y"
    assert nudge("x (a b:1.2) y", 8, 13).text == "x ((a b:1.2) y:1.1)"
    assert nudge("[a (b] c)", 4).text == "[a ((b:1.1)] c)"
    assert nudge(r"a \(b\) c", 3, 5).text == r"a (\(b:1.1)\) c", "escapes are not split"
    assert nudge(r"a \(b\) c", 4, 5).text == r"a \((b:1.1)\) c"


def test_backslashes_never_escape_inserted_brackets() -> None:
    edit = nudge(r"a\b", 2, 3)
    assert edit.text == r"a(\b:1.1)"
    assert effective_weights(edit.text) == [("a", 1.0), ("\\b", pytest.approx(1.1))]
    edit = nudge(r"(a\:0.9)(b)", 1)
    assert edit.text == r"a\\(b)"
    assert effective_weights(edit.text) == [("a\\", 1.0), ("b", pytest.approx(1.1))]


def test_unwrap_that_would_change_meaning_keeps_an_explicit_weight() -> None:
    assert nudge("(y:(2:0.9))", 5).text == "(y:(2:1.0))"


def test_unbalanced_input() -> None:
    assert nudge("((a", 2).text == "(((a:1.1)"
    assert nudge("b (a", 2, 4).text == "b ((a:1.1)", "a loose bracket is trimmed off"
    assert nudge("a)", 0, 2).text == "(a:1.1))"


def per_char(text: str) -> list[tuple[str, float]]:
    return [(char, weight) for part, weight in effective_weights(text) for char in part]


def test_inspire_words_round_trip() -> None:
    """Up then down restores every word; (x:1.0) and (x:1.001) come back as the bare text."""
    for text in PROMPTS:
        for start in {word_at(text, i)[0] for i in range(len(text)) if word_at(text, i)[2]}:
            up = nudge(text, start)
            assert up.text != text and bracket_problems(up.text) == []
            down = adjust_weight(up.text, up.sel_start, up.sel_end, -0.1)
            if down.text != text:
                before, after = per_char(text), per_char(down.text)
                assert [c for c, _ in after] == [c for c, _ in before]
                assert [w for _, w in after] == pytest.approx([w for _, w in before], abs=0.002)


# --- properties -----------------------------------------------------------------------------

FRAGMENTS = st.sampled_from(
    [
        *("a", "cat", " ", ", ", "(", ")", "[", "]", ":", "1.2", ":1.5)", "0", ".", "|", "\n"),
        *("\\", "\\(", "\\)", "\\\\", "BadDream", "embedding:", "BREAK", "🎨", "é"),
    ]
)
PROMPT_TEXT = st.one_of(st.text(max_size=40), st.lists(FRAGMENTS, max_size=25).map("".join))


@settings(max_examples=200)
@given(PROMPT_TEXT)
def test_tokenize_is_total_and_consistent(text: str) -> None:
    spans = tokenize(text)
    assert_well_formed(text, spans)
    unbalanced = {s.start for s in spans if s.kind == K.UNBALANCED}
    problems = {p.position for p in bracket_problems(text) if "still open" not in p.message}
    assert unbalanced == problems
    if "BREAK" not in text:
        assert "".join(part for part, _ in effective_weights(text)) == literal(text)


@settings(max_examples=200)
@given(PROMPT_TEXT, st.integers(-2, 60), st.integers(-2, 60), st.sampled_from([0.1, -0.1, 0.25]))
def test_adjust_weight_keeps_brackets_balanced(text: str, a: int, b: int, delta: float) -> None:
    edit = adjust_weight(text, a, b, delta)
    if edit.text != text:
        assert 0 <= edit.sel_start <= edit.sel_end <= len(edit.text)
    if not bracket_problems(text):
        assert bracket_problems(edit.text) == []


@settings(max_examples=200)
@given(st.text(max_size=30))
def test_utf16_offsets_round_trip(text: str) -> None:
    for i in range(len(text) + 1):
        units = to_utf16(text, i)
        assert units == len(text[:i].encode("utf-16-le")) // 2
        assert from_utf16(text, units) == i
    spans = tokenize(text)
    assert utf16_offsets(text, spans) == [
        Span(to_utf16(text, s.start), to_utf16(text, s.end), s.kind, s.depth) for s in spans
    ]


def test_utf16_offsets_with_emoji() -> None:
    text = "🎨🖌 (a:1.2) BadDream"
    spans = utf16_offsets(text, tokenize(text))
    assert [(s.start, s.end, s.kind) for s in spans] == [
        (5, 6, K.EMPHASIS_OPEN),
        (7, 11, K.WEIGHT),
        (11, 12, K.EMPHASIS_CLOSE),
        (13, 21, K.EMBEDDING),
    ]
    assert from_utf16(text, 1) == 0, "inside a surrogate pair rounds down"
    assert from_utf16(text, 99) == len(text)
    assert utf16_offsets("é (a)", tokenize("é (a)")) == tokenize("é (a)")
