"""Crew photos: checked, decoded safely, resized, stripped of metadata, and stored atomically.

An upload is refused (``PhotoRejected``) before anything is written when it is not a JPEG, PNG or
WebP image, is larger than ``MAX_UPLOAD_BYTES``, or decodes to more than ``MAX_PIXELS`` pixels (a
decompression bomb). Accepted photos are re-encoded from their pixels only, so the served copy
carries no EXIF; the capture time and GPS position found in the EXIF are returned separately as
evidence for staff.

Files live behind ``PhotoStorage``; ``LocalPhotoStorage`` keeps them under ``<data dir>/photos``
and writes through a temporary file and an atomic rename, so a failed write leaves no half file.
"""

from __future__ import annotations

import io
import os
import tempfile
import uuid
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE_PX = 2048
PHOTO_KINDS = ("before", "after")

# Pillow's own guard: warns above this many pixels and refuses above twice as many.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}

# EXIF tag numbers (Pillow's ExifTags.Base / ExifTags.GPS values).
_EXIF_IFD = 0x8769
_GPS_IFD = 0x8825
_DATETIME_ORIGINAL = 0x9003
_DATETIME = 0x0132
_GPS_LAT_REF, _GPS_LAT, _GPS_LON_REF, _GPS_LON = 1, 2, 3, 4


class PhotoRejected(ValueError):
    """The upload cannot be accepted; ``message`` says why and what to send instead."""

    def __init__(self, field: str, message: str, *, status: int = 422) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.status = status


@dataclass(frozen=True)
class ProcessedPhoto:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int
    source_format: str
    taken_at: datetime | None
    gps_lon: float | None
    gps_lat: float | None


def _ratio(value: object) -> float:
    if isinstance(value, tuple) and len(value) == 2:
        num, den = value
        return float(num) / float(den) if den else 0.0
    return float(value)  # type: ignore[arg-type]


def _dms(values: object, ref: object) -> float | None:
    if not isinstance(values, tuple) or len(values) != 3:
        return None
    try:
        deg, minutes, seconds = (_ratio(v) for v in values)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = deg + minutes / 60.0 + seconds / 3600.0
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    if isinstance(ref, str) and ref.strip().upper() in ("S", "W"):
        result = -result
    return result


def _evidence(image: Image.Image) -> tuple[datetime | None, float | None, float | None]:
    """Capture time (naive EXIF time, device clock) and GPS lon/lat from the EXIF, if any."""
    try:
        exif = image.getexif()
    except Exception:
        return None, None, None
    taken_at: datetime | None = None
    raw_time = exif.get_ifd(_EXIF_IFD).get(_DATETIME_ORIGINAL) or exif.get(_DATETIME)
    if isinstance(raw_time, str):
        try:
            taken_at = datetime.strptime(raw_time.strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        except ValueError:
            taken_at = None
    gps = exif.get_ifd(_GPS_IFD)
    lat = _dms(gps.get(_GPS_LAT), gps.get(_GPS_LAT_REF)) if gps else None
    lon = _dms(gps.get(_GPS_LON), gps.get(_GPS_LON_REF)) if gps else None
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    return taken_at, lon, lat


def process_photo(
    raw: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES, max_pixels: int = MAX_PIXELS
) -> ProcessedPhoto:
    """Validate and re-encode an uploaded photo; raise ``PhotoRejected`` with a readable reason."""
    if not raw:
        raise PhotoRejected("file", "The photo file is empty; choose a JPEG, PNG or WebP photo.")
    if len(raw) > max_bytes:
        raise PhotoRejected(
            "file",
            f"The photo is {len(raw) / 1_048_576:.1f} MB; the limit is {max_bytes // 1_048_576} MB. "
            "Send a smaller photo.",
            status=413,
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: Image.Image = Image.open(io.BytesIO(raw), formats=list(_FORMATS))
            source_format = str(image.format)
            width, height = image.size
            if width * height > max_pixels:
                raise PhotoRejected(
                    "file",
                    f"The photo is {width}×{height} pixels, more than the {max_pixels:,} allowed. "
                    "Send a smaller photo.",
                    status=413,
                )
            image.load()
        except PhotoRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoRejected(
                "file", f"The photo has too many pixels ({exc}). Send a smaller photo.", status=413
            ) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
            raise PhotoRejected(
                "file", "The file is not a readable JPEG, PNG or WebP image; take or choose a photo again."
            ) from exc
    taken_at, gps_lon, gps_lat = _evidence(image)
    image = ImageOps.exif_transpose(image)
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if source_format == "PNG":
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, format="PNG", optimize=True)
        out_format = "PNG"
    elif source_format == "WEBP":
        image.save(out, format="WEBP", quality=85)
        out_format = "WEBP"
    else:
        if image.mode != "RGB":
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=85, optimize=True)
        out_format = "JPEG"
    return ProcessedPhoto(
        data=out.getvalue(),
        content_type=_FORMATS[out_format],
        extension={"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}[out_format],
        width=image.width,
        height=image.height,
        source_format=source_format,
        taken_at=taken_at,
        gps_lon=gps_lon,
        gps_lat=gps_lat,
    )


class PhotoStorage(Protocol):
    """Where photo files live; keys are relative, slash-separated names."""

    def save(self, key: str, data: bytes) -> None: ...

    def read(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalPhotoStorage:
    """Photo files under a folder (``<data dir>/photos``), written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError(f"photo key {key!r} points outside {self.root}")
        return path

    def save(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def photo_key(job_id: str, photo_id: str, extension: str, *, now: datetime | None = None) -> str:
    """Storage key ``YYYY/MM/<job>/<photo>.<ext>`` for a new photo."""
    stamp = (now or datetime.now(UTC)).strftime("%Y/%m")
    return f"{stamp}/{job_id}/{photo_id}.{extension}"


def new_photo_id() -> str:
    return uuid.uuid4().hex
