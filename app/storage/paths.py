"""Where Wiro Studio keeps its files; one object, injected, so tests use a temp home."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_DIR_NAME = "Wiro Studio"


@dataclass(frozen=True)
class AppPaths:
    """The app's folders. Demo mode gets its own data folder so placeholders never mix in."""

    data_dir: Path
    cache_dir: Path
    config_dir: Path
    log_dir: Path
    pictures_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_DIR_NAME, appauthor=False)),
            cache_dir=Path(platformdirs.user_cache_dir(APP_DIR_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_DIR_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_DIR_NAME, appauthor=False)),
            pictures_dir=Path(platformdirs.user_pictures_dir()),
        )

    @classmethod
    def under(cls, root: Path) -> AppPaths:
        """All folders below one root (tests, portable use)."""
        return cls(
            data_dir=root / "data",
            cache_dir=root / "cache",
            config_dir=root / "config",
            log_dir=root / "log",
            pictures_dir=root / "Pictures",
        )

    def profile_dir(self, demo: bool) -> Path:
        return self.data_dir / ("demo" if demo else "account")

    def database(self, demo: bool) -> Path:
        return self.profile_dir(demo) / "history.sqlite3"

    def tool_detail_cache(self, demo: bool) -> Path:
        """The last Tool/Detail answer, so the next start paints the form before any network."""
        return self.profile_dir(demo) / "tool-detail.json"

    def library_dir(self, demo: bool) -> Path:
        return self.profile_dir(demo) / "library"

    def thumbnails_dir(self, demo: bool) -> Path:
        return self.cache_dir / ("demo" if demo else "account") / "thumbnails"

    @property
    def settings_file(self) -> Path:
        return self.config_dir / "settings.json"

    @property
    def default_output_dir(self) -> Path:
        return self.pictures_dir / APP_DIR_NAME
