"""The saver: converted copies keep settings, Save As follows the name, private names."""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from PIL import Image

from app.core.exportformat import ExportFormat
from app.core.readback import read_settings
from app.services.events import ImageRecord
from app.services.saving import ImageSaver
from app.storage.imagemeta import read_text_chunks

PARAMS = {"prompt": "secret lighthouse", "steps": 20, "scale": 7, "width": 64, "height": 64}


class _Ledger:
    """Only what the saver asks of the ledger: a generation's request by id."""

    def __init__(self) -> None:
        self.state = SimpleNamespace(
            params=PARAMS, task_id="task-77", tool="", parent_image_id=None, operation=None
        )

    def get(self, generation_id: int) -> Any:
        return self.state if generation_id == 1 else None


def _record(tmp_path: Path) -> ImageRecord:
    path = tmp_path / "lib" / "g1.png"
    path.parent.mkdir()
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 20, 30)).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return ImageRecord(
        id=1, generation_id=1, index=0, seed=987654, path=path, sha256="", size=0,
        width=64, height=64, created_at=1_700_000_000.0,
    )  # fmt: skip


def test_save_images_as_jpeg_save_as_webp_and_private_names(tmp_path: Path) -> None:
    record = _record(tmp_path)
    with ThreadPoolExecutor(1) as io_pool:
        saver = ImageSaver(_Ledger(), "Lykon/dreamshaper-8", io_pool)  # type: ignore[arg-type]  # stand-in with only get()

        async def run() -> tuple[list[Path], Path, list[Path]]:
            jpeg = await saver.save_images(
                [record], tmp_path / "a", fmt=ExportFormat("jpeg", quality=70)
            )
            webp = await saver.save_as(record, tmp_path / "chosen.webp")
            private = await saver.save_images([record], tmp_path / "b", strip=True)
            return jpeg, webp, private

        jpeg, webp, private = asyncio.run(run())
    assert jpeg[0].suffix == ".jpg" and "987654" in jpeg[0].name and "secret" in jpeg[0].name
    assert webp.read_bytes()[8:12] == b"WEBP"
    for path in (jpeg[0], webp):
        back = read_settings(read_text_chunks(path))
        assert back.values["prompt"] == "secret lighthouse" and back.values["seed"] == "987654"
    name = private[0].name
    assert "987654" not in name and "secret" not in name and name.endswith(" 1.png")
    assert read_text_chunks(private[0]) == {}
