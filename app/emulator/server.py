"""The emulator's Starlette app: the /v1 API, the CDN, the socket and the admin endpoints."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route, WebSocketRoute

from app.emulator import tasks as st
from app.emulator.config import STOP_STATUSES, EmulatorConfig
from app.emulator.faults import TruncatedResponse
from app.emulator.gate import Gate
from app.emulator.lifecycle import Lifecycle
from app.emulator.sockets import Hub, SocketEndpoint
from app.emulator.state import PROJECT_ID, EmulatorState
from app.emulator.tasks import Task
from app.emulator.tool_set import check_tool_inputs
from app.emulator.uploads import UploadEndpoints
from app.emulator.validation import validate_run, wire_parameters
from app.emulator.wire import (
    MSG_BAD_URL,
    MSG_NO_BALANCE,
    MSG_NO_IDENTIFIER,
    MSG_NO_PERMISSION,
    MSG_NO_TASK,
    MSG_NO_TOOL,
    MSG_NOT_CANCELLABLE,
    Authenticator,
    BodyError,
    fail,
    fail_many,
    read_params,
)

IDENTIFIERS = ("taskid", "tasktoken", "socketaccesstoken")


def _cancellable(status: str, cfg: EmulatorConfig) -> bool:
    """tasks.md: Cancel works while the task is queued (up to ``cancel_until``)."""
    rank = STOP_STATUSES.index(status) if status in STOP_STATUSES else len(STOP_STATUSES)
    return rank <= STOP_STATUSES.index(cfg.cancel_until)


def _killable(status: str, cfg: EmulatorConfig) -> bool:
    """tasks.md: Kill works "after assign" (from ``kill_from``); a stuck task_error too."""
    if status == st.ERROR:
        return True
    rank = STOP_STATUSES.index(status) if status in STOP_STATUSES else -1
    return rank >= STOP_STATUSES.index(cfg.kill_from)


def _concurrency_message(balance: float | None, limit: int) -> str:
    shown = balance if balance is not None else limit * 10.0
    return (
        "You have reached your concurrent task limit. With your current balance of "
        f"${shown:.2f}, you can run up to {limit} tasks at the same time. "
        "Add funds to increase your limit."
    )


class Api:
    """Handlers for the /v1 endpoints, all POST, all answering JSON."""

    def __init__(self, state: EmulatorState, lifecycle: Lifecycle) -> None:
        self.state = state
        self.lifecycle = lifecycle
        self.auth = Authenticator(state.config, state.stats)

    async def _authorised(self, request: Request) -> tuple[str | None, Any]:
        key, denied = self.auth.check(request)
        if denied is not None:
            return None, denied
        try:
            return key, await read_params(request)
        except BodyError as exc:
            return None, fail(0, str(exc))

    def _project_id(self, key: str) -> str:
        if key == self.state.config.api_key:
            return PROJECT_ID
        return str(700 + sorted(self.state.config.extra_projects).index(key))

    async def run(self, request: Request) -> Response:
        key, params = await self._authorised(request)
        if key is None:
            return params
        owner = request.path_params["owner"].lower()
        project = request.path_params["project"].lower()
        tool = self.state.tools.get((owner, project))
        if tool is None:
            return fail(1, MSG_NO_TOOL)
        values, errors = validate_run(tool.inputs, params)
        errors += await check_tool_inputs(self.state, tool, params, values)
        if errors:
            return fail_many(errors)
        state, cfg = self.state, self.state.config
        balance = state.balance()
        if cfg.insufficient_balance or (balance is not None and balance < 0.5):
            return fail(97, MSG_NO_BALANCE)
        limit = state.concurrency_limit()
        if limit is not None and state.active_tasks(key) >= limit:
            return fail(96, _concurrency_message(balance, limit))
        plan = "ok"
        if state.fault_roll(cfg.task_error_rate):
            plan = "task_error"
        elif state.fault_roll(cfg.fail_rate):
            plan = "fail"
        task = Task(
            id=state.new_task_id(),
            project_key=key,
            project_id=self._project_id(key),
            model_id=tool.model_id,
            categories=tool.categories,
            values=values,
            parameters=wire_parameters(values),
            callback_url=str(params.get("callbackUrl") or ""),
            origin=f"{request.url.scheme}://{request.url.netloc}",
            plan=plan,
            model_owner=str(tool.tool.get("cleanslugowner") or owner),
            model_project=str(tool.tool.get("cleanslugproject") or project),
            model_description=str(tool.tool.get("description") or ""),
        )
        state.add(task)
        self.lifecycle.start(task)
        return JSONResponse(
            {
                "errors": [],
                "taskid": task.id,
                "socketaccesstoken": task.socketaccesstoken,
                "result": True,
            }
        )

    async def _task(self, request: Request, count: bool = False) -> tuple[Task | None, Any]:
        key, params = await self._authorised(request)
        if key is None:
            return None, params
        if not any(str(params.get(name) or "").strip() for name in IDENTIFIERS):
            return None, fail(0, MSG_NO_IDENTIFIER)
        task = self.state.find(params)
        if count:
            label = task.id if task else next(str(params[n]) for n in IDENTIFIERS if params.get(n))
            self.state.stats.count("task_detail_calls", label)
        if task is None:
            return None, fail(1, MSG_NO_TASK)
        if task.project_key != key:
            return None, fail(0, MSG_NO_PERMISSION)
        return task, None

    def _tasklist(self, task: Task, total: bool = False) -> JSONResponse:
        body: dict[str, Any] = {"total": "1"} if total else {}
        wire = task.to_wire(self.state.config.parameters_as_string)
        body.update(errors=[], tasklist=[wire], result=True)
        return JSONResponse(body)

    async def detail(self, request: Request) -> Response:
        task, answer = await self._task(request, count=True)
        return answer if task is None else self._tasklist(task, total=True)

    async def cancel(self, request: Request) -> Response:
        task, answer = await self._task(request)
        if task is None:
            return answer
        if not _cancellable(task.status, self.state.config):
            return fail(1, MSG_NOT_CANCELLABLE)
        self.lifecycle.stop(task)
        return self._tasklist(task)

    async def kill(self, request: Request) -> Response:
        task, answer = await self._task(request)
        if task is None:
            return answer
        if task.terminal:
            return fail(1, "Task could not be killed: the task has already ended")
        if not _killable(task.status, self.state.config):
            # error-reference.md: "Task could not be killed: {reason}"
            return fail(1, "Task could not be killed: the task is not running yet")
        await self.lifecycle.kill(task)
        return self._tasklist(task)

    async def task_list(self, request: Request) -> Response:
        """Task/List as Wiro's MCP server calls it: the project's tasks, newest first."""
        key, params = await self._authorised(request)
        if key is None:
            return params
        try:
            start = max(0, int(str(params.get("start") or "0")))
            limit = max(1, min(100, int(str(params.get("limit") or "20"))))
        except ValueError:
            return fail(0, "Request parameters are invalid.")
        tasks = [t for t in self.state.tasks.values() if t.project_key == key]
        model = str(params.get("modelName") or "").strip().lower()
        if model:
            tasks = [
                t for t in tasks if model in (t.model_project, f"{t.model_owner}/{t.model_project}")
            ]
        descending = str(params.get("order") or "DESC").upper() != "ASC"
        tasks.sort(key=lambda t: int(t.id), reverse=descending)
        cfg = self.state.config
        page = [t.to_wire(cfg.parameters_as_string) for t in tasks[start : start + limit]]
        return JSONResponse(
            {"result": True, "errors": [], "total": str(len(tasks)), "tasklist": page}
        )

    async def tool_detail(self, request: Request) -> Response:
        key, params = await self._authorised(request)
        if key is None:
            return params
        owner = str(params.get("slugowner") or "").strip().lower()
        project = str(params.get("slugproject") or "").strip().lower()
        tool = self.state.tools.get((owner, project))
        if tool is None:
            return fail(1, MSG_NO_TOOL)
        return JSONResponse(copy.deepcopy(tool.payload))

    async def cdn(self, request: Request) -> Response:
        folder, name = request.path_params["folder"], request.path_params["name"]
        data = self.state.get_file(folder, name)
        if data is None:
            data = await self.state.regenerate(folder, name)
        if data is None:
            return PlainTextResponse("Not Found", 404)
        cfg = self.state.config
        if request.method == "GET" and self.state.fault_roll(cfg.truncate_rate):
            self.state.stats.count("faults", "truncate")
            return TruncatedResponse(
                data, cfg.truncate_fraction, self.state.connections, "image/png"
            )
        if request.method == "GET":
            self.state.stats.count("downloads")
            self.state.stats.count("download_bytes", amount=len(data))
        return Response(data, media_type="image/png", headers={"Cache-Control": "public"})


class Admin:
    """Test and demo controls under /_emulator, apart from the Wiro API."""

    def __init__(self, state: EmulatorState, lifecycle: Lifecycle) -> None:
        self.state = state
        self.lifecycle = lifecycle

    async def config(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = await request.json()
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                self.state.config.update(**changes)
            except ValueError as exc:
                return JSONResponse({"error": str(exc)}, 400)
        return JSONResponse(self.state.config.to_json())

    async def stats(self, request: Request) -> Response:
        if request.method == "POST":
            self.state.stats.reset()
        return JSONResponse(self.state.stats.snapshot())

    async def advance(self, request: Request) -> Response:
        body = await request.json() if await request.body() else {}
        count = int(body.get("count", 1))
        return JSONResponse(
            {"advanced": advance(self.state, self.lifecycle, body.get("taskid"), count)}
        )

    async def tasks(self, request: Request) -> Response:
        return JSONResponse({"tasks": [t.to_wire() for t in self.state.tasks.values()]})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})


def advance(state: EmulatorState, lifecycle: Lifecycle, taskid: Any, count: int) -> int:
    """Give step-mode tasks ``count`` steps; all unfinished tasks when no id is given."""
    chosen = [state.tasks[str(taskid)]] if taskid is not None and str(taskid) in state.tasks else []
    if taskid is None:
        chosen = [t for t in state.tasks.values() if not t.terminal]
    for task in chosen:
        lifecycle.advance(task, count)
    return len(chosen)


async def _not_found(request: Request, exc: Exception) -> Response:
    return fail(0, MSG_BAD_URL, 404)


class EmulatorApp(Gate):
    """The whole emulator as one ASGI app; ``state`` and ``lifecycle`` are its live parts."""

    def __init__(self, config: EmulatorConfig | None = None) -> None:
        self.config = config or EmulatorConfig()
        state = EmulatorState(self.config)
        self.hub = Hub()
        self.lifecycle = Lifecycle(state, self.hub)
        api, admin = Api(state, self.lifecycle), Admin(state, self.lifecycle)
        uploads = UploadEndpoints(state.uploads, api.auth, self.config)
        routes = [
            Route("/v1/Run/{owner}/{project}", api.run, methods=["POST"]),
            Route("/v1/Task/Detail", api.detail, methods=["POST"]),
            Route("/v1/Task/Cancel", api.cancel, methods=["POST"]),
            Route("/v1/Task/Kill", api.kill, methods=["POST"]),
            Route("/v1/Task/List", api.task_list, methods=["POST"]),
            Route("/v1/Tool/Detail", api.tool_detail, methods=["POST"]),
            Route("/cdn/{folder}/{name}", api.cdn, methods=["GET", "HEAD"]),
            Route("/v1/File/Upload", uploads.upload, methods=["POST"]),
            Route("/files/{folder}/{name}", uploads.serve, methods=["GET", "HEAD"]),
            WebSocketRoute("/socket/v1", SocketEndpoint(state, self.hub).handle),
            Route("/_emulator/config", admin.config, methods=["GET", "POST"]),
            Route("/_emulator/stats", admin.stats, methods=["GET"]),
            Route("/_emulator/stats/reset", admin.stats, methods=["POST"]),
            Route("/_emulator/advance", admin.advance, methods=["POST"]),
            Route("/_emulator/tasks", admin.tasks, methods=["GET"]),
            Route("/_emulator/health", admin.health, methods=["GET"]),
        ]
        starlette = Starlette(
            routes=routes,
            exception_handlers={404: _not_found, 405: _not_found},
            lifespan=self._lifespan,
        )
        starlette.router.redirect_slashes = False
        super().__init__(starlette, state)

    @contextlib.asynccontextmanager
    async def _lifespan(self, app: Starlette) -> AsyncIterator[None]:
        self.state.loop = asyncio.get_running_loop()
        self.state.executor = ThreadPoolExecutor(2, thread_name_prefix="wiro-emulator-png")
        self.lifecycle.restore_loaded()
        try:
            yield
        finally:
            runners = [
                t.runner for t in self.state.tasks.values() if t.runner and not t.runner.done()
            ]
            for runner in runners:
                runner.cancel()
            await asyncio.gather(*runners, return_exceptions=True)
            self.hub.close_all()
            self.state.executor.shutdown(wait=True, cancel_futures=True)


def create_app(config: EmulatorConfig | None = None) -> EmulatorApp:
    """A fresh emulator ASGI app (serve it with uvicorn, or use the threaded runner)."""
    return EmulatorApp(config)
