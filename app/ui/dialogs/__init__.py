"""The app's dialogs in one import: first-start welcome/connect and settings."""

from __future__ import annotations

from app.ui.dialogs.settings_dialog import SettingsDialog, template_preview
from app.ui.dialogs.welcome_dialog import SecretEdit, WelcomeDialog

__all__ = ["SecretEdit", "SettingsDialog", "WelcomeDialog", "template_preview"]
