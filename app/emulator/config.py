"""The emulator's knobs: credentials, timings, wire quirks and injected faults."""

from __future__ import annotations

import dataclasses
import threading
import types
import typing
from dataclasses import dataclass, field
from typing import Any

DEFAULT_API_KEY = "wiro-demo-key"
DEFAULT_API_SECRET = "wiro-demo-secret"

ENDPOINTS = (
    "Run",
    "Task/Detail",
    "Task/List",
    "Task/Cancel",
    "Task/Kill",
    "Tool/Detail",
    "File/Upload",
    "cdn",
)
PROGRESS_ENCODINGS = ("object", "string", "mixed")
WS_DROP_MODES = ("abort", "close")
AUTH_FAILURE_STATUSES = (401, 403, 200)
# The documented order (tasks.md); Cancel/Kill windows are given as positions in it.
STOP_STATUSES = (
    "task_queue",
    "task_accept",
    "task_preprocess_start",
    "task_preprocess_end",
    "task_assign",
    "task_start",
    "task_output",
    "task_end",
    "task_postprocess_start",
)


@dataclass
class EmulatorConfig:
    """Everything that shapes the emulator's answers; safe to change while it runs."""

    # Credentials: api_secret None makes an "API key only" project.
    api_key: str = DEFAULT_API_KEY
    api_secret: str | None = DEFAULT_API_SECRET
    extra_projects: dict[str, str | None] = field(default_factory=dict)
    strict_nonce: bool = False
    # HTTP status of an authentication failure: 401 (error-reference.md's tables), 403
    # (introduction.md: signature mismatch) or 200 (error-reference.md: "All API responses
    # return HTTP 200"), always with result:false and Wiro's message.
    auth_failure_status: int = 401

    # Timings (seconds). In step_mode tasks wait for advance() instead of the clock.
    queue_seconds: float = 1.0
    run_seconds: float = 4.0
    step_mode: bool = False

    # Wire details that real servers vary.
    # websocket.md sends progress as an object; "string"/"mixed" keep the JSON-in-a-string
    # form that older servers (and WiroKit's tests) use.
    progress_encoding: str = "object"
    log_lines: bool = True
    stderr_lines: bool = True
    full_log_frames: bool = True
    ws_extended_fields: bool = True
    parameters_as_string: bool = False
    output_ttl_seconds: float | None = 3600.0
    ws_ping_seconds: float = 30.0
    keep_alive_seconds: float = 75.0  # idle HTTP keep-alive, read at start (nginx's default)

    # Stop: tasks.md documents Cancel "for queued tasks" and Kill for "any status after
    # assign"; the window between is undocumented, so both are refused there by default.
    cancel_until: str = "task_queue"  # the last status in which Cancel is accepted
    kill_from: str = "task_assign"  # the first status in which Kill is accepted
    # The tool page's Kill sample shows a cost and outputs; tasks.md says cancelled tasks are
    # not billed. False: a killed task ends with no outputs and cost "0"; True: a task
    # killed once running keeps its rendered outputs and is billed.
    kill_bills: bool = False

    # Account.
    balance_usd: float | None = None
    concurrency_limit: int | None = None
    insufficient_balance: bool = False
    upload_limit_bytes: int = 100 * 1024 * 1024  # Wiro's files doc: 100 MB per file

    # Task outcomes.
    fail_rate: float = 0.0
    task_error_rate: float = 0.0
    task_error_hold_seconds: float | None = None

    # Transport faults; endpoints are names from ENDPOINTS, "*" meaning all of them.
    http_error_rate: float = 0.0
    http_error_status: int = 503
    http_error_retry_after: float | None = None
    http_error_endpoints: tuple[str, ...] = ("*",)
    drop_rate: float = 0.0
    drop_endpoints: tuple[str, ...] = ("*",)
    drop_after_handling: bool = True
    delay_seconds: float = 0.0
    delay_endpoints: tuple[str, ...] = ("*",)
    truncate_rate: float = 0.0
    truncate_fraction: float = 0.5
    ws_drop_seconds: float | None = None
    ws_drop_mode: str = "abort"
    ws_reject_rate: float = 0.0

    seed: int = 0

    # Persistence: a JSON file keeping tasks across restarts (None: in memory only).
    state_path: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.RLock()
        self.validate()

    @property
    def projects(self) -> dict[str, str | None]:
        """API key → secret (None for key-only projects)."""
        return {**self.extra_projects, self.api_key: self.api_secret}

    @property
    def key_only(self) -> bool:
        return self.api_secret is None

    def validate(self) -> None:
        if self.progress_encoding not in PROGRESS_ENCODINGS:
            raise ValueError(f"progress_encoding must be one of {PROGRESS_ENCODINGS}")
        if self.ws_drop_mode not in WS_DROP_MODES:
            raise ValueError(f"ws_drop_mode must be one of {WS_DROP_MODES}")
        for name in ("fail_rate", "task_error_rate", "http_error_rate", "drop_rate"):
            _check_rate(name, getattr(self, name))
        _check_rate("truncate_rate", self.truncate_rate)
        _check_rate("ws_reject_rate", self.ws_reject_rate)
        _check_rate("truncate_fraction", self.truncate_fraction)
        if self.queue_seconds < 0 or self.run_seconds < 0 or self.delay_seconds < 0:
            raise ValueError("timings must not be negative")
        if not 500 <= self.http_error_status <= 599:
            raise ValueError("http_error_status must be a 5xx code")
        for name in ("http_error_endpoints", "drop_endpoints", "delay_endpoints"):
            unknown = set(getattr(self, name)) - {*ENDPOINTS, "*"}
            if unknown:
                raise ValueError(f"{name}: unknown endpoints {sorted(unknown)}")
        if self.auth_failure_status not in AUTH_FAILURE_STATUSES:
            raise ValueError(f"auth_failure_status must be one of {AUTH_FAILURE_STATUSES}")
        for name in ("cancel_until", "kill_from"):
            if getattr(self, name) not in STOP_STATUSES:
                raise ValueError(f"{name} must be one of {STOP_STATUSES}")
        if not self.api_key:
            raise ValueError("api_key must not be empty")

    def update(self, **changes: Any) -> EmulatorConfig:
        """Apply changes atomically (all or none), coercing JSON shapes to field types."""
        names = {f.name: f for f in dataclasses.fields(self)}
        unknown = set(changes) - set(names)
        if unknown:
            raise ValueError(f"unknown config keys: {sorted(unknown)}")
        hints = typing.get_type_hints(type(self))
        coerced = {key: _coerce(key, hints[key], value) for key, value in changes.items()}
        with self._lock:
            trial = dataclasses.replace(self, **coerced)
            trial.validate()
            for key, value in coerced.items():
                setattr(self, key, value)
        return self

    def as_dict(self) -> dict[str, Any]:
        with self._lock:
            out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["extra_projects"] = dict(out["extra_projects"])
        return out

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in self.as_dict().items()}

    def wants(self, endpoint_list: tuple[str, ...], endpoint: str) -> bool:
        return "*" in endpoint_list or endpoint in endpoint_list


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1")


def _coerce(key: str, hint: Any, value: Any) -> Any:
    base = hint
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        base = next(a for a in args if a is not type(None))
    if value is None:
        raise ValueError(f"{key} must not be null")
    origin = typing.get_origin(base)
    if origin is tuple:
        return tuple(str(v) for v in ([value] if isinstance(value, str) else value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ValueError(f"{key} must be an object")
        return {str(k): (None if v is None else str(v)) for k, v in value.items()}
    if base is bool:
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "yes", "on")
        return bool(value)
    if base is int:
        if isinstance(value, bool) or float(value) != int(float(value)):
            raise ValueError(f"{key} must be an integer")
        return int(float(value))
    if base is float:
        if isinstance(value, bool):
            raise ValueError(f"{key} must be a number")
        return float(value)
    return str(value)
