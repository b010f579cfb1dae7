"""The disk thumbnail cache: made once per content and size bucket, never touching originals."""

from __future__ import annotations

import hashlib
from pathlib import Path

from PIL import Image

from app.storage.thumbcache import BUCKETS, ThumbCache


def picture(path: Path, size=(1024, 768), mode="RGB") -> tuple[Path, str]:
    Image.new(mode, size, (200, 90, 40, 128)[: len(mode)]).save(path)
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def test_buckets() -> None:
    assert [ThumbCache.bucket(s) for s in (0, 1, 200, 256, 257, 512, 513)] == [
        None, BUCKETS[0], 256, 256, 512, 512, None,
    ]  # fmt: skip


def test_a_thumbnail_is_made_once_and_reused(tmp_path: Path) -> None:
    source, digest = picture(tmp_path / "a.png")
    before = source.read_bytes()
    cache = ThumbCache(tmp_path / "thumbs")
    made = cache.ensure(source, digest, 200)
    assert made is not None and made.suffix == ".jpg" and made.parent.name == digest[:2]
    with Image.open(made) as img:
        assert img.size == (256, 192)
    assert cache.ensure(source, digest, 240) == made and cache.made == 1
    assert cache.ensure(source, digest, 400) != made and cache.made == 2
    assert cache.ensure(source, digest, 900) is None, "big tiles decode the original"
    assert source.read_bytes() == before


def test_small_originals_and_transparency(tmp_path: Path) -> None:
    cache = ThumbCache(tmp_path / "thumbs")
    small, digest = picture(tmp_path / "s.png", (128, 128))
    assert cache.ensure(small, digest, 200) is None
    alpha, digest = picture(tmp_path / "t.png", (800, 800), "RGBA")
    made = cache.ensure(alpha, digest, 200)
    assert made is not None and made.suffix == ".png"
    with Image.open(made) as img:
        assert img.mode == "RGBA"


def test_source_for_falls_back_to_the_original(tmp_path: Path) -> None:
    cache = ThumbCache(tmp_path / "thumbs")
    source, digest = picture(tmp_path / "a.png")
    assert cache.source_for(str(source), 200) == str(source), "unknown content"
    cache.remember(source, digest)
    thumb = cache.source_for(str(source), 200)
    assert thumb != str(source) and Path(thumb).exists()
    assert cache.source_for(str(source), 0) == str(source), "full size"
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    cache.remember(broken, "f" * 64)
    assert cache.source_for(str(broken), 200) == str(broken)
    cache.remember(tmp_path / "x.png", "../../etc")  # not a digest: ignored
    assert cache.known(tmp_path / "x.png") is None


def test_prune_and_discard(tmp_path: Path) -> None:
    cache = ThumbCache(tmp_path / "thumbs")
    a, da = picture(tmp_path / "a.png")
    b, db = picture(tmp_path / "b.png", (900, 900))
    cache.ensure(a, da, 200)
    cache.ensure(b, db, 200)
    cache.ensure(b, db, 500)
    assert cache.prune({da}) == 2
    assert cache.cached(da, 256) is not None and cache.cached(db, 256) is None
    cache.discard(da)
    assert cache.cached(da, 256) is None
    assert ThumbCache(tmp_path / "missing").prune(set()) == 0


def test_a_fresh_image_shows_its_original_first_and_its_thumbnail_is_made_behind(
    tmp_path: Path,
) -> None:
    cache = ThumbCache(tmp_path / "thumbs")
    source, digest = picture(tmp_path / "new.png")
    cache.remember(source, digest, fresh=True)
    assert cache.source_for(str(source), 200) == str(source), "one decode, no thumbnail first"
    assert cache.made == 0 and cache.cached(digest, 256) is None
    assert cache.make_wanted() is True and cache.made == 1
    assert cache.make_wanted() is False, "nothing else wanted"
    thumb = cache.source_for(str(source), 200)
    assert thumb != str(source) and Path(thumb) == cache.cached(digest, 256)
    old, old_digest = picture(tmp_path / "old.png", (900, 900))
    cache.remember(old, old_digest)  # from the database: made when first shown, as before
    assert cache.source_for(str(old), 200) != str(old) and cache.make_wanted() is False


def test_wanted_thumbnails_are_dropped_with_their_image_and_bounded(
    tmp_path: Path, monkeypatch
) -> None:
    from app.storage import thumbcache

    cache = ThumbCache(tmp_path / "thumbs")
    a, da = picture(tmp_path / "a.png")
    b, db = picture(tmp_path / "b.png", (900, 900))
    for path, digest in ((a, da), (b, db)):
        cache.remember(path, digest, fresh=True)
        cache.source_for(str(path), 200)
    cache.forget(a)
    cache.discard(db)
    assert cache.make_wanted() is False and cache.made == 0
    monkeypatch.setattr(thumbcache, "MAX_WANTED", 2)
    sources = [picture(tmp_path / f"n{i}.png", (600, 600 + i)) for i in range(3)]
    for path, digest in sources:
        cache.remember(path, digest, fresh=True)
        assert cache.source_for(str(path), 200) == str(path)
    assert cache.make_wanted() and cache.make_wanted() and not cache.make_wanted()
    assert cache.cached(sources[0][1], 256) is None, "the oldest wish was dropped"
    assert cache.cached(sources[2][1], 256) is not None, "newest first"
    missing = tmp_path / "gone.png"
    cache.remember(missing, "e" * 64, fresh=True)
    cache.source_for(str(missing), 200)
    assert cache.make_wanted() is True, "a missing original is skipped, not raised"
