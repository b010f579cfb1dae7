"""The artist's own prompts and form presets, kept as one small JSON file (blocking I/O, no Qt).

The UI edits a :class:`PromptBook` in memory and hands a copy to :meth:`PromptStore.save` off
the GUI thread; every edit bumps ``revision``, so a slow write can never overwrite a newer one.
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from app.core.params import MAX_TEXT_CHARS
from app.fsutil import atomic_write_text

log = logging.getLogger(__name__)

FILE_NAME = "prompts.json"
FORMAT_VERSION = 1
MAX_NAME_LENGTH = 120


def clean_name(name: str) -> str:
    """A name as stored: one line, inner runs of spaces collapsed, at most 120 characters."""
    return " ".join(str(name).split())[:MAX_NAME_LENGTH]


def _new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass
class SavedPrompt:
    """A prompt and negative prompt the artist saved under a name."""

    id: str
    name: str
    prompt: str
    negative_prompt: str = ""
    starred: bool = False
    created_at: float = 0.0


@dataclass
class FormPreset:
    """The whole form under a name: every field value plus the "random each time" choice."""

    id: str
    name: str
    values: dict[str, Any] = field(default_factory=dict)
    random_seed: bool = True
    tool: str = ""
    created_at: float = 0.0


@dataclass
class PromptBook:
    """Everything in the file; mutators keep names clean and bump ``revision``."""

    prompts: list[SavedPrompt] = field(default_factory=list)
    presets: list[FormPreset] = field(default_factory=list)
    starred_examples: list[str] = field(default_factory=list)  # prompt texts of tool examples
    revision: int = 0

    # -- saved prompts ----------------------------------------------------------------------

    def prompt(self, prompt_id: str) -> SavedPrompt | None:
        return next((p for p in self.prompts if p.id == prompt_id), None)

    def add_prompt(
        self, name: str, prompt: str, negative_prompt: str = "", now: float | None = None
    ) -> SavedPrompt:
        """Saves a prompt; a prompt already saved under the same name is replaced."""
        name = clean_name(name) or "Untitled"
        existing = next((p for p in self.prompts if p.name == name), None)
        if existing is not None:
            existing.prompt, existing.negative_prompt = prompt, negative_prompt
            self.revision += 1
            return existing
        item = SavedPrompt(_new_id(), name, prompt, negative_prompt, False, _now(now))
        self.prompts.append(item)
        self.revision += 1
        return item

    def rename_prompt(self, prompt_id: str, name: str) -> bool:
        return self._rename(self.prompt(prompt_id), name)

    def delete_prompt(self, prompt_id: str) -> bool:
        before = len(self.prompts)
        self.prompts = [p for p in self.prompts if p.id != prompt_id]
        return self._bumped(len(self.prompts) != before)

    def set_prompt_starred(self, prompt_id: str, starred: bool) -> bool:
        item = self.prompt(prompt_id)
        if item is None or item.starred == starred:
            return False
        item.starred = starred
        return self._bumped(True)

    def sorted_prompts(self) -> list[SavedPrompt]:
        """Starred first, then the newest first."""
        return sorted(self.prompts, key=lambda p: (not p.starred, -p.created_at, p.name.lower()))

    # -- starred tool examples --------------------------------------------------------------

    def is_example_starred(self, prompt: str) -> bool:
        return prompt in self.starred_examples

    def set_example_starred(self, prompt: str, starred: bool) -> bool:
        if starred == self.is_example_starred(prompt):
            return False
        if starred:
            self.starred_examples.append(prompt)
        else:
            self.starred_examples.remove(prompt)
        return self._bumped(True)

    # -- presets ----------------------------------------------------------------------------

    def preset(self, preset_id: str) -> FormPreset | None:
        return next((p for p in self.presets if p.id == preset_id), None)

    def preset_named(self, name: str) -> FormPreset | None:
        name = clean_name(name)
        return next((p for p in self.presets if p.name == name), None)

    def add_preset(
        self,
        name: str,
        values: Mapping[str, Any],
        random_seed: bool = True,
        tool: str = "",
        now: float | None = None,
    ) -> FormPreset:
        """Saves the form as a preset; a preset of the same name is overwritten."""
        name = clean_name(name) or "Untitled"
        stored: dict[str, Any] = copy.deepcopy(dict(values))
        existing = self.preset_named(name)
        if existing is not None:
            existing.values, existing.random_seed, existing.tool = stored, random_seed, tool
            self.revision += 1
            return existing
        item = FormPreset(_new_id(), name, stored, random_seed, tool, _now(now))
        self.presets.append(item)
        self.revision += 1
        return item

    def rename_preset(self, preset_id: str, name: str) -> bool:
        return self._rename(self.preset(preset_id), name)

    def delete_preset(self, preset_id: str) -> bool:
        before = len(self.presets)
        self.presets = [p for p in self.presets if p.id != preset_id]
        return self._bumped(len(self.presets) != before)

    def sorted_presets(self) -> list[FormPreset]:
        return sorted(self.presets, key=lambda p: p.name.lower())

    # -- helpers ----------------------------------------------------------------------------

    def _rename(self, item: SavedPrompt | FormPreset | None, name: str) -> bool:
        name = clean_name(name)
        if item is None or not name or item.name == name:
            return False
        item.name = name
        return self._bumped(True)

    def _bumped(self, changed: bool) -> bool:
        if changed:
            self.revision += 1
        return changed

    def snapshot(self) -> PromptBook:
        """A deep copy, safe to hand to another thread while this one keeps changing."""
        return copy.deepcopy(self)

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "prompts": [asdict(p) for p in self.prompts],
            "presets": [asdict(p) for p in self.presets],
            "starred_examples": list(self.starred_examples),
        }
        return json.dumps(data, indent=2, ensure_ascii=False)

    @classmethod
    def from_data(cls, data: Any) -> PromptBook:
        """Reads what it can: entries of the wrong shape are skipped, not fatal."""
        if not isinstance(data, dict):
            return cls()
        return cls(
            prompts=_entries(data.get("prompts"), _prompt_from),
            presets=_entries(data.get("presets"), _preset_from),
            starred_examples=[s for s in data.get("starred_examples") or [] if isinstance(s, str)],
        )


def _now(now: float | None) -> float:
    return time.time() if now is None else now


def _entries(raw: Any, make: Callable[[dict[str, Any]], Any]) -> list[Any]:
    out = []
    seen: set[str] = set()
    for entry in raw if isinstance(raw, list) else []:
        item = make(entry) if isinstance(entry, dict) else None
        if item is not None and item.id not in seen:
            seen.add(item.id)
            out.append(item)
    return out


def _text(value: Any) -> str:
    """A string field of the file; "" for a wrong type or one longer than any form accepts."""
    return value if isinstance(value, str) and len(value) <= MAX_TEXT_CHARS else ""


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _prompt_from(entry: dict[str, Any]) -> SavedPrompt | None:
    prompt, name = entry.get("prompt"), clean_name(_text(entry.get("name")))
    if not isinstance(prompt, str) or len(prompt) > MAX_TEXT_CHARS or not name:
        return None
    return SavedPrompt(
        id=_text(entry.get("id")) or _new_id(),
        name=name,
        prompt=prompt,
        negative_prompt=_text(entry.get("negative_prompt")),
        starred=entry.get("starred") is True,
        created_at=_number(entry.get("created_at")),
    )


def _preset_from(entry: dict[str, Any]) -> FormPreset | None:
    values, name = entry.get("values"), clean_name(_text(entry.get("name")))
    if not isinstance(values, dict) or not name:
        return None
    return FormPreset(
        id=_text(entry.get("id")) or _new_id(),
        name=name,
        values=values,
        random_seed=entry.get("random_seed") is not False,
        tool=_text(entry.get("tool")),
        created_at=_number(entry.get("created_at")),
    )


class PromptStore:
    """Loads and saves the PromptBook file; a damaged file is kept aside, never lost."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._written = -1

    @classmethod
    def in_folder(cls, folder: Path) -> PromptStore:
        return cls(folder / FILE_NAME)

    def load(self) -> PromptBook:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return PromptBook()
        except OSError as exc:
            log.warning("saved prompts file unreadable (%s); starting empty", exc)
            return PromptBook()
        try:
            data = json.loads(raw)
        except ValueError as exc:
            log.warning("saved prompts file unreadable (%s); starting empty", exc)
            self._keep_aside()
            return PromptBook()
        return PromptBook.from_data(data)

    def save(self, book: PromptBook) -> bool:
        """Writes ``book`` unless a newer revision was written already; True if it wrote."""
        with self._lock:
            if book.revision <= self._written:
                return False
            atomic_write_text(self.path, book.to_json())
            self._written = book.revision
            return True

    def _keep_aside(self) -> None:
        with contextlib.suppress(OSError):
            self.path.replace(self.path.with_suffix(".damaged.json"))
