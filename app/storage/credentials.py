"""Credentials in the OS keychain (keyring); a session-only fallback, never a file."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from app.core.credentials import Credentials

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "Wiro Studio"
ENTRY = "wiro-api-credentials"


class KeychainUnavailable(RuntimeError):
    """No usable OS keychain: the caller may keep credentials for this session only."""


class CredentialStore:
    """Reads and writes the API key and secret; blocking calls: run them off the GUI thread."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend
        self._session: Credentials | None = None

    @property
    def backend(self) -> KeyringBackend:
        import keyring  # loaded and probed on first use, off the GUI thread

        return self._backend if self._backend is not None else keyring.get_keyring()

    @property
    def backend_name(self) -> str:
        b = self.backend
        return f"{type(b).__module__}.{type(b).__name__}"

    def keychain_available(self) -> bool:
        backend = self.backend
        if type(backend).__module__.startswith("keyring.backends.fail"):
            return False
        try:
            priority = float(backend.priority)
        except Exception:  # a backend may raise from its priority probe
            return False
        return priority > 0 or self._backend is not None

    @property
    def session_only(self) -> bool:
        return self._session is not None

    def load(self) -> Credentials | None:
        if self._session is not None:
            return self._session
        import keyring.errors

        try:
            raw = self.backend.get_password(SERVICE, ENTRY)
        except keyring.errors.NoKeyringError:
            # an expected state, not a fault: the welcome dialog says credentials stay
            # for this session only
            log.info("no system keychain (%s): nothing stored to read", self.backend_name)
            return None
        except keyring.errors.KeyringError as exc:
            log.warning("keychain could not be read: %s", type(exc).__name__)
            return None
        return _decode(raw)

    def save(self, credentials: Credentials, *, session_only: bool = False) -> None:
        """Stores in the keychain, or for this session only when asked to."""
        if session_only:
            self._session = credentials
            return
        if not self.keychain_available():
            raise KeychainUnavailable("no system keychain is available")
        import keyring.errors

        payload = json.dumps({"key": credentials.api_key, "secret": credentials.api_secret})
        try:
            self.backend.set_password(SERVICE, ENTRY, payload)
        except keyring.errors.KeyringError as exc:
            raise KeychainUnavailable(
                f"the keychain refused to store: {type(exc).__name__}"
            ) from None
        self._session = None

    def clear(self) -> None:
        self._session = None
        import keyring.errors

        try:
            self.backend.delete_password(SERVICE, ENTRY)
        except keyring.errors.PasswordDeleteError:
            pass
        except keyring.errors.KeyringError as exc:
            log.warning("keychain entry could not be removed: %s", type(exc).__name__)


def _decode(raw: str | None) -> Credentials | None:
    if not raw:
        return None
    try:
        data = json.loads(raw)
        key = str(data["key"]).strip()
        secret = data.get("secret")
    except (ValueError, KeyError, TypeError, AttributeError):
        log.warning("keychain entry is damaged; ignoring it")
        return None
    if not key:
        return None
    return Credentials(api_key=key, api_secret=str(secret) if secret else None)
