"""The async Wiro HTTP client: signed JSON POSTs, typed errors, bounded retries, downloads."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import httpx

from app import USER_AGENT
from app.api.download import Downloader, DownloadResult, check_url, validate_insecure_hosts
from app.api.errors import (
    AuthError,
    BadResponseError,
    CredentialCheckError,
    NetworkError,
    NotFoundError,
    UnsafeUrlError,
    ValidationError,
    WiroError,
    clean_text,
    error_for,
    is_no_task_message,
)
from app.api.hostpolicy import guarded_transport
from app.api.limits import BodyRefused, limited_chunks
from app.api.models import (
    RunResult,
    Task,
    TaskPage,
    UploadedFile,
    loads,
    parse_run,
    parse_task_list,
    parse_task_page,
    raise_for_envelope,
)
from app.api.retry import RetryMode, RetryPolicy, is_retryable_status, parse_retry_after
from app.api.signing import Credentials, NonceSource, auth_headers
from app.api.uploads import checked_upload, upload_body
from app.core.schema import ToolSchema, parse_tool
from app.core.text import TextSanitizer

Sleep = Callable[[float], Awaitable[None]]

_NOT_JSON = object()
# What the answer reader undoes itself, one layer at most (app/api/limits.py).
_ACCEPTED_ENCODING = "gzip, deflate"
_ANSWER_ENCODINGS = frozenset({"gzip", "x-gzip", "deflate"})


@dataclass(frozen=True)
class ApiConfig:
    """Where Wiro lives and the client's limits; plain http/ws only for loopback test hosts."""

    base_url: str = "https://api.wiro.ai/v1"
    socket_url: str = "wss://socket.wiro.ai/v1"
    insecure_hosts: frozenset[str] = frozenset()
    timeout: float = 30.0
    read_retries: int = 4
    max_download_bytes: int = 64 * 1024 * 1024
    max_response_bytes: int = 8 * 1024 * 1024
    # Whole-request deadlines, beyond the per-read timeout: a body trickling in a byte at a
    # time never times out a read, but it does end here.
    request_deadline: float = 90.0
    download_deadline: float = 300.0
    retry_base_delay: float = 0.5
    retry_max_delay: float = 8.0
    retry_after_cap: float = 30.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "insecure_hosts", frozenset(self.insecure_hosts))
        validate_insecure_hosts(self.insecure_hosts)
        try:
            check_url(self.base_url, self.insecure_hosts)
            check_url(self.socket_url, self.insecure_hosts, secure_scheme="wss")
        except UnsafeUrlError as exc:
            raise ValueError(f"unsafe Wiro address in ApiConfig: {exc.message}") from exc
        if self.read_retries < 0 or self.timeout <= 0:
            raise ValueError("read_retries must be >= 0 and timeout > 0")
        if self.request_deadline <= 0 or self.download_deadline <= 0:
            raise ValueError("deadlines must be > 0")

    @property
    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            retries=self.read_retries,
            base_delay=self.retry_base_delay,
            max_delay=self.retry_max_delay,
            max_retry_after=self.retry_after_cap,
        )


class _Retryable(Exception):
    def __init__(self, error: WiroError, retry_after: float | None = None) -> None:
        super().__init__(error.message)
        self.error = error
        self.retry_after = retry_after


