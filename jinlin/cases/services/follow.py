"""我也关注: a resident who sees the same problem follows a case rather than filing it again."""

from django.db import IntegrityError, transaction

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import OrgUnit, Role, User
from jinlin.core.scope import active_assignments

from ..machine import Status
from ..models import Case, CaseFollow


def _home_grid_ids(user: User) -> set[int]:
    """The grids of the places a person is bound to as a resident (their estate or building)."""
    codes = [a.org.code for a in active_assignments(user) if a.role in (Role.RESIDENT, Role.BUILDING_HEAD)]
    if not codes:
        return set()
    prefixes = {c[:i] for c in codes for i in range(1, len(c) + 1)}
    return set(OrgUnit.objects.filter(code__in=prefixes, grid__isnull=False).values_list("grid_id", flat=True))


def can_follow(user: User | None, case: Case) -> bool:
    """A case the person can see: their own or visible to them, on the public board, or an open
    case in the grid where they live."""
    from ..selectors import cases_visible_to

    if user is None or not user.is_authenticated:
        return False
    if case.published_at is not None and case.status == Status.CLOSED:
        return True
    if case.grid_id is not None and case.is_open and case.grid_id in _home_grid_ids(user):
        return True
    return cases_visible_to(user).filter(pk=case.pk).exists()


def case_follow(*, actor: User, case: Case) -> CaseFollow:
    policy.require(actor, "case.follow", case)
    existing = CaseFollow.objects.filter(case=case, user=actor).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            follow = CaseFollow.objects.create(case=case, user=actor)
            audit_record(actor=actor, action="case.follow", obj=case)
    except IntegrityError:  # a double click raced the first
        return CaseFollow.objects.get(case=case, user=actor)
    return follow


def case_unfollow(*, actor: User, case: Case) -> bool:
    policy.require(actor, "case.unfollow", case)
    with transaction.atomic():
        deleted, _rows = CaseFollow.objects.filter(case=case, user=actor).delete()
        if deleted:
            audit_record(actor=actor, action="case.unfollow", obj=case)
    return bool(deleted)
