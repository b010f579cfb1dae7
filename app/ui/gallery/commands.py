"""The gallery's culling and layout actions, adopted into the window's command registry so the
menus and Help → Keyboard shortcuts list them."""

from __future__ import annotations

from app.ui.gallery.gallery import Gallery
from app.ui.widgets.commands import CommandRegistry

EDIT_IDS = ["edit.star", "edit.reject", "edit.delete_rejected"]
VIEW_IDS = ["view.group_generations", "view.advance_after_mark"]


def declare_gallery_commands(commands: CommandRegistry, gallery: Gallery) -> None:
    """Star (S), Reject (X), Delete rejected…, grouping and advance-after-mark."""
    commands.adopt("edit.star", gallery.star_action)
    commands.adopt("edit.reject", gallery.reject_action)
    commands.adopt("edit.delete_rejected", gallery.delete_rejected_action)
    commands.adopt("view.group_generations", gallery.group_action)
    commands.adopt("view.advance_after_mark", gallery.advance_action)
