"""A rotating log file in the user log folder; secrets are masked before anything is written."""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOG_FILE = "wiro-studio.log"
_SECRETISH = re.compile(
    r"(?i)(x-signature|x-api-key|api[_-]?secret|api[_-]?key|secret|tasktoken|socketaccesstoken)"
    r"(['\"]?\s*[:=]\s*['\"]?)([^\s'\",}]+)"
)


class RedactingFilter(logging.Filter):
    """Masks anything that looks like a key, secret, signature or token in log records."""

    def __init__(self) -> None:
        super().__init__()
        self._known: set[str] = set()

    def forget_all(self) -> None:
        self._known.clear()

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= 4:
            self._known.add(value)

    def redact(self, text: str) -> str:
        for secret in self._known:
            text = text.replace(secret, "•••")
        return _SECRETISH.sub(lambda m: f"{m.group(1)}{m.group(2)}•••", text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if record.exc_info and record.exc_text is None:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


REDACTOR = RedactingFilter()


def setup_logging(log_dir: Path, *, verbose: bool = False) -> Path | None:
    """Logs to a rotating file (1 MB × 3) and to stderr for warnings; returns the file path."""
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for handler in list(root.handlers):
        if getattr(handler, "_wiro", False):
            root.removeHandler(handler)
    stream = logging.StreamHandler()
    stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
    handlers: list[logging.Handler] = [stream]
    path: Path | None = None
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / LOG_FILE
        handlers.append(
            logging.handlers.RotatingFileHandler(
                path, maxBytes=1_000_000, backupCount=3, encoding="utf-8"
            )
        )
    except OSError:
        path = None
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(REDACTOR)
        handler._wiro = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "websockets", "uvicorn.access", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
