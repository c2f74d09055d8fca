"""The photo pipeline: type and size checks, pixel-flood guard, resizing, EXIF stripping, storage."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from dispatch_api.services.photos import (
    MAX_SIDE_PX,
    LocalPhotoStorage,
    PhotoRejected,
    photo_key,
    process_photo,
)


def _jpeg_with_exif(width: int = 3000, height: int = 1500) -> bytes:
    image = Image.new("RGB", (width, height), (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0132] = "2026:11:22 09:15:30"
    gps = {1: "N", 2: (29.0, 36.0, 36.0), 3: "E", 4: (52.0, 31.0, 48.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG file that declares a huge canvas (a decompression bomb's header)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_jpeg_is_resized_stripped_and_evidence_kept() -> None:
    photo = process_photo(_jpeg_with_exif())
    assert photo.content_type == "image/jpeg"
    assert max(photo.width, photo.height) == MAX_SIDE_PX
    assert photo.width == 2048 and photo.height == 1024
    served = Image.open(io.BytesIO(photo.data))
    assert served.size == (2048, 1024)
    assert len(served.getexif()) == 0, "the served copy must carry no EXIF"
    assert b"PhoneMaker" not in photo.data
    assert photo.taken_at == datetime(2026, 11, 22, 9, 15, 30)
    assert photo.gps_lat == pytest.approx(29.61, abs=1e-6)
    assert photo.gps_lon == pytest.approx(52.53, abs=1e-6)


def test_small_png_keeps_size_and_format() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (0, 0, 0, 0)).save(out, format="PNG")
    photo = process_photo(out.getvalue())
    assert (photo.width, photo.height, photo.content_type) == (40, 30, "image/png")
    assert photo.taken_at is None and photo.gps_lat is None


def test_non_image_is_refused_with_a_clear_message() -> None:
    with pytest.raises(PhotoRejected) as info:
        process_photo(b"%PDF-1.7 not a photo at all")
    assert info.value.field == "file"
    assert "JPEG, PNG or WebP" in info.value.message
    assert info.value.status == 422


def test_gif_is_refused_even_though_pillow_reads_it() -> None:
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="GIF")
    with pytest.raises(PhotoRejected):
        process_photo(out.getvalue())


def test_oversized_upload_is_refused_before_decoding() -> None:
    with pytest.raises(PhotoRejected) as info:
        process_photo(b"\xff\xd8" + b"\x00" * 2000, max_bytes=1000)
    assert info.value.status == 413
    assert "limit is" in info.value.message


def test_pixel_flood_is_refused() -> None:
    bomb = _png_header_only(30_000, 30_000)
    assert len(bomb) < 200
    with pytest.raises(PhotoRejected) as info:
        process_photo(bomb)
    assert info.value.status == 413
    assert "pixels" in info.value.message


def test_truncated_jpeg_is_refused() -> None:
    data = _jpeg_with_exif(400, 300)
    with pytest.raises(PhotoRejected):
        process_photo(data[: len(data) // 3])


def test_local_storage_writes_atomically_and_refuses_escapes(tmp_path: Path) -> None:
    storage = LocalPhotoStorage(tmp_path / "photos")
    key = photo_key("job1", "abc", "jpg", now=datetime(2026, 11, 22))
    assert key == "2026/11/job1/abc.jpg"
    storage.save(key, b"data")
    assert storage.exists(key) and storage.read(key) == b"data"
    assert [p.name for p in (tmp_path / "photos" / "2026" / "11" / "job1").iterdir()] == ["abc.jpg"]
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(ValueError):
        storage.save("../escape.jpg", b"x")
    assert not (tmp_path / "escape.jpg").exists()
