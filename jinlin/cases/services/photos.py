"""Photos of a case: cleaned by their content, stripped of EXIF/GPS."""

import io
import threading
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from jinlin.cases.models import Case
from jinlin.core.models import User

from ..models import (
    CasePhoto,
    PhotoKind,
)
from .common import _granted, _lock, _now, _write

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PHOTOS_PER_KIND = 9
# Larger than any phone camera; refuses decompression bombs before they are decoded.
MAX_PHOTO_PIXELS = 60_000_000
# All photos of one request together: a 2-core server decodes this in a few seconds.
MAX_REQUEST_PIXELS = 120_000_000
# Photos are kept at most this long on their long side (a phone screen, a printed report).
STORED_MAX_SIDE = 2560
# Decodes at once per process: bounds memory (a 60-megapixel photo is ~240 MB decoded) and
# leaves the other core to everyone else; a request waits at most DECODE_WAIT_SECONDS.
DECODERS = threading.BoundedSemaphore(1)
DECODE_WAIT_SECONDS = 30
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}

# Pillow itself refuses anything above this (DecompressionBombError) whatever path opens it.
Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo validated and re-encoded, ready to be written: no decoding left to do."""

    content: ContentFile
    ext: str


def _clean_image(upload: File) -> PreparedPhoto:
    """Re-encode an uploaded photo, judged by its content (not its name), without EXIF/GPS,
    scaled down to STORED_MAX_SIDE while decoding where the format allows (JPEG draft)."""
    too_big = _("Each photo may be at most 10 MB.")
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": too_big})
    not_image = _("“%(name)s” is not a JPEG, PNG, WebP or GIF image.") % {"name": getattr(upload, "name", "")[:80]}
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            source_format = image.format
            if source_format not in PHOTO_FORMATS:
                raise ValidationError({"photos": not_image})
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise ValidationError({"photos": _("The photo has too many pixels.")})
            if source_format == "JPEG":
                # The decoder scales by 1/2, 1/4 or 1/8 as it reads: a fraction of the work.
                image.draft("RGB", (STORED_MAX_SIDE, STORED_MAX_SIDE))
            image.load()
            factor = max(image.width, image.height) // STORED_MAX_SIDE
            if factor >= 2:
                image = image.reduce(factor)  # type: ignore[assignment]  # an Image from here on
            # Turn the pixels the way the camera meant, then drop every metadata block: saving
            # a new file without exif= writes no EXIF, so GPS position and device are gone.
            image = ImageOps.exif_transpose(image)  # type: ignore[assignment]  # an Image, not a file
            if max(image.width, image.height) > STORED_MAX_SIDE:
                image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
            out = io.BytesIO()
            if image.mode in {"RGBA", "LA", "P", "PA"} and source_format != "JPEG":
                image.convert("RGBA").save(out, format="PNG", compress_level=6)
                ext = "png"
            else:
                image.convert("RGB").save(out, format="JPEG", quality=85)
                ext = "jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError({"photos": not_image}) from exc
    data = out.getvalue()
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": too_big})
    return PreparedPhoto(ContentFile(data, name=f"photo.{ext}"), ext)


def _pixels(upload: File) -> int:
    """Pixels of an upload from its header alone (no decoding); 0 when it is not an image."""
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            return probe.width * probe.height
    except Exception:  # noqa: BLE001 - judged properly by _clean_image
        return 0
    finally:
        upload.seek(0)


def photos_prepare(uploads: list) -> list[PreparedPhoto]:
    """Validate and re-encode photos BEFORE any write transaction: decoding a large image takes
    seconds, and inside a transaction it would hold the write lock (SQLite's only one) for all
    of them. Bounded per image (MAX_PHOTO_PIXELS), per request (MAX_REQUEST_PIXELS) and per
    process (one decode at a time)."""
    from jinlin.core.ratelimit import RateLimited

    if not uploads:
        return []
    if len(uploads) > MAX_PHOTOS_PER_KIND:
        raise ValidationError({"photos": _("At most %(max)d photos per case.") % {"max": MAX_PHOTOS_PER_KIND}})
    if sum(_pixels(u) for u in uploads if not isinstance(u, PreparedPhoto)) > MAX_REQUEST_PIXELS:
        raise ValidationError({"photos": _("These photos have too many pixels together; send fewer or smaller ones.")})
    prepared = []
    for upload in uploads:
        if isinstance(upload, PreparedPhoto):
            prepared.append(upload)
            continue
        if not DECODERS.acquire(timeout=DECODE_WAIT_SECONDS):
            raise RateLimited(10, _("Many photos are being processed; please try again shortly."))
        try:
            prepared.append(_clean_image(upload))
        finally:
            DECODERS.release()
    return prepared


def case_photos_add(
    *, actor: User | None, case: Case, kind: str, uploads: list, at: datetime | None = None
) -> list[CasePhoto]:
    """Attach photos: intake photos by whoever reported, result photos by the handling unit.

    `uploads` are uploaded files or photos_prepare's results. Uploaded files are decoded here
    before the transaction begins; a caller that opens its own transaction around this call
    prepares them first (photos_prepare), so that no decoding happens under its lock."""
    if kind not in PhotoKind.values:
        raise ValidationError({"kind": _("Unknown photo kind.")})
    # Intake photos by whoever reported, result photos by the handling unit (policy rows).
    # Refused early (no decoding for someone who may not attach); checked again under the lock.
    _granted(actor, f"attach_{kind}", case, platform=True)
    if not uploads:
        raise ValidationError({"photos": _("Choose at least one photo.")})
    prepared = photos_prepare(uploads)
    with transaction.atomic():
        return _attach(actor=actor, case=case, kind=kind, prepared=prepared, at=at)


def _attach(
    *, actor: User | None, case: Case, kind: str, prepared: list[PreparedPhoto], at: datetime | None = None
) -> list[CasePhoto]:
    at = _now(at)
    case = _lock(case)
    grant = _granted(actor, f"attach_{kind}", case, platform=True)
    have = CasePhoto.objects.filter(case=case, kind=kind).count()
    if have + len(prepared) > MAX_PHOTOS_PER_KIND:
        raise ValidationError({"photos": _("At most %(max)d photos per case.") % {"max": MAX_PHOTOS_PER_KIND}})
    photos = []
    for item in prepared:
        content = item.content
        photo = CasePhoto(case=case, kind=kind, uploaded_by=actor, created_at=at, size=content.size)
        photo.image.save(str(content.name), content, save=False)
        photo.save()
        photos.append(photo)
    _write(
        case,
        action="attach",
        actor=actor,
        unit=grant.org if grant is not None else None,
        at=at,
        data={"kind": kind, "photos": [p.pk for p in photos]},
    )
    return photos
