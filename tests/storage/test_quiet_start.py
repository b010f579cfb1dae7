"""A start without a keychain is normal: logged for the record, never a terminal warning."""

from __future__ import annotations

import logging

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends.fail import Keyring as FailKeyring

from app.storage.credentials import CredentialStore


class BrokenKeyring(KeyringBackend):
    """A keychain that exists but fails to answer (locked, D-Bus error)."""

    # below zero: keyring registers every backend class and must never pick this one (nor
    # count it as a second viable backend and switch the process to its ChainerBackend)
    priority = -1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.KeyringLocked("locked")


def test_no_keychain_is_logged_as_info_not_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="app.storage.credentials")
    assert CredentialStore(FailKeyring()).load() is None
    records = [r for r in caplog.records if r.name == "app.storage.credentials"]
    assert [r.levelno for r in records] == [logging.INFO]
    assert "no system keychain" in records[0].getMessage()


def test_a_keychain_that_fails_still_warns(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="app.storage.credentials")
    assert CredentialStore(BrokenKeyring()).load() is None
    levels = [r.levelno for r in caplog.records if r.name == "app.storage.credentials"]
    assert levels == [logging.WARNING]
