"""Photos are decoded and re-encoded before the write transaction, so a huge image slows only
its uploader: while one resident uploads a 7745×7745 PNG, another resident's POST /api/cases
answers within 2 s (on SQLite the write lock is the database's only one)."""

import io
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from PIL import Image

from jinlin.cases.models import CasePhoto

from .conftest import G1_POINT, PASSWORD


def _huge_png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (7745, 7745), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def _token(phone: str) -> str:
    body = {"phone": phone, "password": PASSWORD}
    return Client().post("/api/auth/token", body, content_type="application/json").json()["token"]


def _file_case(key: str):
    body = {"title": "楼道灯不亮", "lat": G1_POINT[0], "lng": G1_POINT[1]}
    return Client().post("/api/cases", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


@pytest.mark.django_db(transaction=True)
def test_a_huge_upload_does_not_delay_another_residents_case(org, people, media):
    uploader, other = _token("13800000001"), _token("13800000002")
    case_id = _file_case(uploader).json()["id"]
    png = _huge_png()
    outcome: dict = {}
    started = threading.Event()

    def upload():
        try:
            photo = io.BytesIO(png)
            photo.name = "big.png"
            started.set()
            t0 = time.monotonic()
            response = Client().post(
                f"/api/cases/{case_id}/photos", {"photos": [photo]}, HTTP_AUTHORIZATION=f"Bearer {uploader}"
            )
            outcome["upload"] = (response.status_code, time.monotonic() - t0)
        finally:
            connection.close()

    thread = threading.Thread(target=upload)
    thread.start()
    started.wait(10)
    time.sleep(0.3)  # the upload is decoding now
    t0 = time.monotonic()
    response = _file_case(other)
    waited = time.monotonic() - t0
    thread.join(timeout=180)
    assert response.status_code == 201, response.content[:300]
    assert waited < 2.0, (waited, outcome)
    assert outcome["upload"][0] == 201, outcome
    photo = CasePhoto.objects.get(case_id=case_id)
    with Image.open(photo.image.path) as stored:
        assert max(stored.size) <= 2560


@pytest.mark.django_db
def test_photos_over_the_per_request_pixel_budget_are_refused_before_decoding(org, people, media):
    from django.core.exceptions import ValidationError

    from jinlin.cases.services import photos

    def png(side: int):
        out = io.BytesIO()
        Image.new("L", (side, side)).save(out, format="PNG")
        out.seek(0)
        out.size = len(out.getvalue())
        return out

    uploads = [png(7000) for _ in range(3)]  # 147 megapixels together
    with pytest.raises(ValidationError):
        photos.photos_prepare(uploads)
