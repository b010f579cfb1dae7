"""File inputs before Run: each local image goes up with File/Upload once, and the row
remembers its URL so a resumed task never uploads it again."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.file_inputs import MAX_UPLOAD_BYTES, file_fields, is_url, local_files
from app.core.schema import ToolSchema
from app.services.ledger import Ledger

if TYPE_CHECKING:
    from app.api.client import WiroClient


class UploadRefused(ValueError):
    """A local file cannot be uploaded (missing, unreadable, too large): nothing was sent."""


def _checked_size(path: Path) -> None:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UploadRefused(f"The image {path.name} cannot be read ({exc.strerror}).") from None
    if size > MAX_UPLOAD_BYTES:  # Wiro's files doc: 100 MB per file
        raise UploadRefused(f"The image {path.name} is larger than Wiro's 100 MB limit.")


async def upload_inputs(
    ledger: Ledger, client: WiroClient, schema: ToolSchema, gid: int, params: dict[str, Any]
) -> dict[str, Any]:
    """``params`` with every local file input replaced by its File/Upload URL, written to
    the generation's row before Run is sent. Upload is not billable and the client retries
    it (Wiro's files doc); Run is never retried. Unchanged when nothing is local."""
    paths = local_files(schema, params)
    if not paths:
        return params
    urls: dict[str, str] = {}
    for text in paths:
        path = Path(text)
        _checked_size(path)
        ledger.update(gid, error=f"Uploading {path.name}…")
        try:
            uploaded = await client.upload_file(path)
        except OSError as exc:
            raise UploadRefused(f"The image {path.name} cannot be read ({exc}).") from None
        urls[text] = uploaded.url
    out = dict(params)
    for spec in file_fields(schema):
        value = str(out.get(spec.id) or "").strip()
        if value and not is_url(value) and value in urls:
            out[spec.id] = urls[value]
    await ledger.persist(gid, params=out, error=None)
    return out
