"""Writes for 代办 (errands and home-care orders), the 长者食堂 and ratings.

代办: requested → accepted → in progress → done | returned (with a reason). The deadline is the
item's promised working days counted on the working calendar from the request; an open errand past
it is urged once a day by `errand_sweep` (the centre's periodic task), like an overdue case.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import User
from jinlin.core.workcalendar import add_working_time

from .models import (
    OPEN_ERRAND,
    Booking,
    BookingStatus,
    Centre,
    Errand,
    ErrandStatus,
    GovItem,
    MealMenu,
    MealOrder,
    MealOrderStatus,
    MemberProfile,
    Rating,
    Registration,
    SubsidyClass,
)
from .services import _for_update

URGE_EVERY = timedelta(days=1)


def errand_due(item: GovItem, requested_at: datetime) -> datetime:
    return add_working_time(requested_at, days=max(item.promised_days, 1))


def errand_request(
    *, actor: User, item: GovItem, centre: Centre, note: str = "", home_visit: bool = False, address: str = ""
) -> Errand:
    policy.require(actor, "centre.errand.request", item)
    if home_visit and not (item.can_home_visit or item.is_home_care):
        raise ValidationError({"home_visit": _("This item is not offered as a home visit.")})
    if not home_visit and not (item.can_proxy or item.is_home_care):
        raise ValidationError({"item": _("This item cannot be handled by proxy; ask for a home visit instead.")})
    if home_visit and not address.strip():
        address = ""
    now = timezone.now()
    with transaction.atomic():
        errand = Errand.objects.create(
            item=item,
            centre=centre,
            requester=actor,
            note=(note or "").strip()[:2000],
            home_visit=home_visit,
            address=address.strip()[:200],
            due_at=errand_due(item, now),
            created_at=now,
        )
        audit_record(actor=actor, action="centre.errand.request", obj=errand)
        emit("centre.errand_requested", errand_id=errand.pk, actor_id=actor.pk)
    return errand


def _transition(actor: User, errand: Errand, action: str, to: str, **fields) -> Errand:
    with transaction.atomic():
        errand = _for_update(Errand.objects.filter(pk=errand.pk)).select_related("item").get()
        policy.require(actor, f"centre.errand.{action}", errand)
        before = errand.status
        errand.status = to
        for name, value in fields.items():
            setattr(errand, name, value)
        errand.save()
        audit_record(
            actor=actor, action=f"centre.errand.{action}", obj=errand, before={"status": before}, after={"status": to}
        )
        emit(f"centre.errand_{action}", errand_id=errand.pk, actor_id=actor.pk, requester_id=errand.requester_id)
    return errand


def errand_accept(*, actor: User, errand: Errand) -> Errand:
    return _transition(actor, errand, "accept", ErrandStatus.ACCEPTED, agent=actor, accepted_at=timezone.now())


def errand_start(*, actor: User, errand: Errand) -> Errand:
    return _transition(actor, errand, "start", ErrandStatus.IN_PROGRESS, started_at=timezone.now())


def errand_finish(*, actor: User, errand: Errand, result: str = "") -> Errand:
    return _transition(
        actor, errand, "finish", ErrandStatus.DONE, finished_at=timezone.now(), result=(result or "")[:200]
    )


def errand_return(*, actor: User, errand: Errand, reason: str) -> Errand:
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the errand is returned.")})
    return _transition(
        actor, errand, "return", ErrandStatus.RETURNED, finished_at=timezone.now(), return_reason=reason.strip()[:200]
    )


def errand_sweep(now=None) -> int:
    """Urge every open errand past its deadline, at most once a day each; returns how many."""
    now = now or timezone.now()
    urged = 0
    overdue = Errand.objects.filter(status__in=OPEN_ERRAND, due_at__lt=now)
    for errand in overdue.filter(last_urged_at__isnull=True) | overdue.filter(last_urged_at__lt=now - URGE_EVERY):
        with transaction.atomic():
            errand.urge_count += 1
            errand.last_urged_at = now
            errand.save(update_fields=["urge_count", "last_urged_at"])
            audit_record(actor=None, action="centre.errand.urge", obj=errand, after={"urge_count": errand.urge_count})
            emit(
                "centre.errand_overdue",
                errand_id=errand.pk,
                actor_id=None,
                agent_id=errand.agent_id,
                urge_count=errand.urge_count,
            )
        urged += 1
    return urged


# ---------------------------------------------------------------- 长者食堂

# The price a person pays, as a share of the menu's full price: by subsidy class first (特困 eat
# free, 低保 pay 30%), then by age band (80+ 50%, 70–79 70%, 60–69 85%), else the full price.
SUBSIDY_SHARE = {SubsidyClass.EXTREME: Decimal("0"), SubsidyClass.LOW_INCOME: Decimal("0.30")}
AGE_BANDS = ((80, Decimal("0.50")), (70, Decimal("0.70")), (60, Decimal("0.85")))


def meal_price(user: User, menu: MealMenu) -> tuple[Decimal, str]:
    """(price, band label) for `user` ordering from `menu`."""
    profile = MemberProfile.objects.filter(user=user).first()
    if profile is not None and profile.subsidy_class in SUBSIDY_SHARE:
        share = SUBSIDY_SHARE[profile.subsidy_class]
        return (menu.base_price * share).quantize(Decimal("0.01")), profile.get_subsidy_class_display()
    if profile is not None and profile.birth_year:
        age = menu.date.year - profile.birth_year
        for floor, share in AGE_BANDS:
            if age >= floor:
                return (menu.base_price * share).quantize(Decimal("0.01")), _("%(age)s and over") % {"age": floor}
    return menu.base_price, _("Full price")


def meal_order(*, actor: User, menu: MealMenu, delivery: bool = False, address: str = "") -> MealOrder:
    policy.require(actor, "centre.meal.order", menu)
    if timezone.now() > menu.order_cutoff:
        raise ValidationError(
            _("Orders for this meal closed at %(at)s.")
            % {"at": timezone.localtime(menu.order_cutoff).strftime("%m-%d %H:%M")}
        )
    if delivery and not menu.delivery:
        raise ValidationError({"delivery": _("This meal is not delivered.")})
    if delivery and not address.strip():
        raise ValidationError({"address": _("Give the address to deliver to.")})
    price, band = meal_price(actor, menu)
    with transaction.atomic():
        menu = _for_update(MealMenu.objects.filter(pk=menu.pk)).select_related("centre").get()
        existing = MealOrder.objects.filter(menu=menu, user=actor).exclude(status=MealOrderStatus.CANCELLED).first()
        if existing is not None:
            return existing
        taken = MealOrder.objects.filter(menu=menu).exclude(status=MealOrderStatus.CANCELLED).count()
        if taken >= menu.portions:
            raise ValidationError(_("This meal is sold out."))
        order = MealOrder.objects.create(
            menu=menu, user=actor, delivery=delivery, address=address.strip()[:200], price=price, price_band=band
        )
        audit_record(actor=actor, action="centre.meal.order", obj=order, after={"price": str(price), "band": band})
    return order


def meal_order_cancel(*, actor: User, order: MealOrder) -> MealOrder:
    policy.require(actor, "centre.meal.cancel", order)
    if timezone.now() > order.menu.order_cutoff and order.user_id == actor.pk:
        raise ValidationError(_("The order can no longer be cancelled: the kitchen has started."))
    with transaction.atomic():
        order.status = MealOrderStatus.CANCELLED
        order.save(update_fields=["status"])
        audit_record(actor=actor, action="centre.meal.cancel", obj=order)
    return order


def meal_serve(*, actor: User, order: MealOrder) -> MealOrder:
    policy.require(actor, "centre.meal.serve", order)
    if order.status != MealOrderStatus.PLACED:
        raise ValidationError(_("Only a placed order can be served."))
    with transaction.atomic():
        order.status = MealOrderStatus.SERVED
        order.served_at = timezone.now()
        order.save(update_fields=["status", "served_at"])
        audit_record(actor=actor, action="centre.meal.serve", obj=order)
    return order


# ---------------------------------------------------------------- ratings


def _used(target) -> bool:
    """Whether the thing was actually used: attended, done, served, or the booking has ended."""
    if isinstance(target, Registration):
        return target.checked_in_at is not None
    if isinstance(target, Errand):
        return target.status == ErrandStatus.DONE
    if isinstance(target, MealOrder):
        return target.status == MealOrderStatus.SERVED
    if isinstance(target, Booking):
        return target.status == BookingStatus.CONFIRMED and target.end <= timezone.now()
    return False


def rating_create(*, actor: User, target, stars: int, comment: str = "") -> Rating:
    """Rate something `actor` used; only after it was used, and once."""
    policy.require(actor, "centre.rate", target)
    if not _used(target):
        raise ValidationError(_("You can rate a service only after you have used it."))
    if not 1 <= int(stars) <= 5:
        raise ValidationError({"stars": _("Give one to five stars.")})
    fields = {
        Registration: "registration",
        Errand: "errand",
        MealOrder: "meal_order",
        Booking: "booking",
    }
    field = fields[type(target)]
    if Rating.objects.filter(**{field: target}).exists():
        raise ValidationError(_("You have already rated this."))
    if isinstance(target, Registration):
        centre, provider = target.activity.centre, target.activity.provider
    elif isinstance(target, Errand):
        centre, provider = target.centre, None
    elif isinstance(target, MealOrder):
        centre, provider = target.menu.centre, None
    else:
        centre, provider = target.room.centre, None
    with transaction.atomic():
        rating = Rating.objects.create(
            centre=centre,
            provider=provider,
            user=actor,
            stars=int(stars),
            comment=(comment or "")[:300],
            **{field: target},
        )
        audit_record(actor=actor, action="centre.rate", obj=rating, after={"stars": rating.stars})
    return rating
