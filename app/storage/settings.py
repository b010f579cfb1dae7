"""User settings (never secrets) as a small JSON file in the config folder."""

from __future__ import annotations

import contextlib
import json
import logging
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from app.fsutil import atomic_write_text

log = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.wiro.ai/v1"
DEFAULT_SOCKET_URL = "wss://socket.wiro.ai/v1"
DEFAULT_FILENAME_TEMPLATE = "{date} {time} {seed} {prompt:40}"


@dataclass
class Settings:
    """What the artist chose; secrets live in the keychain, never here."""

    output_dir: str = ""
    auto_save: bool = True
    auto_save_demo: bool = False
    filename_template: str = DEFAULT_FILENAME_TEMPLATE
    notify: bool = True
    api_base_url: str = DEFAULT_API_BASE_URL
    socket_url: str = DEFAULT_SOCKET_URL
    last_mode: str = ""  # "account", "demo" or "" before the first choice
    last_params: dict[str, Any] = field(default_factory=dict)
    random_seed: bool = True
    window_geometry: str = ""
    window_state: str = ""
    gallery_tile_size: int = 0  # the gallery's tile size slider; 0 until first moved
    advance_after_mark: bool = False  # culling: S or X moves on to the next image
    gallery_grouped: bool = True  # the gallery: under generation headers, or one flat grid
    daily_cap_usd: float = 0.0  # spending cap per local day for sweeps; 0 means no cap
    wildcard_dir: str = ""  # folder of __name__ wildcard .txt files; "" means data_dir/wildcards
    vary_count: int = 4  # how many new seeds Vary runs (remembered)
    derive_defaults: dict[str, Any] = field(default_factory=dict)  # Upscale/Re-imagine choices


class SettingsStore:
    """Loads and saves Settings; a damaged file is kept aside and defaults are used."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Settings:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return Settings()
        except (OSError, ValueError) as exc:
            log.warning("settings file unreadable (%s); using defaults", exc)
            self._keep_aside()
            return Settings()
        if not isinstance(raw, dict):
            return Settings()
        known = {f.name: f for f in fields(Settings)}
        values: dict[str, Any] = {}
        defaults = Settings()
        for name, value in raw.items():
            if name in known and isinstance(value, type(getattr(defaults, name))):
                values[name] = value
        return Settings(**values)

    def save(self, settings: Settings) -> None:
        atomic_write_text(self.path, json.dumps(asdict(settings), indent=2, ensure_ascii=False))

    def _keep_aside(self) -> None:
        with contextlib.suppress(OSError):
            self.path.replace(self.path.with_suffix(".damaged.json"))


def daily_cap(settings: Settings) -> float | None:
    """The daily spending cap in USD, or None when there is none."""
    return settings.daily_cap_usd if settings.daily_cap_usd > 0 else None
