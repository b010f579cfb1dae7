"""Wiro's service limits, from the emulator's refusal to the words in the tasks panel.

96 (concurrency limit): jobs wait in the local queue, are sent when a slot frees, nothing is
lost, and the row says "Waiting for a free slot". 97 (insufficient balance): the queue pauses
with a clear message on every waiting row, a Resume button, and resumes when pressed.
The service part runs the real Studio against the emulator; the snapshots it produced are
then rendered by the real TasksPanel.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.emulator.config import EmulatorConfig
from app.emulator.runner import Emulator
from app.services.events import GenerationChanged, GenerationState, Notice, Phase, ServiceEvent
from app.ui.tasks.panel import TasksPanel
from tests.services.conftest import KEY, SECRET, start_studio, wait_until

SMALL = {"prompt": "a lighthouse at dusk", "samples": 1, "width": 64, "height": 64, "seed": "7"}


def _emulator(**changes) -> Emulator:
    config = EmulatorConfig(api_key=KEY, api_secret=SECRET, queue_seconds=0.05, run_seconds=0.25)
    config.update(**changes)
    return Emulator(config)


def _seen(events: list[ServiceEvent], phase: Phase) -> dict[int, GenerationState]:
    return {
        e.generation.id: e.generation
        for e in events
        if isinstance(e, GenerationChanged) and e.generation.phase is phase
    }


async def _concurrency_run(root: Path) -> tuple[list[ServiceEvent], dict, list[GenerationState]]:
    with _emulator(concurrency_limit=2, step_mode=True) as emu:  # tasks hold their slots
        studio, events = await start_studio(emu, root)
        try:
            first = [await studio.submit(SMALL) for _ in range(3)]
            await wait_until(lambda: _seen(events, Phase.WAITING_SLOT), what="a 96 refusal")
            later = [await studio.submit(SMALL) for _ in range(3)]  # the limit is known now
            emu.configure(step_mode=False)
            ids = [s.id for s in first + later]
            await wait_until(
                lambda: all(studio.generation(i).phase is Phase.SUCCEEDED for i in ids),
                timeout=40,
                what="every generation",
            )
            final = [studio.generation(i) for i in ids]
        finally:
            await studio.aclose()
        return events, emu.stats(), final


async def _balance_run(root: Path) -> tuple[list[ServiceEvent], dict, list[GenerationState]]:
    with _emulator(insufficient_balance=True) as emu:
        studio, events = await start_studio(emu, root)
        try:
            states = [await studio.submit(SMALL) for _ in range(3)]
            ids = [s.id for s in states]
            await wait_until(
                lambda: all(studio.generation(i).phase is Phase.PAUSED for i in ids),
                what="a paused queue",
            )
            await asyncio.sleep(0.3)  # paused means paused: nothing more is sent
            refused_runs = emu.stats()["run_calls"]
            paused = [studio.generation(i) for i in ids]
            assert studio.paused and emu.stats()["tasks_created"] == 0
            emu.configure(insufficient_balance=False)
            await studio.resume()
            await wait_until(
                lambda: all(studio.generation(i).phase is Phase.SUCCEEDED for i in ids),
                timeout=30,
                what="the resumed queue",
            )
            stats = emu.stats()
            stats["refused_runs"] = refused_runs
        finally:
            await studio.aclose()
        return events, stats, paused


@pytest.fixture
def panel(qtbot, qapp):
    widget = TasksPanel()
    qtbot.addWidget(widget)
    widget.resize(340, 600)
    widget.show()
    return widget


def test_concurrency_limit_waits_locally_loses_nothing_and_says_so(panel, tmp_path: Path):
    events, stats, final = asyncio.run(_concurrency_run(tmp_path))
    assert [s.phase for s in final] == [Phase.SUCCEEDED] * 6
    assert all(len(s.images) == 1 for s in final)
    assert stats["tasks_created"] == 6, "each generation ran exactly once"
    refused = stats["run_calls"] - stats["tasks_created"]
    assert refused >= 1, "the emulator did refuse with 96"
    waiting = _seen(events, Phase.WAITING_SLOT)
    later_ids = {s.id for s in final[3:]}
    assert later_ids <= set(waiting), "jobs queued behind a known limit say so at once"
    notices = [e.text for e in events if isinstance(e, Notice)]
    assert any("waiting for a free slot" in text for text in notices)

    state = next(iter(waiting.values()))
    assert state.status_text == "Waiting for a free slot" and state.can_stop
    panel.update_generation(state)
    row = panel.row(state.id)
    assert row.status_label.text() == "Waiting for a free slot"
    assert row.stop_button.isEnabled() and row.resume_button.isHidden()
    panel.update_generation(final[0])
    assert panel.row(final[0].id).status_label.text() == "Done"


def test_insufficient_balance_pauses_with_a_clear_message_and_resumes(panel, qtbot, tmp_path: Path):
    events, stats, paused = asyncio.run(_balance_run(tmp_path))
    assert stats["tasks_created"] == 3 and stats["run_calls"] == stats["refused_runs"] + 3
    notices = [e for e in events if isinstance(e, Notice) and e.level == "error"]
    assert notices and notices[0].text == (
        "Insufficient balance. The queue is paused: top up your Wiro balance, then press Resume."
    )
    for state in paused:
        assert state.phase is Phase.PAUSED and state.error == notices[0].text
    assert any(
        isinstance(e, GenerationChanged) and e.generation.phase is Phase.PENDING
        for e in events[events.index(notices[0]) :]
    ), "resume put the jobs back in the queue"

    for state in paused:
        panel.update_generation(state)
    row = panel.row(paused[0].id)
    assert row.status_label.text() == "Paused: insufficient balance"
    assert row.error_label.text() == notices[0].text and not row.error_label.isHidden()
    assert not row.resume_button.isHidden()
    with qtbot.waitSignal(panel.resume_requested, timeout=2000):
        qtbot.mouseClick(row.resume_button, Qt.MouseButton.LeftButton)
