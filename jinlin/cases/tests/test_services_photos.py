"""Photos are judged by their content, kept small, limited in number, and stripped of EXIF/GPS."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jinlin.cases import services
from jinlin.cases.machine import Status
from jinlin.cases.models import CasePhoto

from .flow import bring_to, submit


def jpeg_with_gps(name="photo.jpg", size=(40, 30)) -> SimpleUploadedFile:
    exif = Image.Exif()
    exif[0x010F] = "TestCam"  # camera make
    exif[0x0112] = 6  # orientation: rotated 90°
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (26.0, 5.0, 7.0)
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, "JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_a_photo_is_re_encoded_without_exif_and_turned_upright(org, people, media):
    case = submit(people)
    (photo,) = services.case_photos_add(actor=people.resident, case=case, kind="intake", uploads=[jpeg_with_gps()])
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif()
        assert "exif" not in stored.info
        # Orientation 6 applied: the 40×30 picture is now 30×40.
        assert stored.size == (30, 40)
    assert (photo.width, photo.height) == (30, 40)
    assert "photo" not in photo.image.name  # a random file name, not the one uploaded
    assert case.timeline.last().action == "attach"


def test_a_pdf_renamed_jpg_is_refused(org, people, media):
    case = submit(people)
    fake = SimpleUploadedFile("scan.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", content_type="image/jpeg")
    with pytest.raises(ValidationError):
        services.case_photos_add(actor=people.resident, case=case, kind="intake", uploads=[fake])
    assert CasePhoto.objects.count() == 0


def test_a_photo_over_10_mb_is_refused(org, people, media):
    case = submit(people)
    big = SimpleUploadedFile("big.jpg", b"\xff\xd8" + b"0" * (20 * 1024 * 1024), content_type="image/jpeg")
    with pytest.raises(ValidationError) as info:
        services.case_photos_add(actor=people.resident, case=case, kind="intake", uploads=[big])
    assert "10 MB" in str(info.value)


def test_at_most_nine_photos_per_case(org, people, media):
    case = submit(people)
    services.case_photos_add(
        actor=people.resident, case=case, kind="intake", uploads=[jpeg_with_gps() for _ in range(8)]
    )
    with pytest.raises(ValidationError):
        services.case_photos_add(
            actor=people.resident, case=case, kind="intake", uploads=[jpeg_with_gps(), jpeg_with_gps()]
        )
    assert CasePhoto.objects.filter(case=case).count() == 8


def test_one_bad_photo_in_a_batch_saves_none(org, people, media):
    case = submit(people)
    bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    with pytest.raises(ValidationError):
        services.case_photos_add(actor=people.resident, case=case, kind="intake", uploads=[jpeg_with_gps(), bad])
    assert CasePhoto.objects.count() == 0


def test_result_photos_come_from_the_handling_unit_only(org, people, media):
    case = bring_to(Status.IN_PROGRESS, org, people)
    with pytest.raises(PermissionDenied):
        services.case_photos_add(actor=people.resident, case=case, kind="result", uploads=[jpeg_with_gps()])
    (photo,) = services.case_photos_add(actor=people.handler, case=case, kind="result", uploads=[jpeg_with_gps()])
    assert photo.kind == "result"


def test_a_transparent_png_stays_a_png(org, people, media):
    case = submit(people)
    buffer = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(buffer, "PNG")
    upload = SimpleUploadedFile("t.png", buffer.getvalue(), content_type="image/png")
    (photo,) = services.case_photos_add(actor=people.resident, case=case, kind="intake", uploads=[upload])
    assert photo.image.name.endswith(".png")
