"""Wiro answers as frozen dataclasses, parsed leniently; nonsense becomes BadResponseError."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.api.errors import BadResponseError, WiroError, clean_text, error_for
from app.core.status import Outcome, is_terminal, outcome
from app.core.text import TextSanitizer

_MAX_ID = 256
_MAX_TEXT = 100_000
_MAX_OUTPUTS = 1000
_MAX_TASKS = 10_000
_STORABLE = TextSanitizer()


@dataclass(frozen=True)
class Output:
    """One output file of a finished task (a public URL that expires: download at once)."""

    id: str
    name: str
    content_type: str
    size: int | None
    url: str
    added_time: int | None = None
    access_key: str = ""


@dataclass(frozen=True)
class Task:
    """One Wiro task record as Task/Detail, Cancel and Kill return it."""

    id: str
    uuid: str = ""
    token: str = ""
    status: str = ""
    pexit: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    debug_output: str = ""
    debug_error: str = ""
    create_time: int | None = None
    start_time: int | None = None
    end_time: int | None = None
    elapsed_seconds: float | None = None
    cps: float | None = None
    total_cost: float | None = None
    categories: tuple[str, ...] = ()
    outputs: tuple[Output, ...] = ()
    model_description: str = ""
    model_owner: str = ""
    model_project: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def outcome(self) -> Outcome:
        return outcome(self.status, self.pexit, len(self.outputs))

    @property
    def is_terminal(self) -> bool:
        return is_terminal(self.status)


@dataclass(frozen=True)
class TaskPage:
    """One page of Task/List: the tasks on it and how many the project has in all."""

    tasks: tuple[Task, ...]
    total: int | None


@dataclass(frozen=True)
class RunResult:
    """What Run answers: the task id and the token that authorises its WebSocket feed."""

    task_id: str
    socket_token: str


def loads(data: bytes | str, sanitizer: TextSanitizer | None = None) -> Any:
    """JSON text → sanitised value, or BadResponseError (also for absurd nesting or numbers).

    This is where Wiro's text enters the app: every string comes out storable (no unpaired
    surrogates) and, with the client's sanitizer, with any echoed secret masked.
    """
    try:
        value = json.loads(data)
    except (ValueError, RecursionError, UnicodeDecodeError, TypeError) as exc:
        raise BadResponseError("Wiro sent an answer that is not valid JSON.") from exc
    try:
        return (sanitizer or _STORABLE).json(data, value)
    except RecursionError as exc:
        raise BadResponseError("Wiro sent an answer that is nested too deeply.") from exc


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip()[:1] in ("[", "{"):
        try:
            return _STORABLE.json(value, json.loads(value))
        except (ValueError, RecursionError):
            return value
    return value


def _ident(value: Any, what: str, *, required: bool = True) -> str:
    """An id/token: a short printable string (numbers accepted)."""
    if isinstance(value, bool) or value is None:
        if required:
            raise BadResponseError(f"Wiro's answer has no usable {what}.")
        return ""
    if isinstance(value, int) and abs(value) < 10**30:
        value = str(value)
    if not isinstance(value, str):
        raise BadResponseError(f"Wiro's answer has an unusable {what}.")
    text: str = value.strip()
    if len(text) > _MAX_ID or not text.isprintable():
        raise BadResponseError(f"Wiro's answer has an unusable {what}.")
    if required and not text:
        raise BadResponseError(f"Wiro's answer has no usable {what}.")
    return text


def _text(value: Any, limit: int = _MAX_TEXT) -> str:
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit]
    if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) < 1e30:
        return str(value)
    return ""


def _float(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value) if abs(value) < 1e300 else math.inf
    elif isinstance(value, str) and len(value) <= 64:
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def _int(value: Any) -> int | None:
    number = _float(value)
    if number is None or abs(number) >= 2**63:
        return None
    return int(number)


_MS_THRESHOLD = 10**11  # no Unix time in seconds is this big before the year 5138


def _time(value: Any) -> int | None:
    """A Unix time in seconds; WiroKit's records carry milliseconds, recognised by size."""
    number = _int(value)
    if number is not None and number > _MS_THRESHOLD:
        number //= 1000
    return number if number is not None and number > 0 else None


