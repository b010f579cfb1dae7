"""Shared by the library UI tests: the app harness on a qasync loop, and quick generations."""

from __future__ import annotations

from typing import Any

from app.services.events import GenerationState, Phase
from tests.e2e.conftest import AppHarness, harness_factory, qloop

__all__ = ["AppHarness", "generate", "harness_factory", "qloop", "started"]


async def started(harness: AppHarness) -> Any:
    """The controller once the demo studio and the form are up."""
    controller = await harness.start()
    await harness.wait(
        lambda: controller.studio is not None and controller.window.form is not None,
        what="the demo studio",
    )
    return controller


async def generate(
    harness: AppHarness, controller: Any, prompt: str, samples: int = 2
) -> GenerationState:
    """Submits one small generation and waits until its images are in the gallery."""
    values = {"prompt": prompt, "samples": samples, "width": 64, "height": 64, "steps": 4}
    state = await controller.studio.submit(values)
    studio, gallery = controller.studio, controller.window.gallery
    await harness.wait(
        lambda: (
            studio.generation(state.id).phase is Phase.SUCCEEDED
            and len(gallery.image_ids(state.id)) == samples
        ),
        what=f"generation {prompt!r}",
    )
    return studio.generation(state.id)
