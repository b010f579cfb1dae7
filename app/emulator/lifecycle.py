"""Walks each task through Wiro's statuses, publishing frames and producing outputs."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any

from app.emulator import tasks as st
from app.emulator.images import look, render_png
from app.emulator.sockets import Hub
from app.emulator.state import EmulatorState
from app.emulator.tasks import Task, cdn_folder, cost, output_entry
from app.emulator.tool_set import GENERATE, log_line, render_outputs, tool_of

log = logging.getLogger("app.emulator")

# Share of run_seconds spent in each status before the model's output phase.
# The documented order (tasks.md "Task Lifecycle"): preprocessing comes before assign.
PRE_STAGES: tuple[tuple[str, float], ...] = (
    (st.ACCEPT, 0.04),
    (st.PREPROCESS_START, 0.04),
    (st.PREPROCESS_END, 0.04),
    (st.ASSIGN, 0.06),
    (st.START, 0.06),
)
OUTPUT_SHARE = 0.56
END_SHARE = 0.06
POSTPROCESS_SHARE = 0.14
STEP_POLL = 0.05

WARNING_LINE = (
    "FutureWarning: `resume_download` is deprecated and will be removed in version 1.0.0. "
    "Downloads always resume when possible."
)
FAILURE_LINES = (
    "Traceback (most recent call last):",
    '  File "/app/predict.py", line 118, in predict',
    "    images = pipe(**inputs).images",
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB "
    "(emulated failure, Wiro Studio offline demo)",
)
PREPROCESS_ERROR = "Preprocess failed: worker could not load model weights (emulated task_error)"


def progress(step: int, total: int, elapsed: float, per_step: float) -> dict[str, str]:
    """A progress object exactly as Wiro sends it: every field a string."""
    speed = 1.0 / per_step if per_step > 0 else 99.9
    speed_text, speed_type = (
        (f"{speed:.1f}", "it/s") if speed >= 1 else (f"{1 / speed:.1f}", "s/it")
    )
    return {
        "type": "progressGenerate",
        "task": "Generate",
        "percentage": str(round(100 * step / total)),
        "stepCurrent": str(step),
        "stepTotal": str(total),
        "speed": speed_text,
        "speedType": speed_type,
        "elapsedTime": f"{int(elapsed)}s",
        "remainingTime": f"{int(per_step * (total - step))}s",
    }


class Lifecycle:
    """Owns the coroutine that runs each task, and Cancel/Kill."""

    def __init__(self, state: EmulatorState, hub: Hub) -> None:
        self.state = state
        self.hub = hub

    def publish(self, task: Task, kind: str, message: Any = None, *, current: bool = True) -> None:
        frame: dict[str, Any] = {
            "type": kind,
            "id": task.id,
            "tasktoken": task.socketaccesstoken,
            "message": message,
            "result": True,
        }
        if self.state.config.ws_extended_fields:
            # The newer websocket.md: on every frame, null/false until the task has ended.
            if kind in st.TERMINAL:
                ok = kind == st.POSTPROCESS_END and task.pexit == "0" and bool(task.outputs)
                frame.update(success=ok, terminal=True, exitCode=_exit_code(task.pexit))
            else:
                frame.update(success=None, terminal=False, exitCode=None)
        text = json.dumps(frame)
        if current:
            task.current_frame = text
        self.hub.publish(task.socketaccesstoken, text)

    def enter(self, task: Task, status: str, message: Any = None) -> None:
        task.enter(status)
        self.publish(task, status, message)
        if status in st.TERMINAL or status == st.ERROR:
            self.state.save()

    def restore_loaded(self) -> None:
        """At start: point loaded tasks at this server, and resume the unfinished ones."""
        origin = self.state.origin
        for task in self.state.loaded:
            if origin:
                task.origin = origin
                task.outputs = [st.rebase(o, origin) for o in task.outputs]
            if task.terminal:
                message = (
                    [dict(o) for o in task.outputs] if task.status == st.POSTPROCESS_END else None
                )
                self.publish(task, task.status, message)
            else:
                self.resume(task)
        self.state.loaded = []

    def resume(self, task: Task) -> None:
        """Replay an unfinished loaded task, fast-forwarding through the time since its
        creation (wall clock): if enough has passed it ends at once, with its outputs."""
        task.status = st.QUEUE
        task.times = {"createtime": task.times.get("createtime", int(task.created_at))}
        task.stdout, task.stderr, task.outputs = [], [], []
        task.debugerror = task.pexit = ""
        task.current_frame = None
        task.started = task.ended = None
        step = self.state.config.step_mode
        task.skip = 0.0 if step else max(0.0, time.time() - task.created_at)
        self.start(task)

    def start(self, task: Task) -> None:
        self.publish(task, st.QUEUE)
        task.runner = asyncio.get_running_loop().create_task(self._guarded(task))

    def advance(self, task: Task, count: int = 1) -> None:
        task.credits += count
        task.wake.set()

    def stop(self, task: Task) -> None:
        """Cancel (queued) or Kill (running): the task ends in task_cancel, unbilled."""
        if task.runner is not None and not task.runner.done():
            task.runner.cancel()
        task.outputs = []
        task.totalcost = "0"
        self.enter(task, st.CANCEL)

    async def kill(self, task: Task) -> None:
        """Kill: like stop(), but with ``kill_bills`` a running task keeps outputs and cost."""
        if not (self.state.config.kill_bills and task.started is not None):
            self.stop(task)
            return
        if task.runner is not None and not task.runner.done():
            task.runner.cancel()
        task.outputs = await self._render(task)
        price = tool_of(self.state, task).price
        task.totalcost = cost(price)
        self.state.spent_usd += price
        self.enter(task, st.CANCEL)

    async def _sleep(self, task: Task, seconds: float) -> None:
        """Sleep, first spending what a resumed task still has to fast-forward."""
        if task.skip > 0:
            used = min(task.skip, max(0.0, seconds))
            task.skip -= used
            seconds -= used
        await asyncio.sleep(max(0.0, seconds))

    async def _wait(self, task: Task, seconds: float) -> None:
        if not self.state.config.step_mode:
            await self._sleep(task, seconds)
            return
        while task.credits <= 0:
            if not self.state.config.step_mode:
                await self._sleep(task, seconds)
                return
            task.wake.clear()
            try:
                async with asyncio.timeout(STEP_POLL):
                    await task.wake.wait()
            except TimeoutError:
                pass
        task.credits -= 1

    def _output(self, task: Task, line: str) -> None:
        task.stdout.append(line)
        self.publish(task, st.OUTPUT, line)

    def _stderr(self, task: Task, line: str) -> None:
        task.stderr.append(line)
        self.publish(task, st.ERROR, line, current=task.status == st.ERROR)

    async def _guarded(self, task: Task) -> None:
        try:
            await self._run(task)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("emulated task %s crashed", task.id)
            task.debugerror = f"Emulator error: {exc!r}"
            await self._finish(task, failed=True)

    async def _run(self, task: Task) -> None:
        cfg = self.state.config
        await self._wait(task, cfg.queue_seconds)
        for status, share in PRE_STAGES:
            self.enter(task, status)
            if status == st.START and cfg.stderr_lines:
                self._stderr(task, WARNING_LINE)
            if status == st.PREPROCESS_START and task.plan == "task_error":
                await self._task_error(task)
                return
            await self._wait(task, self.state.config.run_seconds * share)
        await self._generate_phase(task)

    async def _task_error(self, task: Task) -> None:
        task.debugerror = PREPROCESS_ERROR
        task.stderr.append(PREPROCESS_ERROR)
        self.enter(task, st.ERROR, PREPROCESS_ERROR)
        hold = self.state.config.task_error_hold_seconds
        if hold is None:
            await asyncio.Event().wait()
        else:
            await self._sleep(task, hold)
        await self._finish(task, failed=True)

    async def _generate_phase(self, task: Task) -> None:
        cfg = self.state.config
        steps = int(task.values.get("steps", 20))
        failing = task.plan == "fail"
        if cfg.log_lines:
            task.enter(st.OUTPUT)
            self._output(task, "Loading pipeline components...: 100%|██████████| 6/6 [00:00<00:00]")
            self._output(
                task,
                log_line(tool_of(self.state, task), task)
                or f"DreamShaper 8 · {task.values.get('scheduler')} · {steps} steps · "
                f"{task.values.get('samples')} × {task.values.get('width')}x"
                f"{task.values.get('height')}",
            )
        per_step = cfg.run_seconds * OUTPUT_SHARE / max(steps, 1)
        last = steps // 2 if failing else steps
        for step in range(1, last + 1):
            task.enter(st.OUTPUT)
            data = progress(step, steps, task.elapsed(), per_step)
            encoded = cfg.progress_encoding == "string" or (
                cfg.progress_encoding == "mixed" and self.state.content_roll(0.5)
            )
            self.publish(task, st.OUTPUT, json.dumps(data) if encoded else data)
            if step == 1:
                await self._wait(task, per_step)
            else:
                await self._sleep(task, per_step)
        if failing:
            for line in FAILURE_LINES:
                self._stderr(task, line)
            task.debugerror = "\n".join(FAILURE_LINES)
        await self._finish(task, failed=failing)

    async def _finish(self, task: Task, failed: bool) -> None:
        cfg = self.state.config
        task.pexit = "1" if failed else "0"
        if task.status != st.ERROR:
            if cfg.full_log_frames:
                # websocket.md "Full Output Events": {"raw": …}; stderr only if non-empty.
                full = {"raw": "\n".join(task.stdout)}
                self.publish(task, st.OUTPUT_FULL, full, current=False)
                if task.stderr:
                    errors = {"raw": "\n".join(task.stderr)}
                    self.publish(task, st.ERROR_FULL, errors, current=False)
            self.enter(task, st.END)
            await self._wait(task, cfg.run_seconds * END_SHARE)
            self.enter(task, st.POSTPROCESS_START)
            loop = asyncio.get_running_loop()
            began = loop.time()
            outputs = [] if failed else await self._render(task)
            await self._wait(task, cfg.run_seconds * POSTPROCESS_SHARE - (loop.time() - began))
            task.outputs = outputs
        if not failed:
            price = tool_of(self.state, task).price
            task.totalcost = cost(price)
            task.cps = cost(price / max(task.elapsed(), 1e-3))
            self.state.spent_usd += price
        self.state.stats.postprocess_ended(task.id)
        self.enter(task, st.POSTPROCESS_END, [dict(o) for o in task.outputs])

    async def _render(self, task: Task) -> list[dict[str, Any]]:
        tool = tool_of(self.state, task)
        if tool.kind != GENERATE:
            return await render_outputs(self.state, tool, task)
        v = task.values
        prompt, seed = str(v.get("prompt", "")), int(v.get("seed", 0))
        width, height, samples = int(v["width"]), int(v["height"]), int(v["samples"])
        loop = asyncio.get_running_loop()
        pngs = await asyncio.gather(
            *(
                loop.run_in_executor(
                    self.state.executor, render_png, prompt, seed, i, width, height, *look(v)
                )
                for i in range(samples)
            )
        )
        folder = cdn_folder()
        outputs = []
        for i, data in enumerate(pngs):
            name = f"{i}.png"
            self.state.store_file(folder, name, data)
            outputs.append(output_entry(task, folder, name, len(data)))
        return outputs


def _exit_code(pexit: str) -> int | None:
    try:
        return int(pexit)
    except ValueError:
        return None
