"""Errands (代办), recurring activities, age restrictions, the 长者食堂 and ratings."""

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from jinlin.centre import errands, services
from jinlin.centre.models import (
    Activity,
    ErrandAgent,
    ErrandStatus,
    MealMenu,
    MemberProfile,
    SubsidyClass,
)
from jinlin.core.workcalendar import add_working_time

from .conftest import make_residents, tomorrow_at

pytestmark = pytest.mark.django_db


def test_an_errand_goes_requested_accepted_in_progress_done_by_a_volunteer_on_the_roster(station, item):
    volunteer = make_residents(station.district, 1)[0]
    errand = errands.errand_request(actor=station.resident, item=item, centre=station.centre, note="请代办")
    assert errand.due_at == add_working_time(errand.created_at, days=5)
    with pytest.raises(PermissionDenied):
        errands.errand_accept(actor=volunteer, errand=errand)
    ErrandAgent.objects.create(centre=station.centre, user=volunteer)
    errand = errands.errand_accept(actor=volunteer, errand=errand)
    assert errand.status == ErrandStatus.ACCEPTED and errand.agent == volunteer
    errand = errands.errand_start(actor=volunteer, errand=errand)
    errand = errands.errand_finish(actor=volunteer, errand=errand, result="已办结")
    assert errand.status == ErrandStatus.DONE and errand.on_time


def test_returning_an_errand_needs_a_reason(station, item):
    errand = errands.errand_request(actor=station.resident, item=item, centre=station.centre)
    with pytest.raises(ValidationError):
        errands.errand_return(actor=station.staff, errand=errand, reason=" ")
    errand = errands.errand_return(actor=station.staff, errand=errand, reason="材料不全，请补充户口簿")
    assert errand.status == ErrandStatus.RETURNED and errand.return_reason.startswith("材料不全")


def test_overdue_errands_are_urged_once_a_day(station, item):
    errand = errands.errand_request(actor=station.resident, item=item, centre=station.centre)
    later = errand.due_at + timedelta(hours=1)
    assert errands.errand_sweep(now=later) == 1
    assert errands.errand_sweep(now=later + timedelta(hours=2)) == 0
    assert errands.errand_sweep(now=later + timedelta(days=1, hours=1)) == 1
    errand.refresh_from_db()
    assert errand.urge_count == 2


def test_a_weekly_rule_generates_its_occurrences_for_the_horizon_once(station):
    today = timezone.localdate()
    series = services.series_create(
        actor=station.staff,
        centre=station.centre,
        title="四点半课堂",
        kind="after_school",
        weekday=3,
        start_time=time(16, 30),
        duration_minutes=90,
        capacity=20,
        first_date=today,
        horizon_days=28,
    )
    starts = [timezone.localtime(a.start) for a in Activity.objects.filter(series=series)]
    assert len(starts) == 4
    assert all(s.isoweekday() == 3 and s.time() == time(16, 30) for s in starts)
    assert services.series_extend(series, horizon_days=28) == 0
    assert services.series_extend(series, horizon_days=35) == 1


def test_elders_only_activities_refuse_younger_people_and_ask_for_a_birth_year(station):
    activity = Activity.objects.create(
        centre=station.centre,
        title="银发课堂",
        kind="class",
        domain="elderly",
        start=tomorrow_at(9),
        end=tomorrow_at(10),
        capacity=10,
        audience="elders",
    )
    with pytest.raises(ValidationError, match="出生年份"):
        services.activity_register(actor=station.resident, activity=activity)
    profile = MemberProfile.objects.create(user=station.resident, birth_year=date.today().year - 40)
    with pytest.raises(ValidationError, match="60"):
        services.activity_register(actor=station.resident, activity=activity)
    profile.birth_year = date.today().year - 72
    profile.save()
    assert services.activity_register(actor=station.resident, activity=activity).status == "registered"


def test_meal_price_follows_subsidy_class_then_age_band_and_orders_close_at_the_cutoff(station):
    menu = MealMenu.objects.create(
        centre=station.centre,
        date=timezone.localdate() + timedelta(days=1),
        meal="lunch",
        dishes="红烧肉、青菜、紫菜汤",
        base_price=Decimal("15.00"),
        order_cutoff=timezone.now() + timedelta(hours=2),
        portions=2,
    )
    assert errands.meal_price(station.resident, menu)[0] == Decimal("15.00")
    MemberProfile.objects.create(user=station.resident, birth_year=menu.date.year - 82)
    assert errands.meal_price(station.resident, menu)[0] == Decimal("7.50")
    MemberProfile.objects.filter(user=station.resident).update(subsidy_class=SubsidyClass.EXTREME)
    order = errands.meal_order(actor=station.resident, menu=menu, delivery=True, address="丹桂花园1-101")
    assert order.price == Decimal("0.00") and order.delivery
    assert errands.meal_order(actor=station.resident, menu=menu).pk == order.pk
    other, third = make_residents(station.district, 2)
    errands.meal_order(actor=other, menu=menu)
    with pytest.raises(ValidationError, match="订满"):
        errands.meal_order(actor=third, menu=menu)
    menu.order_cutoff = timezone.now() - timedelta(minutes=1)
    menu.save()
    MealMenu.objects.filter(pk=menu.pk).update(portions=10)
    with pytest.raises(ValidationError, match="截止"):
        errands.meal_order(actor=third, menu=MealMenu.objects.get(pk=menu.pk))


def test_a_rating_is_accepted_only_after_the_service_was_used_and_only_once(station):
    activity = Activity.objects.create(
        centre=station.centre,
        title="义诊",
        kind="clinic",
        domain="health",
        start=timezone.now(),
        end=timezone.now() + timedelta(hours=1),
        capacity=10,
    )
    registration = services.activity_register(actor=station.resident, activity=activity)
    with pytest.raises(ValidationError, match="使用服务之后"):
        errands.rating_create(actor=station.resident, target=registration, stars=5)
    services.activity_check_in(actor=station.staff, activity=activity, code=registration.code)
    registration.refresh_from_db()
    with pytest.raises(PermissionDenied):
        errands.rating_create(actor=station.staff, target=registration, stars=1)
    rating = errands.rating_create(actor=station.resident, target=registration, stars=5, comment="医生很耐心")
    assert rating.centre == station.centre
    with pytest.raises(ValidationError, match="已经评价"):
        errands.rating_create(actor=station.resident, target=registration, stars=4)


def test_staff_of_another_community_cannot_check_people_in(station):
    from jinlin.core import services as core_services

    outsider = core_services.user_create(
        actor=None,
        phone="13800000099",
        name="外社区",
        roles=[("community_staff", station.district.units["350102001002"])],
    )
    activity = Activity.objects.create(
        centre=station.centre,
        title="讲座",
        kind="red_lecture",
        domain="culture",
        start=timezone.now(),
        end=timezone.now() + timedelta(hours=1),
        capacity=10,
    )
    registration = services.activity_register(actor=station.resident, activity=activity)
    with pytest.raises(PermissionDenied):
        services.activity_check_in(actor=outsider, activity=activity, code=registration.code)
