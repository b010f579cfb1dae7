"""What the inspiration browser lists, as plain data: examples, saved and recent prompts (no Qt)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.storage.prompts import PromptBook

PROMPT = "prompt"
NEGATIVE = "negativePrompt"
RECENT_LIMIT = 40


class Source(StrEnum):
    """Which list an entry comes from."""

    EXAMPLE = "example"
    SAVED = "saved"
    RECENT = "recent"


@dataclass(frozen=True)
class Entry:
    """One card: a prompt, its negative prompt, and any other parameters it carries."""

    source: Source
    key: str  # example: its prompt text; saved: the SavedPrompt id; recent: prompt + negative
    prompt: str
    negative: str = ""
    title: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    starred: bool = False
    created_at: float = 0.0

    def haystack(self) -> str:
        return "\n".join((self.title, self.prompt, self.negative)).casefold()

    def values(self, use_all: bool = False) -> dict[str, Any]:
        """The form values this entry sets: prompt and negative, plus the rest with "Use all"."""
        out = dict(self.extra) if use_all else {}
        out[PROMPT] = self.prompt
        out[NEGATIVE] = self.negative
        return out


def query_words(query: str) -> list[str]:
    return query.casefold().split()


def matches(entry: Entry, query: str | Sequence[str]) -> bool:
    """Every word of the query occurs in the title, prompt or negative prompt (any case)."""
    words = query_words(query) if isinstance(query, str) else query
    if not words:
        return True
    haystack = entry.haystack()
    return all(word in haystack for word in words)


def filter_entries(entries: Iterable[Entry], query: str) -> list[Entry]:
    words = query_words(query)
    return [e for e in entries if matches(e, words)]


def example_entries(inspire: Iterable[Mapping[str, Any]], book: PromptBook) -> list[Entry]:
    """The tool's examples verbatim, in the tool's order with starred ones first."""
    entries = []
    for number, example in enumerate(inspire, start=1):
        prompt = str(example.get(PROMPT) or "")
        extra = {k: v for k, v in example.items() if k not in (PROMPT, NEGATIVE)}
        entries.append(
            Entry(
                Source.EXAMPLE,
                prompt,
                prompt,
                str(example.get(NEGATIVE) or ""),
                f"Example {number}",
                extra,
                book.is_example_starred(prompt),
            )
        )
    return sorted(entries, key=lambda e: not e.starred)


def saved_entries(book: PromptBook) -> list[Entry]:
    return [
        Entry(
            Source.SAVED,
            item.id,
            item.prompt,
            item.negative_prompt,
            item.name,
            starred=item.starred,
            created_at=item.created_at,
        )
        for item in book.sorted_prompts()
    ]


def recent_entries(
    runs: Iterable[tuple[Mapping[str, Any], float]], limit: int = RECENT_LIMIT
) -> list[Entry]:
    """Distinct prompts of past runs, newest first; ``runs`` are (params, created_at), any order.

    Two runs with the same prompt and negative prompt (ignoring outer spaces) are one entry,
    carrying the parameters of the newest run.
    """
    seen: set[tuple[str, str]] = set()
    entries: list[Entry] = []
    for params, created_at in sorted(runs, key=lambda r: -r[1]):
        prompt = str(params.get(PROMPT) or "")
        negative = str(params.get(NEGATIVE) or "")
        key = (prompt.strip(), negative.strip())
        if not key[0] or key in seen:
            continue
        seen.add(key)
        extra = {k: v for k, v in params.items() if k not in (PROMPT, NEGATIVE)}
        entries.append(
            Entry(Source.RECENT, "\n".join(key), prompt, negative, "", extra, False, created_at)
        )
        if len(entries) >= limit:
            break
    return entries


def picture_key(prompt: str) -> str:
    """Cards and runs match on the prompt text, ignoring outer spaces."""
    return prompt.strip()


def best_images(states: Iterable[Any]) -> dict[str, Any]:
    """For each prompt, the best image made from it: starred first, then the newest."""
    best: dict[str, Any] = {}
    for state in states:
        key = picture_key(str(state.params.get(PROMPT) or ""))
        if not key:
            continue
        for image in state.images:
            if image.deleted:
                continue
            current = best.get(key)
            if current is None or _rank(image) > _rank(current):
                best[key] = image
    return best


def _rank(image: Any) -> tuple[bool, float, int]:
    return (bool(image.starred), float(image.created_at), int(image.id))
