"""Every selectable misbehaviour, the admin endpoints and the stats counters."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets

from app.emulator import Emulator, EmulatorConfig
from tests.emulator.emulator_support import KEY, SECRET, Wiro, collect_frames, wait_until

RUN = "Run/Lykon/dreamshaper-8"
BROKEN = (httpx.RemoteProtocolError, httpx.ReadError)


def _error(answer: httpx.Response) -> tuple[int, str]:
    body = answer.json()
    assert answer.status_code == 200 and body["result"] is False, body
    return body["errors"][0]["code"], body["errors"][0]["message"]


@pytest.mark.emulator(step_mode=True, concurrency_limit=1)
def test_concurrency_limit_is_error_96(wiro: Wiro) -> None:
    first = wiro.run()
    code, message = _error(wiro.post(RUN, {"prompt": "second"}))
    assert code == 96 and "concurrent task limit" in message and "up to 1 tasks" in message
    wiro.post("Task/Cancel", {"taskid": first["taskid"]})
    assert wiro.post(RUN, {"prompt": "third"}).json()["result"] is True


@pytest.mark.emulator(step_mode=True, balance_usd=25.0)
def test_limit_derived_from_balance(wiro: Wiro) -> None:
    wiro.run()
    wiro.run()
    code, message = _error(wiro.post(RUN, {"prompt": "third"}))
    assert code == 96 and "$25.00" in message and "up to 2 tasks" in message


@pytest.mark.emulator(balance_usd=0.2)
def test_low_balance_is_error_97(wiro: Wiro) -> None:
    assert _error(wiro.post(RUN, {"prompt": "p"})) == (97, "Insufficient balance")


def test_insufficient_balance_switch(wiro: Wiro) -> None:
    wiro.emulator.configure(insufficient_balance=True)
    assert _error(wiro.post(RUN, {"prompt": "p"})) == (97, "Insufficient balance")
    assert wiro.emulator.stats()["run_calls"] == 1
    assert wiro.emulator.stats()["tasks_created"] == 0


@pytest.mark.asyncio
@pytest.mark.emulator(fail_rate=1.0)
async def test_failed_run(emulator: Emulator) -> None:
    with httpx.Client() as client:
        wiro = Wiro(emulator, client, KEY, SECRET)
        run = wiro.run(samples=2)
        frames = await collect_frames(emulator.socket_url, [run["socketaccesstoken"]])
        task = wiro.wait(run["taskid"])
    assert task["status"] == "task_postprocess_end"
    assert task["pexit"] == "1" and task["outputs"] == [] and task["totalcost"] == "0"
    assert "CUDA out of memory" in task["debugerror"]
    assert frames[-1]["message"] == [] and frames[-1]["success"] is False
    assert "task_end" in [f["type"] for f in frames]


@pytest.mark.emulator(task_error_rate=1.0)
def test_task_error_is_stored_and_killable(wiro: Wiro) -> None:
    run = wiro.run()
    task = wiro.wait(run["taskid"], "task_error")
    assert task["debugerror"] and task["pexit"] == ""
    code, _ = _error(wiro.post("Task/Cancel", {"taskid": run["taskid"]}))
    assert code == 1
    killed = wiro.post("Task/Kill", {"taskid": run["taskid"]}).json()
    assert killed["tasklist"][0]["status"] == "task_cancel"


@pytest.mark.emulator(task_error_rate=1.0, task_error_hold_seconds=0.05)
def test_task_error_then_ends_failed(wiro: Wiro) -> None:
    task = wiro.wait(wiro.run()["taskid"])
    assert task["status"] == "task_postprocess_end" and task["pexit"] == "1"
    assert task["outputs"] == [] and task["debugerror"]


@pytest.mark.emulator(http_error_rate=1.0, http_error_endpoints=("Task/Detail",))
def test_http_5xx_on_chosen_endpoint(wiro: Wiro) -> None:
    run = wiro.run()
    answer = wiro.post("Task/Detail", {"taskid": run["taskid"]})
    assert answer.status_code == 503 and answer.headers["content-type"].startswith("text/html")
    assert "retry-after" not in answer.headers
    wiro.emulator.configure(http_error_status=502, http_error_retry_after=2)
    answer = wiro.post("Task/Detail", {"taskid": run["taskid"]})
    assert answer.status_code == 502 and answer.headers["retry-after"] == "2"
    assert wiro.post(
        "Tool/Detail", {"slugowner": "Lykon", "slugproject": "dreamshaper-8"}
    ).is_success
    assert wiro.emulator.stats()["faults"] == {"http_503": 1, "http_502": 1}


def _codes(wiro: Wiro, n: int) -> list[int]:
    return [wiro.post("Task/Detail", {"taskid": "1"}).status_code for _ in range(n)]


@pytest.mark.emulator(http_error_rate=0.5, seed=7)
def test_fault_rates_are_reproducible(wiro: Wiro) -> None:
    first = _codes(wiro, 24)
    assert set(first) == {200, 503}
    wiro.emulator.configure(seed=8)
    other = _codes(wiro, 24)
    wiro.emulator.configure(seed=7)
    assert _codes(wiro, 24) == first != other
    with (
        Emulator(
            EmulatorConfig(api_key=KEY, api_secret=SECRET, http_error_rate=0.5, seed=7)
        ) as emu,
        httpx.Client() as client,
    ):
        assert _codes(Wiro(emu, client, KEY, SECRET), 24) == first


@pytest.mark.emulator(drop_rate=1.0, drop_endpoints=("Task/Detail",))
def test_dropped_connection_is_not_a_tidy_500(wiro: Wiro) -> None:
    run = wiro.run()
    with pytest.raises(BROKEN):
        wiro.post("Task/Detail", {"taskid": run["taskid"]})
    assert wiro.emulator.stats()["faults"]["drop"] == 1


@pytest.mark.parametrize("after", [True, False])
def test_dropped_run_may_or_may_not_have_started_a_task(wiro: Wiro, after: bool) -> None:
    wiro.emulator.configure(drop_rate=1.0, drop_endpoints=["Run"], drop_after_handling=after)
    with pytest.raises(BROKEN):
        wiro.post(RUN, {"prompt": "lost answer", "samples": 1, "width": 64, "height": 64})
    assert wiro.emulator.stats()["tasks_created"] == (1 if after else 0)


@pytest.mark.emulator(delay_seconds=1.0, delay_endpoints=("Tool/Detail",))
def test_slow_answers(wiro: Wiro) -> None:
    with pytest.raises(httpx.ReadTimeout):
        wiro.post("Tool/Detail", {"slugowner": "Lykon"}, timeout=0.2)
    assert wiro.post("Task/Detail", {"taskid": "1"}, timeout=0.9).status_code == 200
    assert wiro.emulator.stats()["faults"] == {"delay": 1}


def test_truncated_download(wiro: Wiro) -> None:
    task = wiro.wait(wiro.run(width=256, height=256)["taskid"])
    url, size = task["outputs"][0]["url"], int(task["outputs"][0]["size"])
    wiro.emulator.configure(truncate_rate=1.0, truncate_fraction=0.3)
    received = 0
    with pytest.raises(BROKEN), httpx.stream("GET", url) as response:
        assert int(response.headers["content-length"]) == size
        for chunk in response.iter_raw():
            received += len(chunk)
    assert 0 < received < size
    wiro.emulator.configure(truncate_rate=0.0)
    assert len(httpx.get(url).content) == size


@pytest.mark.asyncio
@pytest.mark.parametrize(("mode", "code"), [("abort", 1006), ("close", 1001)])
async def test_websocket_drops(emulator: Emulator, mode: str, code: int) -> None:
    emulator.configure(ws_drop_seconds=0.1, ws_drop_mode=mode)
    async with asyncio.timeout(5), websockets.connect(emulator.socket_url) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is None if code == 1006 else closed.value.rcvd.code == code
    assert emulator.stats()["faults"]["ws_drop"] == 1


@pytest.mark.asyncio
async def test_websocket_rejected(emulator: Emulator) -> None:
    emulator.configure(ws_reject_rate=1.0)
    with pytest.raises(websockets.InvalidStatus):
        await collect_frames(emulator.socket_url, ["x"])


def test_admin_endpoints(wiro: Wiro) -> None:
    admin = wiro.emulator.origin + "/_emulator"
    assert httpx.get(f"{admin}/health").json() == {"ok": True}
    config = httpx.post(f"{admin}/config", json={"fail_rate": "1", "drop_endpoints": "Run"}).json()
    assert config["fail_rate"] == 1.0 and config["drop_endpoints"] == ["Run"]
    assert wiro.emulator.config.fail_rate == 1.0
    assert httpx.post(f"{admin}/config", json={"nope": 1}).status_code == 400
    assert httpx.post(f"{admin}/config", json={"fail_rate": 3}).status_code == 400
    assert httpx.get(f"{admin}/config").json()["fail_rate"] == 1.0
    wiro.emulator.configure(step_mode=True)
    run = wiro.run()
    assert httpx.post(f"{admin}/advance", json={"taskid": run["taskid"]}).json() == {"advanced": 1}
    wait_until(lambda: wiro.detail(run["taskid"])["status"] == "task_accept")
    assert [t["id"] for t in httpx.get(f"{admin}/tasks").json()["tasks"]] == [run["taskid"]]
    stats = httpx.get(f"{admin}/stats").json()
    assert stats["run_calls"] == 1 and "admin" not in stats["requests"]
    assert httpx.post(f"{admin}/stats/reset").json()["run_calls"] == 0


@pytest.mark.asyncio
async def test_stats_counters(emulator: Emulator) -> None:
    with httpx.Client() as client:
        wiro = Wiro(emulator, client, KEY, SECRET)
        run = wiro.run()
        wiro.post(RUN, {"prompt": "p", "width": 1})
        for _ in range(3):
            wiro.detail(run["taskid"])
    stats = emulator.stats()
    assert stats["tcp_connections"] == 1 and stats["http_connections"] == 1
    assert stats["run_calls"] == 2 and stats["tasks_created"] == 1
    assert stats["requests"] == {"Run": 2, "Task/Detail": 3}
    assert stats["task_detail_calls"] == {run["taskid"]: 3}
    assert stats["user_agents"] == {"WiroStudio/test": 5}
    with httpx.Client() as client:
        Wiro(emulator, client, KEY, SECRET).detail(run["taskid"])
    await collect_frames(emulator.socket_url, [run["socketaccesstoken"]])
    stats = emulator.stats()
    assert stats["http_connections"] == 2
    assert stats["tcp_connections"] == 3
    assert stats["websocket_connections"] == 1 and stats["websocket_subscriptions"] == 1
    assert stats["requests"]["socket"] == 1