def _size(value: Any) -> int | None:
    number = _int(value)
    return number if number is not None and number >= 0 else None


def _pexit(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int) and abs(value) < 10**30:
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if math.isfinite(value) and value.is_integer() else ""
    return _text(value, 64).strip()


def _categories(value: Any) -> tuple[str, ...]:
    value = _maybe_json(value)
    if isinstance(value, list):
        return tuple(v for v in value[:100] if isinstance(v, str) and len(v) <= 200)
    if isinstance(value, str):
        # Broken JSON such as the tool page's unescaped "["tool","image-to-image"]".
        parts = (p.strip(" \t[]\"'") for p in value.split(","))
        return tuple(p for p in parts if p and len(p) <= 200)[:100]
    return ()


def _parameters(value: Any) -> dict[str, Any]:
    value = _maybe_json(value)
    return dict(value) if isinstance(value, dict) else {}


def parse_output(obj: Any) -> Output:
    """One ``outputs`` entry → an Output."""
    if not isinstance(obj, Mapping):
        raise BadResponseError("Wiro's answer lists an output that is not an object.")
    url = _text(obj.get("url"), 8192).strip()
    return Output(
        id=_ident(obj.get("id"), "output id", required=False),
        name=_text(obj.get("name"), 512),
        content_type=_text(obj.get("contenttype"), 200),
        size=_size(obj.get("size")),
        url=url,
        added_time=_time(obj.get("addedtime")),
        access_key=_text(obj.get("accesskey"), 512),
    )


def parse_outputs(value: Any) -> tuple[Output, ...]:
    """An ``outputs`` value (list, JSON string or nothing) → Outputs."""
    value = _maybe_json(value)
    if value is None or value == "":
        return ()
    if not isinstance(value, list):
        raise BadResponseError("Wiro's answer has an outputs value that is not a list.")
    if len(value) > _MAX_OUTPUTS:
        raise BadResponseError("Wiro's answer lists an absurd number of outputs.")
    return tuple(parse_output(item) for item in value)


def parse_task(obj: Any) -> Task:
    """One task object → a Task."""
    if not isinstance(obj, Mapping):
        raise BadResponseError("Wiro's answer has a task that is not an object.")
    outputs = obj.get("outputs")
    if outputs is None:
        outputs = obj.get("output")  # WiroKit accepts the singular alias
    return Task(
        id=_ident(obj.get("id"), "task id", required=False),
        uuid=_text(obj.get("uuid"), 200),
        token=_ident(obj.get("socketaccesstoken"), "task token", required=False),
        status=_text(obj.get("status"), 100).strip(),
        pexit=_pexit(obj.get("pexit")),
        parameters=_parameters(obj.get("parameters")),
        debug_output=_text(obj.get("debugoutput")),
        debug_error=_text(obj.get("debugerror")),
        create_time=_time(obj.get("createtime")),
        start_time=_time(obj.get("starttime")),
        end_time=_time(obj.get("endtime")),
        elapsed_seconds=_float(obj.get("elapsedseconds")),
        cps=_float(obj.get("cps")),
        total_cost=_float(obj.get("totalcost")),
        categories=_categories(obj.get("categories")),
        outputs=parse_outputs(outputs),
        model_description=_text(obj.get("modeldescription"), 5000),
        model_owner=_text(obj.get("modelslugowner"), 200).strip(),
        model_project=_text(obj.get("modelslugproject"), 200).strip(),
        raw=dict(obj),
    )


def parse_task_list(payload: Any) -> list[Task]:
    """A Task/Detail, Cancel or Kill answer → its tasks (possibly none)."""
    if not isinstance(payload, Mapping):
        raise BadResponseError("Wiro's answer is not an object.")
    tasks = _maybe_json(payload.get("tasklist"))
    if tasks is None or tasks == "":
        return []
    if isinstance(tasks, Mapping):
        tasks = [tasks]
    if not isinstance(tasks, list):
        raise BadResponseError("Wiro's answer has a task list that is not a list.")
    if len(tasks) > _MAX_TASKS:
        raise BadResponseError("Wiro's answer lists an absurd number of tasks.")
    return [parse_task(item) for item in tasks]


