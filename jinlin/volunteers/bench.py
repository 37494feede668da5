"""`jinlin bench`'s time-bank lines: a confirmation (确认 → 记账: a locked two-account transfer and the
need's update) and a redemption (reward row lock, transfer, stock), timed in-process on the
benchmark's database inside a transaction that is rolled back, so the seeded data is unchanged;
then `ledger_verify` over the whole ledger as it stands."""

import time

from django.db import transaction

from jinlin.core.models import OrgKind, OrgUnit, Role, RoleAssignment, User

from . import ledger, services
from .models import Volunteer, VolunteerStatus


class _Rollback(Exception):
    pass


def _summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    if not ordered:
        return {}

    def at(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000, 2)

    return {"count": len(ordered), "p50_ms": at(0.50), "p95_ms": at(0.95)}


def timebank_bench(rounds: int = 50) -> dict:
    """p50/p95 of need_confirm and reward_redeem, and the seconds of a full ledger_verify."""
    result: dict = {}
    community = OrgUnit.objects.filter(kind=OrgKind.COMMUNITY).order_by("code").first()
    if community is None:
        return {"skipped": "no community"}
    ids = list(
        RoleAssignment.objects.filter(role=Role.RESIDENT, org__code__startswith=community.code)
        .values_list("user_id", flat=True)
        .distinct()[:2]
    )
    staff = RoleAssignment.objects.filter(role=Role.COMMUNITY_STAFF, org=community).select_related("user").first()
    if len(ids) < 2 or staff is None:
        return {"skipped": "the community has no two residents and staff"}
    requester, volunteer = User.objects.filter(pk__in=ids).order_by("pk")
    try:
        with transaction.atomic():
            Volunteer.objects.update_or_create(
                user=volunteer,
                defaults={"community": community, "scope_code": community.code, "status": VolunteerStatus.APPROVED},
            )
            confirms, redeems = [], []
            needs = []
            for _i in range(rounds):
                need = services.need_post(actor=requester, title="bench", hours="1")
                services.need_take(actor=volunteer, need=need)
                services.need_done(actor=volunteer, need=need, hours="1")
                needs.append(need)
            for need in needs:
                start = time.perf_counter()
                services.need_confirm(actor=requester, need=need)
                confirms.append(time.perf_counter() - start)
            reward = services.reward_create(actor=staff.user, community=community, name="bench", cost="1", stock=rounds)
            for _i in range(rounds):
                start = time.perf_counter()
                services.reward_redeem(actor=volunteer, reward=reward)
                redeems.append(time.perf_counter() - start)
            result["confirm"] = _summary(confirms)
            result["redeem"] = _summary(redeems)
            raise _Rollback
    except _Rollback:
        pass
    start = time.perf_counter()
    report = ledger.ledger_verify()
    result["verify"] = {
        "seconds": round(time.perf_counter() - start, 3),
        "ok": report["ok"],
        "accounts": report["accounts"],
    }
    return result
