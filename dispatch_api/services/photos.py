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
from typing import Any, Protocol

import anyio
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch_api.services.errors import FieldError, NotFound

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


class PhotoRejected(FieldError):
    """The upload cannot be accepted; ``message`` says why and what to send instead."""

    title = "Photo refused"

    def __init__(self, field: str, message: str, *, status: int = 422) -> None:
        super().__init__([(field, message)])
        self.field = field
        self.message = message
        self.status = status
        if status == 413:
            self.title = "Photo too large"


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


# ------------------------------------------------------------------ use case: a crew uploads a photo


async def upload(
    session: AsyncSession,
    storage: PhotoStorage,
    crew_id: str,
    job_id: str,
    client_id: str,
    kind: str,
    raw: bytes,
) -> tuple[bool, dict[str, Any]]:
    """Store a crew's photo of its job once per ``client_id``: ``(applied, {"id", "url"})``.

    A refused photo raises ``PhotoRejected`` before anything is stored; a file written for a row
    that then cannot be saved is removed again.
    """
    from dispatch_api.persistence.models.field import JobPhoto
    from dispatch_api.services.crew_jobs import job_for_crew, photo_url

    errors: list[tuple[str, str]] = []
    if not client_id or len(client_id) > 64:
        errors.append(("client_id", "send the id the device made for this photo (1 to 64 characters)"))
    if kind not in PHOTO_KINDS:
        errors.append(("kind", f"must be one of {', '.join(PHOTO_KINDS)}"))
    if errors:
        raise FieldError(errors)
    job = await job_for_crew(session, crew_id, job_id)
    existing = await session.scalar(select(JobPhoto).where(JobPhoto.client_id == client_id))
    if existing is not None:
        return False, {"id": existing.id, "url": photo_url(existing.id)}
    photo = await anyio.to_thread.run_sync(process_photo, raw)
    photo_id = new_photo_id()
    key = photo_key(job.id, photo_id, photo.extension)
    await anyio.to_thread.run_sync(storage.save, key, photo.data)
    session.add(
        JobPhoto(
            id=photo_id,
            client_id=client_id,
            job_id=job.id,
            crew_id=crew_id,
            kind=kind,
            storage_key=key,
            content_type=photo.content_type,
            width=photo.width,
            height=photo.height,
            size_bytes=len(photo.data),
            source_format=photo.source_format,
            taken_at_device=photo.taken_at.isoformat() if photo.taken_at else None,
            gps_lon=photo.gps_lon,
            gps_lat=photo.gps_lat,
        )
    )
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        storage.delete(key)
        again = await session.scalar(select(JobPhoto).where(JobPhoto.client_id == client_id))
        if again is None:
            raise
        return False, {"id": again.id, "url": photo_url(again.id)}
    except BaseException:
        storage.delete(key)
        raise
    return True, {"id": photo_id, "url": photo_url(photo_id)}


async def photo_file(
    session: AsyncSession, storage: PhotoStorage, photo_id: str, crew_id: str | None
) -> tuple[bytes, str]:
    """The served (EXIF-free) copy; a crew may read only its own photos (``crew_id`` None: staff)."""
    from dispatch_api.persistence.models.field import JobPhoto

    row = await session.get(JobPhoto, photo_id)
    if row is None or (crew_id is not None and row.crew_id != crew_id):
        raise NotFound("photo", photo_id)
    data = await anyio.to_thread.run_sync(storage.read, row.storage_key)
    return data, row.content_type


async def photo_evidence(session: AsyncSession, photo_id: str) -> dict[str, Any]:
    """What the device recorded (capture time, GPS) and what was stored: for staff only."""
    from dispatch_api.persistence.models.field import JobPhoto

    row = await session.get(JobPhoto, photo_id)
    if row is None:
        raise NotFound("photo", photo_id)
    return {
        "id": row.id,
        "job_id": row.job_id,
        "crew_id": row.crew_id,
        "kind": row.kind,
        "uploaded_at": row.uploaded_at.isoformat().replace("+00:00", "Z"),
        "taken_at_device": row.taken_at_device,
        "gps": None if row.gps_lon is None else {"lon": row.gps_lon, "lat": row.gps_lat},
        "width": row.width,
        "height": row.height,
        "size_bytes": row.size_bytes,
        "source_format": row.source_format,
    }
