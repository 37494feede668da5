"""Photos of a case: cleaned by their content, stripped of EXIF/GPS."""

import io
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
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}


def _clean_image(upload: File) -> tuple[ContentFile, str]:
    """Re-encode an uploaded photo, judged by its content (not its name), without EXIF/GPS."""
    too_big = _("Each photo may be at most 10 MB.")
    if upload.size is not None and upload.size > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": too_big})
    not_image = _("“%(name)s” is not a JPEG, PNG, WebP or GIF image.") % {"name": getattr(upload, "name", "")[:80]}
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            source_format = probe.format
            if source_format not in PHOTO_FORMATS:
                raise ValidationError({"photos": not_image})
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise ValidationError({"photos": _("The photo has too many pixels.")})
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            # Turn the pixels the way the camera meant, then drop every metadata block: saving
            # a new file without exif= writes no EXIF, so GPS position and device are gone.
            image = ImageOps.exif_transpose(image)  # type: ignore[assignment]  # an Image, not a file
            out = io.BytesIO()
            if image.mode in {"RGBA", "LA", "P", "PA"} and source_format != "JPEG":
                image.convert("RGBA").save(out, format="PNG", optimize=True)
                ext = "png"
            else:
                image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True)
                ext = "jpg"
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ValidationError({"photos": not_image}) from exc
    data = out.getvalue()
    if len(data) > MAX_PHOTO_BYTES:
        raise ValidationError({"photos": too_big})
    return ContentFile(data, name=f"photo.{ext}"), ext


@transaction.atomic
def case_photos_add(
    *, actor: User | None, case: Case, kind: str, uploads: list, at: datetime | None = None
) -> list[CasePhoto]:
    """Attach photos: intake photos by whoever reported, result photos by the handling unit."""
    at = _now(at)
    case = _lock(case)
    if kind not in PhotoKind.values:
        raise ValidationError({"kind": _("Unknown photo kind.")})
    # Intake photos by whoever reported, result photos by the handling unit (policy rows).
    grant = _granted(actor, f"attach_{kind}", case, platform=True)
    if not uploads:
        raise ValidationError({"photos": _("Choose at least one photo.")})
    have = CasePhoto.objects.filter(case=case, kind=kind).count()
    if have + len(uploads) > MAX_PHOTOS_PER_KIND:
        raise ValidationError({"photos": _("At most %(max)d photos per case.") % {"max": MAX_PHOTOS_PER_KIND}})
    cleaned = [_clean_image(upload) for upload in uploads]
    photos = []
    for content, _ext in cleaned:
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
