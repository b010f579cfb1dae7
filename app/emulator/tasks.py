"""A task as the emulator stores it, and its Task/Detail wire form (every value a string)."""

from __future__ import annotations

import asyncio
import json
import secrets
import string
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

QUEUE = "task_queue"
ACCEPT = "task_accept"
ASSIGN = "task_assign"
PREPROCESS_START = "task_preprocess_start"
PREPROCESS_END = "task_preprocess_end"
START = "task_start"
OUTPUT = "task_output"
END = "task_end"
POSTPROCESS_START = "task_postprocess_start"
POSTPROCESS_END = "task_postprocess_end"
CANCEL = "task_cancel"
ERROR = "task_error"
OUTPUT_FULL = "task_output_full"
ERROR_FULL = "task_error_full"
TERMINAL = frozenset({POSTPROCESS_END, CANCEL})

TIME_FIELD = {
    ACCEPT: "accepttime",
    ASSIGN: "assigntime",
    PREPROCESS_START: "preprocessstarttime",
    PREPROCESS_END: "preprocessendtime",
    START: "starttime",
    END: "endtime",
    POSTPROCESS_START: "postprocessstarttime",
    POSTPROCESS_END: "postprocessendtime",
    CANCEL: "canceltime",
}
TIME_FIELDS = (
    "createtime",
    "canceltime",
    "assigntime",
    "accepttime",
    "preprocessstarttime",
    "preprocessendtime",
    "postprocessstarttime",
    "postprocessendtime",
)
_ALNUM = string.ascii_letters + string.digits


def token(length: int = 30) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def cost(value: float) -> str:
    return f"{value:.12f}"


@dataclass
class Task:
    """One Run: its inputs, where it is in the lifecycle, and what it produced."""

    id: str
    project_key: str
    project_id: str
    model_id: str
    categories: str
    values: dict[str, Any]
    parameters: dict[str, str]
    callback_url: str
    origin: str
    plan: str = "ok"
    model_owner: str = "lykon"
    model_project: str = "dreamshaper-8"
    model_description: str = ""
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    socketaccesstoken: str = field(default_factory=token)
    status: str = QUEUE
    times: dict[str, int] = field(default_factory=dict)
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)
    debugerror: str = ""
    pexit: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)
    totalcost: str = "0"
    cps: str = "0"
    started: float | None = None
    ended: float | None = None
    current_frame: str | None = None
    credits: int = 0
    created_at: float = field(default_factory=time.time)  # wall clock: drives a resume
    skip: float = 0.0  # seconds of the lifecycle a resumed task fast-forwards through
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    runner: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self.times.setdefault("createtime", int(time.time()))

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def enter(self, status: str) -> None:
        self.status = status
        name = TIME_FIELD.get(status)
        if name:
            self.times[name] = int(time.time())
        if status == START:
            self.started = time.monotonic()
        elif status in (END, CANCEL) and self.started is not None and self.ended is None:
            self.ended = time.monotonic()

    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.ended if self.ended is not None else time.monotonic()) - self.started

    def to_wire(
        self, parameters_as_string: bool = False, origin: str | None = None
    ) -> dict[str, Any]:
        """The Task/Detail record; ``origin`` rebases output URLs on the answering server."""
        t = {name: str(self.times.get(name, 0)) for name in (*TIME_FIELDS, "starttime", "endtime")}
        size = sum(int(o["size"]) for o in self.outputs)
        return {
            "id": self.id,
            "uuid": self.uuid,
            "name": "",
            "socketaccesstoken": self.socketaccesstoken,
            "parameters": json.dumps(self.parameters) if parameters_as_string else self.parameters,
            "debugoutput": "\n".join(self.stdout),
            "debugerror": self.debugerror,
            "starttime": t["starttime"],
            "endtime": t["endtime"],
            "elapsedseconds": f"{self.elapsed():.4f}",
            "status": self.status,
            "cps": self.cps,
            "totalcost": self.totalcost,
            "guestid": None,
            "projectid": self.project_id,
            "modelid": self.model_id,
            "description": "",
            "basemodelid": "0",
            "runtype": "model",
            "modelfolderid": "",
            "modelfileid": "",
            "callbackurl": self.callback_url,
            "marketplaceid": None,
            # tasks.md, Task/Detail response: the model that ran.
            "modeldescription": self.model_description,
            "modelslugowner": self.model_owner,
            "modelslugproject": self.model_project,
            **{name: t[name] for name in TIME_FIELDS},
            "pexit": self.pexit,
            "categories": self.categories,
            "outputs": [rebase(o, origin) for o in self.outputs],
            "size": str(size),
        }


def output_entry(task: Task, folder: str, name: str, size: int) -> dict[str, Any]:
    now = str(int(time.time()))
    return {
        "id": secrets.token_hex(16),
        "name": name,
        "contenttype": "image/png",
        "parentid": secrets.token_hex(16),
        "uuid": task.uuid,
        "size": str(size),
        "addedtime": now,
        "modifiedtime": now,
        "accesskey": token(),
        "foldercount": "0",
        "filecount": "0",
        "ispublic": 0,
        "expiretime": None,
        "url": f"{task.origin}/cdn/{folder}/{name}",
    }


def rebase(output: dict[str, Any], origin: str | None) -> dict[str, Any]:
    """A copy of an output entry whose URL points at ``origin`` (None: left as stored)."""
    entry = dict(output)
    url = str(entry.get("url") or "")
    at = url.find("/cdn/")
    if origin and at >= 0:
        entry["url"] = origin + url[at:]
    return entry


def cdn_folder() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(8))
