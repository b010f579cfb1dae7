"""Wiro's wire conventions on the server side: envelopes, request bodies and authentication."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.emulator.config import EmulatorConfig
from app.emulator.stats import Stats

MSG_SIGNATURE_REQUIRED = (
    "Project requires signature authentication. x-signature and x-nonce headers are required."
)
MSG_KEY_UNKNOWN = "Project authorization is not founded."
MSG_BAD_SIGNATURE = "Project authorization is not valid."
MSG_BAD_URL = "Error parsing url."
MSG_BAD_BODY = "Request parameters are invalid."
MSG_NO_TASK = "There is no task yet."
MSG_NO_IDENTIFIER = "taskid or socketaccesstoken is required"
MSG_NOT_CANCELLABLE = "Task is not in a cancellable state."
MSG_NO_PERMISSION = "You don't have any permission for this action."
MSG_NO_TOOL = "slug-owner-project-not-exist"
MSG_NO_BALANCE = "Insufficient balance"
MIN_SECRET_SCAN = 4


def error_entry(code: int, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "time": int(time.time())}


def fail(code: int, message: str, status: int = 200) -> JSONResponse:
    """Wiro's error envelope; most errors travel with HTTP 200."""
    return JSONResponse({"result": False, "errors": [error_entry(code, message)]}, status)


def fail_many(entries: list[dict[str, Any]], status: int = 200) -> JSONResponse:
    return JSONResponse({"result": False, "errors": entries}, status)


class BodyError(ValueError):
    """The request body cannot be read as parameters."""


def _looks_like_json(raw: bytes) -> bool:
    return raw.lstrip()[:1] in (b"{", b"[")


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BodyError(MSG_BAD_BODY) from None
    if not isinstance(value, dict):
        raise BodyError(MSG_BAD_BODY)
    return value


async def read_params(request: Request) -> dict[str, Any]:
    """Body → parameters, accepting JSON, multipart and url-encoded forms (and JSON mislabelled)."""
    raw = await request.body()
    ctype = request.headers.get("content-type", "").lower()
    if not raw.strip():
        return {}
    if "json" in ctype:
        return _json_object(raw)
    if ctype.startswith("multipart/form-data") and "boundary=" in ctype:
        params: dict[str, Any] = {}
        try:
            form = await request.form()
        except Exception:
            raise BodyError(MSG_BAD_BODY) from None
        try:
            for key, value in form.multi_items():
                if not isinstance(value, UploadFile):
                    params[key] = value
        finally:
            await form.close()
        return params
    if _looks_like_json(raw):
        return _json_object(raw)
    if ctype.startswith("multipart/form-data"):
        raise BodyError(MSG_BAD_BODY)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BodyError(MSG_BAD_BODY) from None
    return dict(parse_qsl(text, keep_blank_values=True))


def signature(key: str, secret: str, nonce: str) -> str:
    return hmac.new(key.encode(), (secret + nonce).encode(), hashlib.sha256).hexdigest()


class Authenticator:
    """Checks the x-api-key / x-nonce / x-signature headers as Wiro does."""

    def __init__(self, config: EmulatorConfig, stats: Stats) -> None:
        self.config = config
        self.stats = stats
        self._nonces: dict[str, set[str]] = {}

    def check(self, request: Request) -> tuple[str | None, JSONResponse | None]:
        """The project key on success, else the refusal to send (401, 403 or 200)."""
        headers = request.headers
        key = headers.get("x-api-key", "")
        projects = self.config.projects
        if not key or key not in projects:
            return None, self._reject("unknown_key", MSG_KEY_UNKNOWN)
        secret = projects[key]
        if secret is None:
            return key, None
        nonce = headers.get("x-nonce", "")
        sent = headers.get("x-signature", "")
        if not nonce or not sent:
            return None, self._reject("signature_missing", MSG_SIGNATURE_REQUIRED)
        if not hmac.compare_digest(sent, signature(key, secret, nonce)):
            return None, self._reject("bad_signature", MSG_BAD_SIGNATURE)
        seen = self._nonces.setdefault(key, set())
        if nonce in seen:
            self.stats.count("nonce_reuses")
            if self.config.strict_nonce:
                return None, self._reject("nonce_reused", MSG_BAD_SIGNATURE)
        seen.add(nonce)
        if len(seen) > 100_000:
            seen.clear()
        return key, None

    def _reject(self, reason: str, message: str) -> JSONResponse:
        self.stats.count("auth_failures", reason)
        return fail(0, message, self.config.auth_failure_status)


def secret_places(
    secrets: list[str], headers: list[tuple[bytes, bytes]], query: bytes, path: str, body: bytes
) -> list[str]:
    """Where any project secret shows up in a request (never the secret itself)."""
    found: list[str] = []
    for secret in secrets:
        if len(secret) < MIN_SECRET_SCAN:
            continue
        needle = secret.encode()
        for name, value in headers:
            if needle in name or needle in value:
                found.append(f"header {name.decode('latin-1')}")
        texts = {
            "query": query.decode("latin-1"),
            "path": path,
            "body": body.decode("utf-8", "replace"),
        }
        for place, text in texts.items():
            if secret in text or secret in unquote_plus(text) or _json_escaped(secret) in text:
                found.append(place)
    return found


def _json_escaped(secret: str) -> str:
    return json.dumps(secret)[1:-1]
