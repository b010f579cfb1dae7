"""The artist's saved prompts and presets in memory, persisted off the GUI thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.storage.prompts import FormPreset, PromptBook, PromptStore, SavedPrompt
from app.ui.session import UiSession

# run_io(job, done): runs the blocking ``job()`` somewhere, then ``done(result)`` on the GUI thread.
IoRunner = Callable[[Callable[[], Any], Callable[[Any], None] | None], None]


def run_inline(job: Callable[[], Any], done: Callable[[Any], None] | None = None) -> None:
    """An IoRunner that blocks: for tests and tools without an event loop."""
    result = job()
    if done is not None:
        done(result)


def session_runner(session: UiSession) -> IoRunner:
    """An IoRunner on the app's thread pool, with failures reported like any background task."""

    def run(job: Callable[[], Any], done: Callable[[Any], None] | None = None) -> None:
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # no loop yet (a window built outside the app's run)
            run_inline(job, done)
            return

        async def work() -> None:
            result = await session.io(job)
            if done is not None:
                done(result)

        session.spawn(work(), name="prompt-library")

    return run


class PromptLibrary(QObject):
    """Saved prompts, starred examples and form presets; every change is written to disk."""

    changed = Signal()

    def __init__(
        self, store: PromptStore, run_io: IoRunner = run_inline, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.store = store
        self._run_io = run_io
        self.book = PromptBook()
        self.loaded = False

    def load(self) -> None:
        self._run_io(self.store.load, self._on_loaded)

    def _on_loaded(self, book: PromptBook) -> None:
        edited_meanwhile = self.book.revision > 0
        if edited_meanwhile:
            book = _merged(book, self.book)
        self.book = book
        self.loaded = True
        self.changed.emit()
        if edited_meanwhile:
            self._save()

    def _save(self) -> None:
        self._run_io(partial(self.store.save, self.book.snapshot()), None)

    def _commit(self, changed: bool = True) -> bool:
        if changed:
            self.changed.emit()
            self._save()
        return changed

    # -- saved prompts ----------------------------------------------------------------------

    def prompts(self) -> list[SavedPrompt]:
        return self.book.sorted_prompts()

    def save_prompt(self, name: str, prompt: str, negative: str = "") -> SavedPrompt:
        item = self.book.add_prompt(name, prompt, negative)
        self._commit()
        return item

    def rename_prompt(self, prompt_id: str, name: str) -> bool:
        return self._commit(self.book.rename_prompt(prompt_id, name))

    def delete_prompt(self, prompt_id: str) -> bool:
        return self._commit(self.book.delete_prompt(prompt_id))

    def set_prompt_starred(self, prompt_id: str, starred: bool) -> bool:
        return self._commit(self.book.set_prompt_starred(prompt_id, starred))

    def set_example_starred(self, prompt: str, starred: bool) -> bool:
        return self._commit(self.book.set_example_starred(prompt, starred))

    # -- presets ----------------------------------------------------------------------------

    def presets(self) -> list[FormPreset]:
        return self.book.sorted_presets()

    def save_preset(
        self, name: str, values: Mapping[str, Any], random_seed: bool, tool: str = ""
    ) -> FormPreset:
        item = self.book.add_preset(name, values, random_seed, tool)
        self._commit()
        return item

    def rename_preset(self, preset_id: str, name: str) -> bool:
        return self._commit(self.book.rename_preset(preset_id, name))

    def delete_preset(self, preset_id: str) -> bool:
        return self._commit(self.book.delete_preset(preset_id))


def _merged(stored: PromptBook, fresh: PromptBook) -> PromptBook:
    """The file's book plus what was added in memory before it finished loading."""
    ids = {p.id for p in stored.prompts}
    stored.prompts += [p for p in fresh.prompts if p.id not in ids]
    ids = {p.id for p in stored.presets}
    stored.presets += [p for p in fresh.presets if p.id not in ids]
    stored.starred_examples += [
        s for s in fresh.starred_examples if s not in stored.starred_examples
    ]
    stored.revision = fresh.revision + 1
    return stored
