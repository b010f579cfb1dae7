"""Known tools, their bundled schemas, file inputs and live-schema comparison."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from app.core.file_inputs import (
    FileInputError,
    coerce_file,
    local_files,
    run_params,
    url_param,
)
from app.core.params import validate
from app.core.schema import FieldKind, ToolSchema, parse_field, parse_tool
from app.core.tools import (
    DREAMSHAPER_8,
    IMAGE_TO_IMAGE_SD,
    KNOWN_TOOLS,
    REAL_ESRGAN,
    UNVERIFIED,
    SchemaChoice,
    ToolRole,
    choose_schema,
    compare_schema,
    find_option,
    find_tool,
    preferred_values,
    provenance,
    tool_for_role,
)
from app.resources import tool_detail_payload


def _schema(payload: dict[str, Any]) -> ToolSchema:
    return parse_tool(payload)


def _items(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [i for g in payload["tool"][0]["parameters"] for i in g["items"]]


def test_registry_has_one_tool_per_role() -> None:
    assert [t.role for t in KNOWN_TOOLS] == [
        ToolRole.GENERATE,
        ToolRole.UPSCALE,
        ToolRole.REIMAGINE,
    ]
    assert tool_for_role("upscale") is REAL_ESRGAN
    assert tool_for_role(ToolRole.REIMAGINE) is IMAGE_TO_IMAGE_SD
    assert find_tool("xinntao/real-esrgan") is REAL_ESRGAN
    assert find_tool("LYKON/DreamShaper-8") is DREAMSHAPER_8
    assert find_tool("nobody/nothing") is None


@pytest.mark.parametrize("info", KNOWN_TOOLS, ids=lambda t: t.resource)
def test_bundled_schema_matches_its_tool_and_names_the_driven_inputs(info: Any) -> None:
    schema = _schema(tool_detail_payload(info.resource))
    assert info.matches(schema.owner, schema.project)
    for field_id in info.inputs.values():
        assert schema.field(field_id) is not None, field_id
    assert compare_schema(info, schema, schema) == []


@pytest.mark.parametrize("info", [REAL_ESRGAN, IMAGE_TO_IMAGE_SD], ids=lambda t: t.resource)
def test_new_schemas_are_marked_unverified_and_carry_both_name_families(info: Any) -> None:
    payload = tool_detail_payload(info.resource)
    assert provenance(payload) == UNVERIFIED
    assert payload["provenance_notes"]["documented"] and payload["provenance_notes"]["assumed"]
    for item in _items(payload):
        for old, new in (
            ("defaultvalue", "default"),
            ("minvalue", "min"),
            ("maxvalue", "max"),
            ("incrementby", "step"),
        ):
            assert item[old] == item[new], (item["id"], old)


def test_dreamshaper_schema_is_unchanged_by_the_registry() -> None:
    schema = _schema(tool_detail_payload(DREAMSHAPER_8.resource))
    assert provenance(tool_detail_payload("dreamshaper-8")) == ""
    assert not any(f.kind is FieldKind.FILE for f in schema.fields)
    result = validate(schema, {"prompt": "a lighthouse"})
    assert result.ok
    assert result.params["prompt"] == "a lighthouse"
    assert result.params["samples"] == 4 and result.params["seed"] == "123456"


def test_upscaler_schema_has_the_documented_inputs() -> None:
    schema = _schema(tool_detail_payload("real-esrgan"))
    image = schema.field("inputImage")
    assert image is not None and image.kind is FieldKind.FILE and image.required
    assert url_param(image) == "inputImageUrl"
    model = schema.field("modelName")
    assert model is not None
    assert [o.value for o in model.options] == [
        "realesr-general-wdn-x4v3",
        "RealESRGAN_x2plus",
        "RealESRGAN_x4plus",
        "RealESRNet_x4plus",
    ]
    assert {f.id for f in schema.fields} == {
        "inputImage",
        "modelName",
        "outscale",
        "faceEnhance",
        "tile",
        "tilePad",
        "prePad",
        "denoiseStrength",
    }


def test_image_to_image_offers_dreamshaper_and_the_n8n_schedulers() -> None:
    schema = _schema(tool_detail_payload("image-to-image-sd"))
    selected = schema.field("selectedModel")
    assert selected is not None
    option = find_option(selected, "DreamShaper 8")
    assert option is not None and selected.default == option.value
    scheduler = schema.field("scheduler")
    assert scheduler is not None and scheduler.default == "DDIMScheduler"
    strength = schema.field("strength")
    assert strength is not None and (strength.minimum, strength.maximum) == (0.0, 1.0)


def test_file_fields_accept_both_name_families_and_all_three_wire_types() -> None:
    for wire in ("fileinput", "multifileinput", "combinefileinput"):
        spec = parse_field({"id": "inputImage", "type": wire, "required": "1"})
        assert spec is not None and spec.kind is FieldKind.FILE and spec.required
    optional = parse_field({"id": "mask", "type": "fileinput"})
    assert optional is not None and optional.default == "" and not optional.required
    assert coerce_file(optional, None) == "" and coerce_file(optional, "  ") == ""
    combined = parse_field({"id": "inputImageClothes", "type": "combinefileinput"})
    assert combined is not None and url_param(combined) == "inputImageClothes"
    already = parse_field({"id": "inputImageUrl", "type": "fileinput"})
    assert already is not None and url_param(already) == "inputImageUrl"


@pytest.mark.parametrize(
    "value",
    [
        "https://cdn1.wiro.ai/uploads/x.png",
        "http://127.0.0.1:8123/files/ab/x.png",
        "http://localhost/x",
        "http://[::1]:9/x.png",
        "/home/artist/keeper.png",
        "C:\\Users\\artist\\keeper.JPG",
        "  /tmp/a b.webp  ",
    ],
)
def test_file_values_that_are_accepted(value: str) -> None:
    spec = parse_field({"id": "inputImage", "type": "fileinput", "required": True})
    assert spec is not None
    assert coerce_file(spec, value) == value.strip()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "is required"),
        ("http://example.com/x.png", "https"),
        ("ftp://example.com/x.png", "https"),
        ("https://", "valid web address"),
        ("keeper.png", "full path"),
        ("/home/artist/notes.txt", "must be an image"),
    ],
)
def test_file_values_that_are_refused(value: str, reason: str) -> None:
    spec = parse_field({"id": "inputImage", "type": "fileinput", "required": True})
    assert spec is not None
    with pytest.raises(FileInputError, match=reason):
        coerce_file(spec, value)


def test_validate_reports_a_bad_file_input_in_english() -> None:
    schema = _schema(tool_detail_payload("real-esrgan"))
    result = validate(schema, {"inputImage": "notes.txt"})
    assert result.errors == {
        "inputImage": "Input image must be a full path to an image or an https:// address."
    }
    missing = validate(schema, {})
    assert missing.errors["inputImage"] == "Input image is required."


def test_run_params_swap_local_paths_for_uploaded_urls() -> None:
    schema = _schema(tool_detail_payload("real-esrgan"))
    result = validate(schema, {"inputImage": "/photos/keeper.png", "outscale": 2})
    assert result.ok
    assert local_files(schema, result.params) == ["/photos/keeper.png"]
    with pytest.raises(FileInputError, match="not been uploaded"):
        run_params(schema, result.params, {})
    wire = run_params(
        schema, result.params, {"/photos/keeper.png": "https://cdn1.wiro.ai/u/keeper.png"}
    )
    assert "inputImage" not in wire
    assert wire["inputImageUrl"] == "https://cdn1.wiro.ai/u/keeper.png"
    assert wire["outscale"] == 2.0
    remote = validate(schema, {"inputImage": "https://example.org/a.png"}).params
    assert local_files(schema, remote) == []
    assert run_params(schema, remote, {})["inputImageUrl"] == "https://example.org/a.png"


def test_an_upload_url_that_is_not_https_is_refused_at_run_time() -> None:
    schema = _schema(tool_detail_payload("real-esrgan"))
    params = validate(schema, {"inputImage": "/p/k.png"}).params
    with pytest.raises(FileInputError):
        run_params(schema, params, {"/p/k.png": "http://evil.example/k.png"})


def _edited(resource: str, edit: Any) -> ToolSchema:
    payload = copy.deepcopy(tool_detail_payload(resource))
    edit(payload["tool"][0])
    return parse_tool(payload)


def test_compare_says_when_dreamshaper_is_not_offered() -> None:
    expected = _schema(tool_detail_payload("image-to-image-sd"))

    def other_models(tool: dict[str, Any]) -> None:
        for item in (i for g in tool["parameters"] for i in g["items"]):
            if item["id"] == "selectedModel":
                item["options"] = [
                    {"value": "sd15", "label": "Stable Diffusion 1.5"},
                    {"value": "rv51", "label": "Realistic Vision 5.1"},
                ]
                item["defaultvalue"] = item["default"] = "sd15"

    live = _edited("image-to-image-sd", other_models)
    diffs = compare_schema(IMAGE_TO_IMAGE_SD, live, expected)
    assert (
        "DreamShaper 8 is not among selectedModel's options: Stable Diffusion 1.5 (sd15), "
        "Realistic Vision 5.1 (rv51). Choose one of these instead."
    ) in diffs


def test_compare_names_missing_changed_and_new_inputs() -> None:
    expected = _schema(tool_detail_payload("real-esrgan"))

    def drift(tool: dict[str, Any]) -> None:
        items = tool["parameters"][1]["items"]
        tool["parameters"][1]["items"] = [i for i in items if i["id"] != "outscale"]
        for item in tool["parameters"][1]["items"]:
            if item["id"] == "modelName":
                item["options"] = [{"value": "RealESRGAN_x4plus", "label": "x4"}]
            if item["id"] == "faceEnhance":
                item["type"] = "text"
        tool["parameters"][0]["items"].append(
            {"id": "scaleFactor", "type": "select", "label": "scale-factor", "required": True}
        )

    diffs = compare_schema(REAL_ESRGAN, _edited("real-esrgan", drift), expected)
    assert "Real-ESRGAN has no input outscale. The app needs it for this tool." in diffs
    assert (
        "Real-ESRGAN's input faceEnhance is a text field, where Wiro's docs suggest "
        "an on/off switch."
    ) in diffs
    assert any(d.startswith("modelName no longer offers realesr-general-wdn-x4v3") for d in diffs)
    assert (
        "Real-ESRGAN has a required input the app did not expect: scaleFactor (Scale factor)."
    ) in diffs


def test_compare_notices_another_tool() -> None:
    expected = _schema(tool_detail_payload("real-esrgan"))
    live = _schema(tool_detail_payload("dreamshaper-8"))
    diffs = compare_schema(REAL_ESRGAN, live, expected)
    assert diffs[0] == "Wiro describes Lykon/dreamshaper-8 where xinntao/Real-ESRGAN was asked for."


def test_choose_schema_prefers_live_and_falls_back_with_a_reason() -> None:
    offline = _schema(tool_detail_payload("image-to-image-sd"))
    assert choose_schema(IMAGE_TO_IMAGE_SD, offline, None) == SchemaChoice(offline, live=False)
    live = choose_schema(IMAGE_TO_IMAGE_SD, offline, offline)
    assert live.live and not live.unverified and live.notes == ()

    def no_inputs(tool: dict[str, Any]) -> None:
        tool["parameters"] = None

    empty = choose_schema(IMAGE_TO_IMAGE_SD, offline, _edited("image-to-image-sd", no_inputs))
    assert empty.schema is offline and empty.unverified
    assert empty.notes == (
        "Wiro's description of Image to image (SD) lists no inputs: using the documented ones.",
    )
    other = choose_schema(REAL_ESRGAN, offline, offline)
    assert other.unverified and other.notes[0].startswith("Wiro described wiro/image-to-image-sd")


def test_preferred_values_pick_dreamshaper_only_when_offered() -> None:
    schema = _schema(tool_detail_payload("image-to-image-sd"))
    assert preferred_values(IMAGE_TO_IMAGE_SD, schema) == {"selectedModel": "Lykon/dreamshaper-8"}

    def renamed(tool: dict[str, Any]) -> None:
        for item in (i for g in tool["parameters"] for i in g["items"]):
            if item["id"] == "selectedModel":
                item["options"] = [
                    {"value": "17", "label": "DreamShaper_8_pruned"},
                    {"value": "3", "label": "SD 1.5"},
                ]

    assert preferred_values(IMAGE_TO_IMAGE_SD, _edited("image-to-image-sd", renamed)) == {
        "selectedModel": "17"
    }

    def gone(tool: dict[str, Any]) -> None:
        for item in (i for g in tool["parameters"] for i in g["items"]):
            if item["id"] == "selectedModel":
                item["options"] = [{"value": "3", "label": "SD 1.5"}]

    assert preferred_values(IMAGE_TO_IMAGE_SD, _edited("image-to-image-sd", gone)) == {}
    assert preferred_values(REAL_ESRGAN, _schema(tool_detail_payload("real-esrgan"))) == {}


def test_restore_defaults_takes_the_operations_settings() -> None:
    from app.core.lineage import restore_defaults

    defaults: dict[str, Any] = {"upscale_models": {"2": "RealESRGAN_x2plus"}}
    said = restore_defaults(defaults, {"kind": "upscale", "scale": 4, "model": "RealESRNet_x4plus"})
    assert said == "The next Upscale starts at ×4 with RealESRNet_x4plus."
    assert defaults["upscale_scale"] == 4
    assert defaults["upscale_models"] == {"2": "RealESRGAN_x2plus", "4": "RealESRNet_x4plus"}
    said = restore_defaults(defaults, {"kind": "reimagine", "strength": 0.35, "variations": 4})
    assert said == "The next Re-imagine starts at strength 0.35, 4 variations."
    assert (defaults["reimagine_strength"], defaults["reimagine_count"]) == (0.35, 4)
    assert restore_defaults(defaults, {"kind": "upscale", "scale": 3}) == ""
    assert restore_defaults(defaults, {"kind": "promote"}) == ""
