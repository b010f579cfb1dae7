"""SQL for the gallery's queries: search (prompt words via FTS5, a seed, a task id), the starred
and rejected filters, order, keyset pages."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

MAX_SEARCH_WORDS = 16
MAX_WORD_CHARS = 64
_WORD = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer keeps as token characters

PageCursor = tuple[float, int, int]
"""Where a page ended: (generation created_at, generation id, image index) of its last image."""


@dataclass(frozen=True)
class ImageFilter:
    """What the gallery shows: images whose prompt has every word (or whose seed or task id is
    the text), optionally starred only; ``rejected`` None shows both, False hides rejects, True
    shows rejects only."""

    text: str = ""
    starred_only: bool = False
    newest_first: bool = True
    rejected: bool | None = None

    @property
    def is_filtered(self) -> bool:
        return self.starred_only or self.rejected is not None or fts_query(self.text) is not None


def exact_term(text: str) -> str | None:
    """The search as one token (a seed or a task id are typed whole), or None."""
    term = (text or "").strip()
    return term if term and len(term) <= MAX_WORD_CHARS and " " not in term else None


def record_matches(text: str, prompt: str, seed: int | None, task_id: str | None) -> bool:
    """What the search answers for one arriving image: its prompt, its seed or its task id."""
    term = exact_term(text)
    if term is not None and (term == str(seed) or (task_id is not None and term == task_id)):
        return True
    return prompt_matches(text, prompt)


def search_words(text: str) -> list[str]:
    """The words of a search, as the index splits them (punctuation and quotes are dropped)."""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall(text or "")][:MAX_SEARCH_WORDS]


def fts_query(text: str) -> str | None:
    """A safe FTS5 query: every word must start a word of the prompt; None for no words."""
    words = search_words(text)
    if not words:
        return None
    return "prompt : (" + " ".join(f'"{w}"*' for w in words) + ")"


def _fold(text: str) -> str:
    """Lower case without diacritics, as ``remove_diacritics 2`` compares."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def prompt_matches(text: str, prompt: str) -> bool:
    """What the search index would answer for one prompt: every search word starts one of its
    words (for images that arrive while a search is shown)."""
    wanted = [_fold(w) for w in search_words(text)]
    words = _WORD.findall(_fold(prompt or ""))
    return all(any(word.startswith(w) for word in words) for w in wanted)


def _where(query: ImageFilter) -> tuple[list[str], list[Any]]:
    clauses: list[str] = ["i.deleted = 0"]
    args: list[Any] = []
    if query.starred_only:
        clauses.append("i.starred = 1")
    if query.rejected is not None:
        clauses.append("i.rejected = ?")
        args.append(int(query.rejected))
    match = fts_query(query.text)
    if match is not None:
        fts = "i.generation_id IN (SELECT rowid FROM generations_fts WHERE generations_fts MATCH ?)"
        sweep, sweep_args = _sweep_title_clause(search_words(query.text))
        alternatives = [fts, sweep]
        args.extend([match, *sweep_args])
        term = exact_term(query.text)
        if term is not None:
            alternatives.append("i.generation_id IN (SELECT id FROM generations WHERE task_id = ?)")
            args.append(term)
            if term.isdigit() and len(term) <= 19:
                alternatives.append("i.seed = ?")
                args.append(int(term))
        clauses.append("(" + " OR ".join(alternatives) + ")")
    return clauses, args


def _sweep_title_clause(words: list[str]) -> tuple[str, list[Any]]:
    """Images of sweeps whose title has every word at the start of one of its words (so
    "vary" or "scheduler" finds a sweep's whole section). Search words hold no LIKE wildcard."""
    likes = " AND ".join("(' ' || s.title) LIKE ?" for _ in words)
    sql = (
        "i.generation_id IN (SELECT g.id FROM generations g JOIN sweeps s"
        f" ON s.id = g.sweep_id WHERE {likes})"
    )
    return sql, [f"% {w}%" for w in words]


def page_sql(query: ImageFilter, after: PageCursor | None, limit: int) -> tuple[str, list[Any]]:
    """One page of visible images in display order, starting after ``after``."""
    clauses, args = _where(query)
    sign, order = ("<", "DESC") if query.newest_first else (">", "ASC")
    if after is not None:
        clauses.append(f"(g.created_at, g.id, i.idx) {sign} (?, ?, ?)")
        args.extend(after)
    sql = (
        "SELECT i.*, g.created_at AS generation_created_at FROM images i"
        " JOIN generations g ON g.id = i.generation_id"
        f" WHERE {' AND '.join(clauses)}"
        f" ORDER BY g.created_at {order}, g.id {order}, i.idx {order} LIMIT ?"
    )
    return sql, [*args, max(1, int(limit))]


def count_sql(query: ImageFilter) -> tuple[str, list[Any]]:
    clauses, args = _where(query)
    return f"SELECT COUNT(*) FROM images i WHERE {' AND '.join(clauses)}", args
