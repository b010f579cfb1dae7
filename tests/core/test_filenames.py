import re
import unicodedata
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.filenames import (
    DEFAULT_TEMPLATE,
    TemplateError,
    output_filename,
    render_template,
    safe_extension,
    sanitize_filename,
    template_context,
    truncate_words,
    unique_name,
    validate_template,
)

WHEN = datetime(2024, 5, 1, 14, 22, 33)
PARAMS = {
    "prompt": "a lighthouse on a cliff at dusk, dramatic clouds, oil painting",
    "scheduler": "EulerDiscreteScheduler",
    "steps": 20,
    "scale": 7.5,
    "width": 512,
    "height": 768,
}
RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in "123456789"}


def _ctx() -> dict:
    return template_context(PARAMS, when=WHEN, task_id="2221", index=0, seed=123456)


def test_render_fills_every_placeholder() -> None:
    template = "{date}_{time}_{seed}_{index}_{task}_{scheduler}_{steps}_{scale}_{width}x{height}"
    assert render_template(template, _ctx()) == (
        "2024-05-01_14-22-33_123456_1_2221_Euler_20_7.5_512x768"  # the name the form shows
    )


def test_scheduler_token_is_the_shown_name_and_unknown_ones_pass_through() -> None:
    ctx = template_context(
        {**PARAMS, "scheduler": "EulerAncestralDiscreteScheduler"},
        when=WHEN, task_id="1", index=0, seed=1,
    )  # fmt: skip
    assert render_template("{scheduler}", ctx) == "Euler a"
    other = template_context({**PARAMS, "scheduler": "NewScheduler"}, when=WHEN, task_id="1",
                             index=0, seed=1)  # fmt: skip
    assert render_template("{scheduler}", other) == "NewScheduler"


def test_prompt_is_truncated_at_a_word_boundary() -> None:
    assert render_template("{prompt:20}", _ctx()) == "a lighthouse on a"
    assert render_template("{prompt}", _ctx()) == PARAMS["prompt"]
    assert truncate_words("supercalifragilistic", 5) == "super"


def test_prompt_whitespace_and_newlines_collapse() -> None:
    ctx = {**_ctx(), "prompt": "a\n\n  cat\tsleeping"}
    assert render_template("{prompt}", ctx) == "a cat sleeping"


def test_unknown_placeholders_stay_literal_when_rendering() -> None:
    assert render_template("{seed}-{nope}", _ctx()) == "123456-{nope}"


def test_default_template_is_valid_and_renders_a_safe_name() -> None:
    validate_template(DEFAULT_TEMPLATE)
    name = sanitize_filename(render_template(DEFAULT_TEMPLATE, _ctx()) + ".png")
    assert name == "2024-05-01_14-22-33_123456_a lighthouse on a cliff at dusk.png"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{nope}", "Unknown placeholder {nope}"),
        ("{seed", "unmatched"),
        ("seed}", "unmatched"),
        ("{prompt:abc}", "Unknown placeholder"),
        ("{prompt:0}", "always be empty"),
        ("out/{seed}", "subfolders"),
        ("..\\{seed}", "subfolders"),
        ("   ", "empty"),
        ("{seed}" * 2000, "too long (12,000 characters; at most 200)"),
    ],
)
def test_validate_template_explains_the_problem(template: str, message: str) -> None:
    with pytest.raises(TemplateError, match=re.escape(message)):
        validate_template(template)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../evil.png", "_.._evil.png"),
        ("/etc/passwd", "_etc_passwd"),
        ("C:\\x", "C__x"),
        ("con.png", "_con.png"),
        ("CON", "_CON"),
        ("lpt9.tar.gz", "_lpt9.tar.gz"),
        ("com1 .txt", "_com1.txt"),
        ("Nul.PNG", "_Nul.png"),
        ("console.png", "console.png"),
        ('a<b>c:d"e|f?g*h.png', "a_b_c_d_e_f_g_h.png"),
        ("name. . .", "name"),
        ("..", "image"),
        ("", "image"),
        ("\x00\x01\x1f", "image"),
        ("tab\there\nnew", "tab here new"),
        ("évian\u202egnp.exe", "éviangnp.exe"),
        ("日本語の猫.png", "日本語の猫.png"),
        (".hidden", "hidden"),
    ],
)
def test_sanitize_known_cases(raw: str, expected: str) -> None:
    assert sanitize_filename(raw) == expected


