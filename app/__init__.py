"""Wiro Studio: a desktop studio for the Wiro text-to-image API (independent, not made by Wiro)."""

__version__ = "0.1.0"
APP_NAME = "Wiro Studio"
APP_ID = "io.github.wirostudio.WiroStudio"  # desktop file, AppStream id and icon name
USER_AGENT = f"WiroStudio/{__version__}"
