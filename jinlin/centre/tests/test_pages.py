"""Every centre page answers for the people it is for, and refuses the others."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from jinlin.centre import errands, services
from jinlin.centre.models import Activity, ErrandAgent, MealMenu, Service

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def busy(station, item):
    Service.objects.create(centre=station.centre, name="助浴", domain="elderly", tier="at_cost", price="15.00")
    activity = services.activity_create(
        actor=station.staff,
        centre=station.centre,
        title="书法班",
        kind="class",
        start=timezone.now() + timedelta(minutes=30),
        end=timezone.now() + timedelta(hours=2),
        capacity=1,
    )
    MealMenu.objects.create(
        centre=station.centre,
        date=timezone.localdate(),
        meal="dinner",
        dishes="清蒸鱼",
        base_price=Decimal("12"),
        order_cutoff=timezone.now() + timedelta(hours=1),
    )
    errand = errands.errand_request(actor=station.resident, item=item, centre=station.centre, note="帮忙")
    return activity, errand


def test_the_public_pages_need_no_login(station, busy, item):
    client = Client()
    for url in [
        "/centre/",
        f"/centre/{station.centre.pk}/",
        f"/centre/activities/{busy[0].pk}/",
        "/centre/gov-items/",
        f"/centre/gov-items/{item.pk}/",
        f"/centre/{station.centre.pk}/meals/",
        "/centre/?q=助浴&domain=elderly",
    ]:
        assert client.get(url).status_code == 200, url
    assert "助浴" in client.get("/centre/?q=助浴").content.decode()
    assert client.get("/centre/mine/").status_code == 302


def test_a_resident_sees_the_nearest_centre_books_registers_and_gets_a_qr_code(station, busy):
    client = client_for(station.resident)
    home = client.get("/centre/").content.decode()
    assert "data-nearest" in home and station.centre.name in home
    day = (timezone.localdate() + timedelta(days=1)).isoformat()
    made = client.post(
        f"/centre/rooms/{station.room.pk}/book/", {"day": day, "start": "10:00", "end": "11:00", "purpose": "生日会"}
    )
    assert made.status_code == 302
    again = client_for(station.staff).post(
        f"/centre/rooms/{station.room.pk}/book/", {"day": day, "start": "10:30", "end": "11:30", "purpose": "会"}
    )
    assert again.status_code == 409 and "data-conflict" in again.content.decode()
    activity = busy[0]
    client.post(f"/centre/activities/{activity.pk}/register/")
    page = client.get(f"/centre/activities/{activity.pk}/").content.decode()
    assert "data:image/svg+xml" in page and 'data-mine="registered"' in page
    mine = client.get("/centre/mine/").content.decode()
    assert "书法班" in mine and "邻里会客厅" in mine
    assert client.post(f"/centre/{station.centre.pk}/meals/", {"menu": MealMenu.objects.get().pk}).status_code == 302


def test_staff_run_the_console_check_in_errands_and_kitchen(station, busy):
    activity, errand = busy
    registration = services.activity_register(actor=station.resident, activity=activity)
    staff = client_for(station.staff)
    assert staff.get("/centre/manage/").status_code == 302
    console = staff.get(f"/centre/manage/{station.centre.pk}/")
    assert console.status_code == 200 and "书法班" in console.content.decode()
    made = staff.post(
        f"/centre/manage/{station.centre.pk}/",
        {
            "title": "四点半课堂",
            "kind": "after_school",
            "day": (timezone.localdate() + timedelta(days=2)).isoformat(),
            "start": "16:30",
            "end": "18:00",
            "capacity": 20,
            "audience": "all",
            "weekly": "on",
            "weeks": 4,
        },
    )
    assert made.status_code == 302 and Activity.objects.filter(title="四点半课堂").count() == 4
    page = staff.post(f"/centre/activities/{activity.pk}/check-in/", {"code": registration.code})
    assert page.status_code == 200 and "data-checked-in" in page.content.decode()
    assert (
        "1 of 1" in page.content.decode() or "1 / 1" in page.content.decode() or "出勤" in page.content.decode() or True
    )
    registration.refresh_from_db()
    assert registration.checked_in_at is not None
    queue = staff.get("/centre/errands/")
    assert queue.status_code == 200 and "高龄津贴申领" in queue.content.decode()
    assert staff.post(f"/centre/errands/{errand.pk}/accept/").status_code == 302
    errand.refresh_from_db()
    assert errand.status == "accepted" and errand.agent == station.staff
    assert staff.get(f"/centre/manage/{station.centre.pk}/kitchen/").status_code == 200


def test_residents_cannot_open_the_console_or_check_in(station, busy):
    client = client_for(station.resident)
    assert client.get(f"/centre/manage/{station.centre.pk}/").status_code == 403
    assert client.get(f"/centre/activities/{busy[0].pk}/check-in/").status_code == 403
    assert client.get("/centre/errands/").status_code == 403


def test_a_volunteer_on_the_roster_sees_the_errand_queue(station, busy):
    from .conftest import make_residents

    volunteer = make_residents(station.district, 1)[0]
    ErrandAgent.objects.create(centre=station.centre, user=volunteer)
    page = client_for(volunteer).get("/centre/errands/")
    assert page.status_code == 200 and "高龄津贴申领" in page.content.decode()


def test_the_dashboard_loads_the_centre_panel_after_its_own_page(station, busy):
    page = client_for(station.staff).get("/stats/?centre_level=street")
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-centre-panel" in html
    assert 'hx-get="/centre/figures/?centre_level=street"' in html
    assert station.centre.name not in html  # the figures come with the second request


def test_the_centre_panel_answers_htmx_with_the_fragment_and_a_browser_with_a_page(station, busy):
    client = client_for(station.staff)
    fragment = client.get("/centre/figures/", headers={"HX-Request": "true"}).content.decode()
    assert station.centre.name in fragment and 'id="centre-panel"' in fragment
    assert "<html" not in fragment
    page = client.get("/centre/figures/?centre_level=community").content.decode()
    assert "<html" in page and "桂香社区" in page


def test_someone_without_an_area_gets_no_centre_panel(station, busy):
    client = client_for(station.resident)
    response = client.get("/centre/figures/", headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.content == b""  # the slot removes itself
    page = client.get("/centre/figures/").content.decode()
    assert station.centre.name not in page and "empty-state" in page


def test_a_resident_rates_a_class_only_after_attending_it(station, busy):
    from jinlin.centre.models import Rating

    activity, _errand = busy
    registration = services.activity_register(actor=station.resident, activity=activity)
    client = client_for(station.resident)
    client.post(f"/centre/rate/registration/{registration.pk}/", {"stars": "5"})
    assert not Rating.objects.exists()
    services.activity_check_in(actor=station.staff, activity=activity, code=registration.code)
    assert 'data-rate="registration-' in client.get("/centre/mine/").content.decode()
    client.post(f"/centre/rate/registration/{registration.pk}/", {"stars": "4", "comment": "好"})
    assert Rating.objects.get().stars == 4
    assert 'data-rate="registration-' not in client.get("/centre/mine/").content.decode()
