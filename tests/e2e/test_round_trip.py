"""The whole loop through the app's own JSON chunk: form → Generate → saved PNG → read-back →
the same form. A writer or reader that loses, renames or retypes one field fails here."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, PngImagePlugin

from app.core.metadata import OUR_JSON_KEY
from app.services.events import Phase
from app.ui.form.model import SeedPolicy

# Every field away from its default, with the characters a text format is most likely to
# mangle: commas, colons, a newline, quotes, non-ASCII.
VALUES = {
    "prompt": 'a lighthouse, at dusk: "storm"\nsecond line — ünïcode ☃',
    "negativePrompt": "blurry, lowres: 2",
    "samples": 1,
    "steps": 5,
    "scale": 6.5,
    "seed": "4242",
    "clipSkip": 2,
    "width": 128,
    "height": 96,
    "scheduler": "DPMSolverMultistepScheduler",
}


def only_our_chunk(source: Path, dest: Path) -> None:
    """A copy that keeps our JSON chunk and drops the A1111 text, so only ours can be read."""
    with Image.open(source) as img:
        ours = img.text[OUR_JSON_KEY]
        assert "parameters" in img.text  # the writer wrote both
        info = PngImagePlugin.PngInfo()
        info.add_itxt(OUR_JSON_KEY, ours)
        img.save(dest, pnginfo=info)


def test_form_to_png_to_form_through_our_json_chunk(qloop, harness_factory, tmp_path):
    harness = harness_factory(demo=True)

    async def scenario() -> None:
        try:
            await round_trip()
        finally:
            if harness.run_task is not None and not harness.run_task.done():
                await harness.stop()

    async def round_trip() -> None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        form = window.form
        form.model.apply(VALUES)  # the seed is fixed by the one apply rule
        assert form.model.seed_policy is SeedPolicy.FIXED and form.is_valid()
        before = form.values()
        assert window.generate_panel.request_generate()
        await harness.wait(lambda: studio.ledger.all(), what="a generation")
        gid = max(s.id for s in studio.ledger.all())
        await harness.wait(
            lambda: studio.generation(gid).phase is Phase.SUCCEEDED, what="the generation"
        )
        state = studio.generation(gid)
        saved = await studio.save_images(list(state.images), tmp_path / "saved")
        ours = tmp_path / "ours-only.png"
        only_our_chunk(saved[0], ours)

        form.reset_to_defaults()
        assert form.values() != before and form.model.seed_policy is SeedPolicy.RANDOM
        readback = await window.readback_flow.apply_file(ours)
        assert readback is not None and readback.source == "Wiro Studio"
        assert readback.dropped == [] and readback.adjusted == []
        assert form.values() == before
        assert form.model.seed_policy is SeedPolicy.FIXED
        assert form.next_request().values == state.params

    qloop.run_until_complete(scenario())
