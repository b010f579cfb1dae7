"""Errors the services raise to the UI, in a module light enough to import before the studio."""

from __future__ import annotations


class InvalidParameters(ValueError):
    """The form values failed validation; ``errors`` maps field ids to English messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(next(iter(errors.values()), "invalid parameters"))
        self.errors = errors
