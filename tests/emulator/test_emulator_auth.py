"""Authentication exactly as spec section 1, and the secret-never-on-the-wire detector."""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx
import pytest

from app.emulator import Emulator
from tests.emulator.emulator_support import KEY, SECRET, Wiro, collect_frames, eventually

SIG_REQUIRED = (
    "Project requires signature authentication. x-signature and x-nonce headers are required."
)
NOT_FOUNDED = "Project authorization is not founded."
NOT_VALID = "Project authorization is not valid."


def _sig(key: str, secret: str, nonce: str) -> str:
    return hmac.new(key.encode(), (secret + nonce).encode(), hashlib.sha256).hexdigest()


def _probe(emulator: Emulator, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}/Task/Detail", json={"tasktoken": "probe"}, headers=headers
    )


def _assert_401(response: httpx.Response, message: str) -> None:
    assert response.status_code == 401
    body = response.json()
    assert body["result"] is False
    assert body["errors"][0]["code"] == 0
    assert body["errors"][0]["message"] == message


def test_good_signature_probe_is_a_normal_no_task_answer(emulator: Emulator) -> None:
    nonce = "1734513807000"
    answer = _probe(
        emulator, {"x-api-key": KEY, "x-nonce": nonce, "x-signature": _sig(KEY, SECRET, nonce)}
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["result"] is False
    assert body["errors"][0]["code"] == 1
    assert body["errors"][0]["message"] == "There is no task yet."


def test_signature_vector_matches_openssl_recipe() -> None:
    # printf '%s' "s3cretn0nce1" | openssl dgst -sha256 -hmac "k3y"
    assert (
        _sig("k3y", "s3cret", "n0nce1") == hmac.new(b"k3y", b"s3cretn0nce1", "sha256").hexdigest()
    )


def test_signature_project_given_only_the_key(emulator: Emulator) -> None:
    _assert_401(_probe(emulator, {"x-api-key": KEY}), SIG_REQUIRED)
    _assert_401(_probe(emulator, {"x-api-key": KEY, "x-nonce": "1"}), SIG_REQUIRED)


def test_unknown_key(emulator: Emulator) -> None:
    nonce = "5"
    _assert_401(
        _probe(emulator, {"x-api-key": "nope", "x-nonce": nonce, "x-signature": "00"}), NOT_FOUNDED
    )
    _assert_401(_probe(emulator, {}), NOT_FOUNDED)


@pytest.mark.parametrize(
    "signature",
    [
        _sig(KEY, SECRET, "99"),  # signed for another nonce
        _sig(SECRET, KEY, "100"),  # key and secret swapped
        hmac.new(KEY.encode(), (SECRET + "100").encode(), hashlib.sha256).hexdigest().upper(),
        hashlib.sha256((SECRET + "100").encode()).hexdigest(),  # no HMAC
    ],
)
def test_bad_signatures(emulator: Emulator, signature: str) -> None:
    headers = {"x-api-key": KEY, "x-nonce": "100", "x-signature": signature}
    _assert_401(_probe(emulator, headers), NOT_VALID)


def test_auth_failures_are_counted(emulator: Emulator) -> None:
    _probe(emulator, {"x-api-key": KEY})
    _probe(emulator, {"x-api-key": "x"})
    assert emulator.stats()["auth_failures"] == {"signature_missing": 1, "unknown_key": 1}


@pytest.mark.emulator(api_secret=None)
def test_key_only_project(emulator: Emulator) -> None:
    assert emulator.config.key_only
    answer = _probe(emulator, {"x-api-key": KEY})
    assert answer.status_code == 200 and answer.json()["errors"][0]["code"] == 1
    with_sig = _probe(emulator, {"x-api-key": KEY, "x-nonce": "1", "x-signature": "whatever"})
    assert with_sig.status_code == 200
    _assert_401(_probe(emulator, {"x-api-key": "other"}), NOT_FOUNDED)


@pytest.mark.emulator(api_secret=None, extra_projects={"signed-key": "signed-secret-1"})
def test_both_modes_side_by_side(emulator: Emulator) -> None:
    with httpx.Client() as client:
        signed = Wiro(emulator, client, "signed-key", "signed-secret-1")
        plain = Wiro(emulator, client, KEY, None)
        task = signed.run()
        error = plain.post("Task/Detail", {"taskid": task["taskid"]}).json()["errors"][0]
        assert (error["code"], error["message"]) == (
            0,
            "You don't have any permission for this action.",
        )
        assert signed.detail(task["taskid"])["projectid"] != "699"
        _assert_401(_probe(emulator, {"x-api-key": "signed-key"}), SIG_REQUIRED)


def test_reused_nonce_is_counted_and_optionally_rejected(emulator: Emulator) -> None:
    headers = {"x-api-key": KEY, "x-nonce": "42", "x-signature": _sig(KEY, SECRET, "42")}
    assert _probe(emulator, headers).status_code == 200
    assert _probe(emulator, headers).status_code == 200
    assert emulator.stats()["nonce_reuses"] == 1
    emulator.configure(strict_nonce=True)
    _assert_401(_probe(emulator, headers), NOT_VALID)


def test_every_v1_endpoint_requires_auth(emulator: Emulator) -> None:
    for path in (
        "Run/Lykon/dreamshaper-8",
        "Task/Detail",
        "Task/Cancel",
        "Task/Kill",
        "Tool/Detail",
    ):
        answer = httpx.post(f"{emulator.base_url}/{path}", json={}, headers={"x-api-key": KEY})
        _assert_401(answer, SIG_REQUIRED)


def test_clean_traffic_has_no_secret_violations(wiro: Wiro) -> None:
    task = wiro.run()
    wiro.wait(task["taskid"])
    assert wiro.emulator.stats()["secret_violations"] == 0


@pytest.mark.parametrize("place", ["header", "query", "body", "form", "path"])
def test_secret_on_the_wire_is_a_violation(wiro: Wiro, place: str) -> None:
    url = f"{wiro.emulator.base_url}/Task/Detail"
    headers = wiro.headers()
    if place == "header":
        httpx.post(url, json={"taskid": "1"}, headers={**headers, "x-api-secret": SECRET})
    elif place == "query":
        httpx.post(url, params={"secret": SECRET}, json={"taskid": "1"}, headers=headers)
    elif place == "body":
        httpx.post(url, json={"taskid": "1", "apiSecret": SECRET}, headers=headers)
    elif place == "form":
        httpx.post(url, data={"taskid": "1", "s": SECRET}, headers=headers)
    else:
        httpx.post(f"{wiro.emulator.base_url}/Task/{SECRET}", headers=headers)
    stats = wiro.emulator.stats()
    assert stats["secret_violations"] == 1
    assert SECRET not in json.dumps(stats)


@pytest.mark.asyncio
async def test_socket_needs_no_auth_but_is_scanned_for_the_secret(emulator: Emulator) -> None:
    import websockets

    async with websockets.connect(emulator.socket_url) as ws:
        await ws.send(json.dumps({"type": "task_info", "tasktoken": "x", "secret": SECRET}))
    assert await collect_frames(emulator.socket_url, ["unknown"], until=0) == []
    await eventually(lambda: emulator.stats()["secret_violations"] == 1)
    assert emulator.stats()["websocket_connections"] == 2
