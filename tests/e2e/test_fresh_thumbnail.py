"""A new image reaches its tile from the original (one decode), and its disk thumbnail is made
behind it, so that the next start (or a scroll back) reads the small file."""

from __future__ import annotations

from pathlib import Path

from app.ui.flows.smoke import thumbnails_shown
from tests.e2e.test_derive import generate_source


def test_a_new_image_is_shown_then_its_thumbnail_is_made(qloop, harness_factory) -> None:
    harness = harness_factory(demo=True)

    async def scenario() -> Path | None:
        controller = await harness.start()
        await harness.wait(lambda: controller.studio is not None and controller.window.form)
        window, studio = controller.window, controller.studio
        window.gallery.set_tile_size(140)  # several columns: tiles of ~140-250 px
        loader, thumbs = window.gallery.loader, window.library_flow.thumbs
        decoded: list[tuple[str, str]] = []  # (image, the file its tile decoded)

        def recording(path: str, side: int) -> str:
            source = thumbs.source_for(path, side)
            decoded.append((path, source))
            return source

        loader.set_source_resolver(recording, thumbs.make_wanted)
        generation, image = await generate_source(harness, window, studio)
        await harness.wait(
            lambda: thumbnails_shown(window.gallery, loader, generation.id) == 1,
            what="the new tile painted",
        )
        side = max(key[1] for key in loader._cache.keys_for(str(image.path)))
        assert side <= 256, "a 512×512 original is bigger than the tile's thumbnail"
        first = next(source for path, source in decoded if path == str(image.path))
        assert first == str(image.path), "the first tile decoded the original, no thumbnail"
        await harness.wait(
            lambda: thumbs.cached(image.sha256, 256) is not None, what="the disk thumbnail"
        )
        made = thumbs.cached(image.sha256, 256)
        assert made is not None
        assert thumbs.source_for(str(image.path), 200) == str(made), "read from now on"
        return made

    made = qloop.run_until_complete(scenario())
    assert made is not None and made.stat().st_size > 0