def parse_task_page(payload: Any) -> TaskPage:
    """A Task/List answer → its tasks and the project's total (when given)."""
    tasks = parse_task_list(payload)
    total = _int(payload.get("total")) if isinstance(payload, Mapping) else None
    return TaskPage(tasks=tuple(tasks), total=total if total is None or total >= 0 else None)


def parse_run(payload: Any) -> RunResult:
    """A Run answer → the task id and socket token."""
    if not isinstance(payload, Mapping):
        raise BadResponseError("Wiro's answer to Run is not an object.")
    return RunResult(
        task_id=_ident(payload.get("taskid"), "task id"),
        socket_token=_ident(payload.get("socketaccesstoken"), "task token"),
    )


def _truthy(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0", ""):
            return False
    return None


def _error_entries(errors: Any) -> list[tuple[int | None, str]]:
    errors = _maybe_json(errors)
    if errors is None or errors == "" or errors == {}:
        return []
    if isinstance(errors, (str, Mapping)):
        errors = [errors]
    if not isinstance(errors, list):
        return [(None, "")]
    entries: list[tuple[int | None, str]] = []
    for entry in errors[:20]:
        if isinstance(entry, Mapping):
            entries.append((_int(entry.get("code")), clean_text(entry.get("message"))))
        elif isinstance(entry, str):
            entries.append((None, clean_text(entry)))
        else:
            entries.append((None, ""))
    return entries


def error_from_payload(payload: Any, http_status: int | None) -> WiroError:
    """The typed error an error envelope (or any refusing answer) describes."""
    entries = _error_entries(payload.get("errors")) if isinstance(payload, Mapping) else []
    if isinstance(payload, Mapping) and not entries:
        message = payload.get("message") or payload.get("error")
        if isinstance(message, str):
            entries = [(None, clean_text(message))]
    code = next((c for c, _ in entries if c is not None), None)
    messages = [m for _, m in entries if m]
    message = "; ".join(dict.fromkeys(messages))
    return error_for(code, message, http_status)


def raise_for_envelope(payload: Any, http_status: int | None) -> None:
    """Raises the typed error when the answer is a refusal; returns on a normal answer."""
    ok_status = http_status is None or 200 <= http_status < 300
    if not isinstance(payload, Mapping):
        if ok_status:
            raise BadResponseError("Wiro's answer is not an object.", http_status=http_status)
        raise error_for(None, "", http_status)
    result = _truthy(payload.get("result"))
    entries = _error_entries(payload.get("errors"))
    if ok_status and (result is True or (result is None and not entries)):
        return
    raise error_from_payload(payload, http_status)


@dataclass(frozen=True)
class UploadedFile:
    """A file File/Upload stored: its URL is what a Run's file input takes."""

    id: str
    name: str
    url: str
    content_type: str = ""
    size: int | None = None
    folder_id: str = ""
    added_time: int | None = None
    access_key: str = ""


def parse_upload(payload: Any) -> UploadedFile:
    """A File/Upload answer ``{result, errors, list: [{id, name, url, …}]}`` → its first file
    (Wiro's files doc); a ZIP upload lists several, the first is the one returned here."""
    if not isinstance(payload, Mapping):
        raise BadResponseError("Wiro's answer to the upload is not an object.")
    files = _maybe_json(payload.get("list"))
    if isinstance(files, Mapping):
        files = [files]
    if not isinstance(files, list) or not files or not isinstance(files[0], Mapping):
        raise BadResponseError("Wiro's answer to the upload names no file.")
    entry = files[0]
    url = _text(entry.get("url"), 8192).strip()
    if not url:
        raise BadResponseError("Wiro's answer to the upload has no file address.")
    return UploadedFile(
        id=_ident(entry.get("id"), "file id", required=False),
        name=_text(entry.get("name"), 512),
        url=url,
        content_type=_text(entry.get("contenttype"), 200),
        size=_size(entry.get("size")),
        folder_id=_ident(entry.get("parentid"), "folder id", required=False),
        added_time=_time(entry.get("addedtime")),
        access_key=_text(entry.get("accesskey"), 512),
    )
