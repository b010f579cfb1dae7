"""The Upscale and Re-imagine commands (U, R): declared here, named in the window's menus."""

from __future__ import annotations

from app.ui.derive.flow import DeriveFlow
from app.ui.widgets.commands import Command, CommandRegistry

UPSCALE = "image.upscale"
REIMAGINE = "image.reimagine"
DERIVE_COMMAND_IDS = (UPSCALE, REIMAGINE)


def declare_derive_commands(commands: CommandRegistry, flow: DeriveFlow) -> None:
    """U upscales the selected image (or the viewer's), R re-imagines it."""
    commands.declare(
        Command(UPSCALE, "&Upscale…", flow.upscale_selected, "U",
                status_tip="Upscale the selected image ×2 or ×4 with Real-ESRGAN on Wiro")
    )  # fmt: skip
    commands.declare(
        Command(REIMAGINE, "&Re-imagine…", flow.reimagine_selected, "R",
                status_tip="New variations of the selected image (image to image on Wiro)")
    )  # fmt: skip
