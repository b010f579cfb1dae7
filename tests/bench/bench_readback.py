"""Read-back timing on hostile metadata: ``python -m tests.bench.bench_readback``.

Measures (never asserts) how long the whole read path takes, file bytes to report, for a
100,000-pair A1111 settings line, a 4 MB prompt, a 5,000-node ComfyUI chain and a JPEG/WebP
export round trip. Prints one ``READBACK {json}`` line with median seconds per case.
"""

from __future__ import annotations

import io
import json
import statistics
import time
from collections.abc import Callable

from PIL import Image, PngImagePlugin

from app.core.exportformat import ExportFormat
from app.core.metadata import image_texts
from app.core.readback import read_settings, report
from app.storage.imagemeta import read_text_chunks
from app.storage.imagewrite import export_payload


def _png(texts: dict[str, str]) -> bytes:
    info = PngImagePlugin.PngInfo()
    for key, value in texts.items():
        info.add_itxt(key, value)
    buf = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def _cases() -> dict[str, bytes]:
    pairs = ", ".join(f"Key{i}: v{i}" for i in range(100_000))
    chain = {str(i): {"class_type": "CLIPTextEncode", "inputs": {"text": [str(i - 1), 0]}}
             for i in range(1, 5000)}  # fmt: skip
    chain["0"] = {"class_type": "CLIPTextEncode", "inputs": {"text": "x"}}
    chain["s"] = {"class_type": "KSampler", "inputs": {"positive": ["4999", 0], "seed": 1}}
    params = {"prompt": "a castle", "steps": 20, "scale": 7, "seed": 1, "width": 512, "height": 512}
    texts = image_texts(params, tool="t", task_id="1", image_index=0, image_seed=1, app_version="")
    png = _png({})
    return {
        "a1111_100k_pairs": _png({"parameters": f"a cat\nSteps: 20, Seed: 1, Size: 8x8, {pairs}"}),
        "prompt_4mb": _png({"parameters": "x" * 3_900_000 + "\nSteps: 20, Seed: 1, Size: 8x8"}),
        "comfy_chain_5000": _png({"prompt": json.dumps(chain)}),
        "jpeg_export": export_payload(png, texts=texts, strip=False, fmt=ExportFormat("jpeg")),
        "webp_export": export_payload(png, texts=texts, strip=False, fmt=ExportFormat("webp")),
    }


def _time(fn: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def main() -> int:
    results = {}
    for name, data in _cases().items():
        results[name] = round(
            _time(lambda d=data: report(read_settings(read_text_chunks(d))), 5), 4
        )
        print(f"{name:>20}: {results[name]:.4f} s (median of 5, bytes to report)")
    print("READBACK " + json.dumps(results), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
