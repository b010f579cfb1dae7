"""The Upscale and Re-imagine commands (U, R, and "… a file…"): declared here, named in the
window's menus."""

from __future__ import annotations

from app.ui.derive.flow import DeriveFlow
from app.ui.widgets.commands import Command, CommandRegistry

UPSCALE = "image.upscale"
REIMAGINE = "image.reimagine"
UPSCALE_FILE = "image.upscale_file"
REIMAGINE_FILE = "image.reimagine_file"
DERIVE_FILE_COMMAND_IDS = (UPSCALE_FILE, REIMAGINE_FILE)


def declare_derive_commands(commands: CommandRegistry, flow: DeriveFlow) -> None:
    """U upscales the selected image (or the viewer's), R re-imagines it; the "… a file…"
    commands start from an image on this computer that is not in the library."""
    commands.declare(
        Command(UPSCALE, "&Upscale…", flow.upscale_selected, "U",
                status_tip="Upscale the selected image ×2 or ×4 with Real-ESRGAN on Wiro")
    )  # fmt: skip
    commands.declare(
        Command(REIMAGINE, "&Re-imagine…", flow.reimagine_selected, "R",
                status_tip="New variations of the selected image (image to image on Wiro)")
    )  # fmt: skip
    commands.declare(
        Command(UPSCALE_FILE, "Upscale a &file…", flow.upscale_file,
                status_tip="Upscale an image from this computer (it is uploaded to Wiro first)")
    )  # fmt: skip
    commands.declare(
        Command(REIMAGINE_FILE, "Re-imagine a f&ile…", flow.reimagine_file,
                status_tip="Re-imagine an image from this computer (uploaded to Wiro first)")
    )  # fmt: skip