class WiroClient:
    """Talks to the Wiro REST API over one shared connection pool."""

    def __init__(
        self,
        config: ApiConfig,
        credentials: Credentials,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        nonce: NonceSource | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.credentials = credentials
        self.stats: Counter[str] = Counter()
        self._transport = transport
        self._nonce = nonce if nonce is not None else NonceSource()
        self._sleep = sleep
        self._rng = rng if rng is not None else random.Random()
        self._policy = config.retry_policy
        self._base = config.base_url.rstrip("/")
        self._http: httpx.AsyncClient | None = None
        self._closed = False

    @property
    def sanitizer(self) -> TextSanitizer:
        """What every server text passes through: storable, with our own secrets masked."""
        return TextSanitizer((self.credentials.api_key, self.credentials.api_secret))

    async def __aenter__(self) -> WiroClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        self._closed = True
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    def _client(self) -> httpx.AsyncClient:
        if self._closed:
            raise WiroError("The Wiro client has been closed.")
        if self._http is None:
            limits = httpx.Limits(max_keepalive_connections=8, keepalive_expiry=120.0)
            transport = self._transport
            if transport is None:  # every connection checked on the address it reaches
                transport = guarded_transport(self.config.insecure_hosts, limits=limits)
            self._http = httpx.AsyncClient(
                transport=transport,
                timeout=httpx.Timeout(self.config.timeout, connect=min(self.config.timeout, 15)),
                headers={
                    "User-Agent": USER_AGENT,
                    "Accept": "application/json",
                    "Accept-Encoding": _ACCEPTED_ENCODING,
                },
                follow_redirects=False,
                # An artist's generations come minutes apart: keep the connection warm.
                limits=limits,
            )
        return self._http

    # --- endpoints -------------------------------------------------------------------------

    async def run(self, owner: str, project: str, params: Mapping[str, Any]) -> RunResult:
        """Starts a task (billable): never retried, whatever happens."""
        if not owner or not project:
            raise ValueError("owner and project are required")
        path = f"/Run/{quote(owner, safe='')}/{quote(project, safe='')}"
        payload = await self._call("run", path, dict(params), RetryMode.NEVER)
        return parse_run(payload)

    async def task_detail(
        self, *, task_id: str | None = None, token: str | None = None
    ) -> Task | None:
        """The task's current record, or None when Wiro says there is no such task."""
        body = _task_ref(task_id, token, token_field="tasktoken")
        try:
            payload = await self._call("task_detail", "/Task/Detail", body, RetryMode.READ)
        except WiroError as exc:
            if _means_no_task(exc):
                return None
            raise
        return _pick(parse_task_list(payload), task_id, token)

    async def cancel(self, task_id: str) -> Task | None:
        """Cancels a queued task; NotStoppableError when it is past the queue (use kill)."""
        body = _task_ref(task_id, None, token_field="tasktoken")
        payload = await self._call("task_cancel", "/Task/Cancel", body, RetryMode.CONNECT_ONLY)
        return _pick(parse_task_list(payload), task_id, None)

    async def kill(self, *, task_id: str | None = None, token: str | None = None) -> Task | None:
        """Stops a running task; NotStoppableError when Wiro cannot kill it in this state."""
        body = _task_ref(task_id, token, token_field="socketaccesstoken")
        payload = await self._call("task_kill", "/Task/Kill", body, RetryMode.CONNECT_ONLY)
        return _pick(parse_task_list(payload), task_id, token)

    async def task_list(
        self, *, start: int = 0, limit: int = 20, model_name: str | None = None
    ) -> TaskPage:
        """One page of the project's tasks, newest first (a read: safe to retry)."""
        # The body Wiro's MCP server sends (wiroai/Wiro-MCP, listTasks): strings throughout.
        body: dict[str, Any] = {
            "type": "model",
            "sort": "id",
            "order": "DESC",
            "start": str(max(0, int(start))),
            "limit": str(max(1, min(100, int(limit)))),
        }
        if model_name:
            body["modelName"] = model_name
        payload = await self._call("task_list", "/Task/List", body, RetryMode.READ)
        return parse_task_page(payload)

    async def tool_detail_raw(self, owner: str, project: str) -> dict[str, Any]:
        """The Tool/Detail answer as sent (for caching next to the bundled schema)."""
        body = {"slugowner": owner, "slugproject": project}
        payload = await self._call("tool_detail", "/Tool/Detail", body, RetryMode.READ)
        return dict(payload)

    async def tool_detail(self, owner: str, project: str) -> ToolSchema:
        """The tool's input schema."""
        payload = await self.tool_detail_raw(owner, project)
        try:
            return parse_tool(payload)
        except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError) as exc:
            raise BadResponseError("Wiro's tool description cannot be read.") from exc

    async def upload_file(self, path_or_bytes: Path | str | bytes, name: str = "") -> UploadedFile:
        """Stores a file with File/Upload (multipart field ``file``) and returns its URL.

        Not billable, so it is retried like a read (Wiro's files doc); a retry after a lost
        answer may leave a duplicate file on the account, never a duplicate task."""
        body = await upload_body(path_or_bytes, name)
        payload = await self._send(
            "file_upload",
            "/File/Upload",
            body.content,
            RetryMode.READ,
            content_type=body.content_type,
        )
        return checked_upload(payload, self.config.insecure_hosts)

    async def probe(self) -> None:
        """Checks the credentials; returns only on an answer it positively recognises.

        Valid: the documented "There is no task yet." answer, or a task list. Refused:
        AuthError. Unreachable: NetworkError. Anything else: CredentialCheckError.
        """
        try:
            payload = await self._call(
                "probe", "/Task/Detail", {"tasktoken": "probe"}, RetryMode.READ
            )
        except (AuthError, NetworkError):
            raise
        except WiroError as exc:
            if isinstance(exc, NotFoundError) and is_no_task_message(exc.message):
                return
            raise CredentialCheckError(
                f"Could not verify the credentials: {exc.message}",
                code=exc.code,
                http_status=exc.http_status,
            ) from exc
        tasks = payload.get("tasklist") if isinstance(payload, Mapping) else None
        if isinstance(tasks, list):
            return
        raise CredentialCheckError(
            "Could not verify the credentials: Wiro's answer was not recognised."
        )

    async def download(
        self, url: str, dest: Path, *, expected_size: int | None = None
    ) -> DownloadResult:
        """Streams an output to ``dest`` (temp file, checks, fsync, atomic rename)."""

        def counted() -> None:
            self.stats["requests"] += 1
            self.stats["download"] += 1

        downloader = Downloader(
            self._client(),
            insecure_hosts=self.config.insecure_hosts,
            max_bytes=self.config.max_download_bytes,
            deadline=self.config.download_deadline,
            policy=self._policy,
            sleep=self._sleep,
            rng=self._rng,
            on_request=counted,
        )
        return await downloader.download(url, Path(dest), expected_size)

    # --- plumbing --------------------------------------------------------------------------

    async def _call(self, name: str, path: str, body: dict[str, Any], mode: RetryMode) -> Any:
        try:
            content = json.dumps(body, ensure_ascii=False, allow_nan=False).encode()
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"The request cannot be encoded as JSON: {exc}") from exc
        return await self._send(name, path, content, mode)

    async def _send(
        self,
        name: str,
        path: str,
        content: bytes,
        mode: RetryMode,
        *,
        content_type: str = "application/json",
    ) -> Any:
        http = self._client()
        attempts = 1 if mode is RetryMode.NEVER else self._policy.retries + 1
        try:
            for attempt in range(attempts):
                try:
                    return await self._attempt(http, name, path, content, mode, content_type)
                except _Retryable as retry:
                    if attempt + 1 >= attempts:
                        raise retry.error from None
                    await self._sleep(self._policy.delay(attempt, self._rng, retry.retry_after))
            raise AssertionError("unreachable")
        except WiroError as exc:
            self._scrub(exc)
            raise

    async def _attempt(
        self,
        http: httpx.AsyncClient,
        name: str,
        path: str,
        content: bytes,
        mode: RetryMode,
        content_type: str = "application/json",
    ) -> Any:
        headers = {"Content-Type": content_type}
        headers.update(auth_headers(self.credentials, self._nonce))
        self.stats["requests"] += 1
        self.stats[name] += 1
        try:
            url = self._base + path
            async with asyncio.timeout(self.config.request_deadline):
                async with http.stream("POST", url, content=content, headers=headers) as response:
                    data = await self._read_limited(response)
                    status = response.status_code
                    retry_after = parse_retry_after(response.headers.get("retry-after"))
        except TimeoutError as exc:
            text = f"Wiro did not finish answering within {self.config.request_deadline:g} s."
            if mode is RetryMode.NEVER:
                text += " The task may have started anyway: check the task list."
            error = NetworkError(text, request_sent=True)
            if mode is RetryMode.READ:
                raise _Retryable(error) from exc
            raise error from exc
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            error = NetworkError(
                "Could not connect to Wiro. Check the internet connection.", request_sent=False
            )
            if mode is RetryMode.NEVER:
                raise error from exc
            raise _Retryable(error) from exc
        except httpx.TransportError as exc:
            error = _sent_error(exc, mode)
            if mode is RetryMode.READ:
                raise _Retryable(error) from exc
            raise error from exc
        except httpx.HTTPError as exc:
            raise BadResponseError("Wiro's answer could not be decoded.") from exc
        return self._interpret(data, status, retry_after, mode)

    async def _read_limited(self, response: httpx.Response) -> bytes:
        limit = self.config.max_response_bytes
        declared = response.headers.get("content-length", "")
        too_big = BadResponseError(
            "Wiro's answer is too big to be real.", http_status=response.status_code
        )
        if declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
            raise too_big
        chunks: list[bytes] = []
        try:
            async for chunk in limited_chunks(response, limit, allowed_encodings=_ANSWER_ENCODINGS):
                chunks.append(chunk)
        except BodyRefused as exc:
            if exc.too_big:
                raise too_big from None
            raise BadResponseError(
                f"Wiro's answer cannot be read: {exc}.", http_status=response.status_code
            ) from None
        return b"".join(chunks)

    def _interpret(
        self, data: bytes, status: int, retry_after: float | None, mode: RetryMode
    ) -> Any:
        try:
            payload: Any = loads(data, self.sanitizer) if data.strip() else _NOT_JSON
        except BadResponseError:
            payload = _NOT_JSON
        if mode is RetryMode.READ and is_retryable_status(status):
            error = (
                error_for(None, "", status)
                if payload is _NOT_JSON
                else _envelope_error(payload, status)
            )
            raise _Retryable(error, retry_after)
        if 300 <= status < 400:
            raise BadResponseError(
                f"Wiro redirected the request (HTTP {status}).", http_status=status
            )
        if payload is _NOT_JSON:
            if 200 <= status < 300:
                raise BadResponseError("Wiro sent an answer that is not JSON.", http_status=status)
            raise error_for(None, self.sanitizer.text(_plain_text(data)), status)
        raise_for_envelope(payload, status)
        return payload

    def _scrub(self, exc: WiroError) -> None:
        message = self.sanitizer.text(exc.message)
        if message != exc.message:
            exc.message = message
            exc.args = (message,)