def test_sanitize_normalises_to_nfc() -> None:
    decomposed = unicodedata.normalize("NFD", "café.png")
    assert sanitize_filename(decomposed) == "café.png"


def test_sanitize_limits_bytes_without_splitting_characters_and_keeps_extension() -> None:
    name = sanitize_filename("猫" * 200 + ".png", max_bytes=100)
    assert name.endswith(".png")
    assert len(name.encode()) <= 100
    assert set(name[:-4]) == {"猫"}


def test_sanitize_keeps_combining_marks_with_their_base() -> None:
    text = "e\u0301" * 100
    name = sanitize_filename(unicodedata.normalize("NFD", "x") + text, max_bytes=21)
    assert not unicodedata.combining(name[-1]) or name[-2] == "e"
    assert len(name.encode()) <= 21


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300), st.integers(min_value=16, max_value=255))
def test_sanitize_is_always_safe(raw: str, max_bytes: int) -> None:
    name = sanitize_filename(raw, max_bytes=max_bytes)
    assert name
    assert len(name.encode("utf-8")) <= max_bytes
    assert not set(name) & set('<>:"/\\|?*')
    assert all(unicodedata.category(c) != "Cc" for c in name)
    assert name not in (".", "..")
    assert not name.startswith(".")
    assert not name.endswith((" ", "."))
    assert name.split(".", 1)[0].rstrip(" ").upper() not in RESERVED
    assert unicodedata.is_normalized("NFC", name)
    assert sanitize_filename(name, max_bytes=max_bytes) == name


def test_unique_name_adds_counters() -> None:
    taken = {"cat.png", "cat (2).png"}
    assert unique_name("cat", ".png", taken.__contains__) == "cat (3).png"
    assert unique_name("dog", "png", taken.__contains__) == "dog.png"
    assert unique_name("con", ".png", lambda _n: False) == "_con.png"
    assert unique_name("", ".png", lambda _n: False) == "image.png"


def test_unique_name_stays_within_the_byte_limit() -> None:
    taken: set[str] = set()
    for _ in range(12):
        name = unique_name("é" * 300, ".webp", taken.__contains__, max_bytes=64)
        assert len(name.encode()) <= 64
        assert name not in taken
        taken.add(name)


def test_unique_name_gives_up_loudly() -> None:
    with pytest.raises(FileExistsError):
        unique_name("x", ".png", lambda _n: True, max_tries=5)
    with pytest.raises(ValueError):
        unique_name("x", "../png", lambda _n: False)


@pytest.mark.parametrize(
    ("server_name", "ext"),
    [
        ("../../evil.png", ".png"),
        ("/etc/passwd", ".png"),
        ("C:\\x", ".png"),
        ("con.png", ".png"),
        ("https://cdn.example/x/0.JPG?sig=1.exe", ".jpg"),
        ("shell.php", ".png"),
        ("x.webp", ".webp"),
    ],
)
def test_output_filename_ignores_untrusted_server_names(server_name: str, ext: str) -> None:
    name = output_filename(when=WHEN, task_id="2221", index=0, seed=123456, server_name=server_name)
    assert name == f"2024-05-01_142233_task-2221_1_seed-123456{ext}"


def test_output_filename_sanitises_hostile_task_ids_and_seeds() -> None:
    name = output_filename(when=WHEN, task_id="../../x\\y:z", index=3, seed="1/2", server_name="")
    assert name == "2024-05-01_142233_task-xyz_4_seed-12.png"
    assert output_filename(when=WHEN, task_id=None, index=0, seed=None) == "2024-05-01_142233_1.png"


def test_safe_extension_default() -> None:
    assert safe_extension("noext") == ".png"
    assert safe_extension("a.JPEG") == ".jpeg"
