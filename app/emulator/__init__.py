"""Offline emulator of the Wiro API: a real HTTP/WebSocket server with procedural demo images."""

from app.emulator.config import DEFAULT_API_KEY, DEFAULT_API_SECRET, EmulatorConfig
from app.emulator.runner import Emulator
from app.emulator.server import EmulatorApp, create_app

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "Emulator",
    "EmulatorApp",
    "EmulatorConfig",
    "create_app",
]
