"""Settings never hold secrets; credentials go to the keychain or stay in memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.core.credentials import Credentials
from app.storage.credentials import ENTRY, SERVICE, CredentialStore, KeychainUnavailable
from app.storage.settings import Settings, SettingsStore


def test_settings_round_trip_and_damage(tmp_path: Path) -> None:
    store = SettingsStore(tmp_path / "cfg" / "settings.json")
    assert store.load() == Settings()
    settings = Settings(output_dir="/x", auto_save=False, last_params={"steps": 30})
    store.save(settings)
    assert store.load() == settings
    store.path.write_text("{not json", encoding="utf-8")
    assert store.load() == Settings()
    assert store.path.with_suffix(".damaged.json").exists()


def test_settings_ignore_wrong_types(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"auto_save": "yes", "notify": False, "bogus": 1}))
    loaded = SettingsStore(path).load()
    assert loaded.auto_save is True and loaded.notify is False


def test_credentials_in_memory_keyring(memory_keyring) -> None:
    store = CredentialStore(memory_keyring)
    assert store.load() is None
    creds = Credentials("key-1234567890", "s3cr3t-value")
    store.save(creds)
    assert store.load() == creds
    assert (SERVICE, ENTRY) in memory_keyring.store
    store.clear()
    assert store.load() is None
    store.clear()  # a second removal is harmless


def test_key_only_credentials(memory_keyring) -> None:
    store = CredentialStore(memory_keyring)
    store.save(Credentials("only-a-key-123456"))
    loaded = store.load()
    assert loaded is not None and loaded.api_secret is None and not loaded.signed


def test_repr_masks_everything() -> None:
    creds = Credentials("abcdefghijklmnop", "the-secret-value")
    text = repr(creds) + str(creds)
    assert "the-secret-value" not in text and "abcdefghijklmnop" not in text
    assert "abcd…mnop" in text


def test_no_keychain_means_session_only_never_a_file(tmp_path: Path) -> None:
    from keyring.backends.fail import Keyring as FailKeyring

    store = CredentialStore(FailKeyring())
    assert not store.keychain_available()
    with pytest.raises(KeychainUnavailable):
        store.save(Credentials("k" * 12, "secret-xyz"))
    store.save(Credentials("k" * 12, "secret-xyz"), session_only=True)
    assert store.session_only and store.load().api_secret == "secret-xyz"
    home = Path(os.environ.get("HOME", tmp_path))
    for path in home.rglob("*"):
        if path.is_file() and path.stat().st_size < 1_000_000:
            assert b"secret-xyz" not in path.read_bytes(), path


def test_damaged_entry_is_ignored(memory_keyring) -> None:
    memory_keyring.set_password(SERVICE, ENTRY, "not json")
    assert CredentialStore(memory_keyring).load() is None


@pytest.mark.keychain
def test_real_secret_service_round_trip() -> None:
    """The one real keychain test: gnome-keyring's Secret Service in a private D-Bus session."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.skip("no private D-Bus session (run through tests/headless.sh)")
    if not os.environ.get("HOME", "").startswith(("/tmp", os.environ.get("TMPDIR", "/tmp"))):
        pytest.skip("refusing to touch a real home's keychain")
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    try:
        assert backend.priority > 0
    except Exception as exc:  # the backend explains itself through its priority probe
        pytest.skip(f"Secret Service not available: {exc}")
    store = CredentialStore(backend)
    assert store.keychain_available()
    creds = Credentials("real-key-0123456789", "real-secret-0123456789")
    store.save(creds)
    assert CredentialStore(SecretService.Keyring()).load() == creds
    store.clear()
    assert CredentialStore(SecretService.Keyring()).load() is None