def _envelope_error(payload: Any, status: int) -> WiroError:
    try:
        raise_for_envelope(payload, status)
    except WiroError as exc:
        return exc
    return error_for(None, "", status)


def _plain_text(data: bytes) -> str:
    text = data[:300].decode("utf-8", errors="replace")
    return "" if "<" in text else clean_text(text, 200)


def _sent_error(exc: httpx.TransportError, mode: RetryMode) -> NetworkError:
    if isinstance(exc, httpx.TimeoutException):
        text = "Wiro did not answer in time."
    else:
        text = "The connection to Wiro dropped."
    if mode is RetryMode.NEVER:
        text += " The task may have started anyway: check the task list before running again."
    return NetworkError(text, request_sent=True)


def _means_no_task(exc: WiroError) -> bool:
    # Only the documented "no task" answer means "no such task" (error-reference.md); any
    # other refusal is surfaced with its own message.
    return isinstance(exc, NotFoundError) and is_no_task_message(exc.message)


def _task_ref(task_id: str | None, token: str | None, *, token_field: str) -> dict[str, str]:
    if task_id:
        return {"taskid": str(task_id)}
    if token:
        return {token_field: str(token)}
    raise ValueError("a task id or a task token is required")


def _pick(tasks: list[Task], task_id: str | None, token: str | None) -> Task | None:
    if not tasks:
        return None
    if len(tasks) == 1 and not tasks[0].id:
        if not tasks[0].status:  # neither id nor status: nothing to follow
            raise BadResponseError("Wiro's answer has no usable task id.")
        return tasks[0]  # WiroKit reads a record without an id (its "sparse defaults" test)
    for task in tasks:
        if task_id and task.id == str(task_id):
            return task
        if not task_id and token and task.token in (token, ""):
            return task
    raise BadResponseError("Wiro answered about a different task than the one asked for.")
