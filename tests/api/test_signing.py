"""Signature recipe (§1), cross-checked against openssl; the nonce counter; credential masking."""

from __future__ import annotations

import itertools
import shutil
import subprocess
import threading

import pytest

from app.api.errors import AuthError, mask_key
from app.api.signing import Credentials, NonceSource, auth_headers, sign

OPENSSL = shutil.which("openssl")


def openssl_signature(key: str, secret: str, nonce: int) -> str:
    assert OPENSSL is not None
    out = subprocess.run(
        [OPENSSL, "dgst", "-sha256", "-hmac", key],
        input=f"{secret}{nonce}".encode(),
        capture_output=True,
        check=True,
        timeout=10,
    ).stdout.decode()
    return out.strip().rsplit(" ", 1)[-1]


@pytest.mark.skipif(OPENSSL is None, reason="openssl not installed")
@pytest.mark.parametrize(
    ("key", "secret", "nonce"),
    [
        ("abcd1234efgh5678", "mysecret", 1734513807123),
        ("K", "", 1),
        ("key-with-dashes_and_underscores", "sécret-ünïcode-秘密-🔑", 1700000000000),
    ],
)
def test_signature_matches_openssl(key: str, secret: str, nonce: int) -> None:
    assert sign(key, secret, nonce) == openssl_signature(key, secret, nonce)


def test_signature_known_vector() -> None:
    # HMAC-SHA256(key="key", msg="The quick brown fox jumps over the lazy dog") from RFC examples.
    assert (
        sign("key", "The quick brown fox jumps over the lazy dog", "")
        == "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )


def test_signature_is_lowercase_hex() -> None:
    signature = sign("K", "S", 5)
    assert len(signature) == 64 and signature == signature.lower()
    int(signature, 16)


def test_nonce_strictly_increasing_within_one_millisecond() -> None:
    source = NonceSource(clock=lambda: 1000.0)
    values = [source.next() for _ in range(1000)]
    assert values[0] == 1_000_000
    assert all(b == a + 1 for a, b in itertools.pairwise(values))


def test_nonce_survives_clock_going_backwards() -> None:
    times = iter([1000.0, 1000.5, 900.0, 900.0, 1000.4, 2000.0])
    source = NonceSource(clock=lambda: next(times))
    values = [source.next() for _ in range(6)]
    assert values == sorted(set(values))
    assert values[:2] == [1_000_000, 1_000_500]
    assert values[-1] == 2_000_000


def test_nonce_thread_safe() -> None:
    source = NonceSource(clock=lambda: 5.0)
    results: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        mine = [source() for _ in range(500)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == len(set(results)) == 4000


def test_signature_mode_headers() -> None:
    creds = Credentials("abcd1234efgh5678", "topsecret")
    headers = auth_headers(creds, NonceSource(clock=lambda: 1.0))
    assert headers == {
        "x-api-key": "abcd1234efgh5678",
        "x-nonce": "1000",
        "x-signature": sign("abcd1234efgh5678", "topsecret", 1000),
    }
    assert "topsecret" not in "".join(headers.values())


def test_key_only_headers() -> None:
    headers = auth_headers(Credentials("abcd1234efgh5678", None), NonceSource())
    assert headers == {"x-api-key": "abcd1234efgh5678"}


def test_each_request_gets_a_fresh_nonce() -> None:
    source = NonceSource(clock=lambda: 1.0)
    creds = Credentials("abcd1234efgh5678", "s")
    first = auth_headers(creds, source)
    second = auth_headers(creds, source)
    assert int(second["x-nonce"]) > int(first["x-nonce"])
    assert first["x-signature"] != second["x-signature"]


@pytest.mark.parametrize("key", ["", "   ", "bad key", "ключ", "line\nbreak"])
def test_unusable_key_is_an_auth_error(key: str) -> None:
    with pytest.raises(AuthError) as info:
        auth_headers(Credentials(key, "secret"), NonceSource())
    assert "secret" not in info.value.message


def test_credentials_never_show_the_secret() -> None:
    creds = Credentials("abcd1234efgh5678wxyz", "SUPERSECRETVALUE")
    for text in (repr(creds), str(creds), f"{creds}"):
        assert "SUPERSECRETVALUE" not in text
        assert "abcd1234efgh5678wxyz" not in text


def test_mask_key() -> None:
    assert mask_key("abcd1234efgh5678wxyz") == "abcd…wxyz"
    assert "12345678" not in mask_key("12345678")
    assert mask_key("") == "(none)"
