"""Jobs (订单式就业, PEOPLE-5): employers' vacancies, seekers' intentions, matches by skill, place and
pay, and the follow-up to hired or not.

Reads are scoped like every registry row: a vacancy by the place it is in (its scope_code), a seeker
by their home's grid (the resident's scope_code); only roles of the policy row `people.jobs.manage`
(community staff) reach them, in their area. Writes check the policy on the row, write and audit in
one transaction.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import OrgKind, OrgUnit, Role, User
from jinlin.core.scope import area_codes, prefix_q

from .models_more import JobMatch, MatchStatus, Seeker, Vacancy

JOBS_ROLES = frozenset({Role.COMMUNITY_STAFF, Role.PLATFORM_ADMIN})
PAGE_SIZE = 20
PLACE_BONUS = 0.3


# ---------------------------------------------------------------- scoring


def skills_of(text: str) -> set[str]:
    return {s.strip() for s in (text or "").replace("，", ",").replace("、", ",").split(",") if s.strip()}


def _near(seeker: Seeker, vacancy: Vacancy) -> bool:
    # The same street (the first 9 digits of a grid code) counts as near.
    return bool(seeker.near_code) and vacancy.place_code.startswith(seeker.near_code[:9])


def _top_pay(vacancy: Vacancy) -> int:
    return max(vacancy.pay, vacancy.pay_max or 0)


def match_score(seeker: Seeker, vacancy: Vacancy) -> float:
    """Skill overlap (0–1), plus 0.3 if near where the seeker wants to work; 0 if the pay is too low."""
    if _top_pay(vacancy) < seeker.min_pay:
        return 0.0
    wanted, offered = skills_of(seeker.skills), skills_of(vacancy.skills)
    if not wanted or not offered:
        return 0.0
    score = len(wanted & offered) / len(offered)
    if score and _near(seeker, vacancy):
        score += PLACE_BONUS
    return round(score, 3)


@dataclass(frozen=True)
class MatchWhy:
    """Why a seeker suits a vacancy: the skills in common, the place, the pay."""

    skills: list[str]
    near: bool
    pay_ok: bool
    expected_pay: int


def match_why(seeker: Seeker, vacancy: Vacancy) -> MatchWhy:
    return MatchWhy(
        skills=sorted(skills_of(seeker.skills) & skills_of(vacancy.skills)),
        near=_near(seeker, vacancy),
        pay_ok=_top_pay(vacancy) >= seeker.min_pay,
        expected_pay=seeker.min_pay,
    )


# ---------------------------------------------------------------- reads


def jobs_codes(user: User | None) -> list[str]:
    return area_codes(user, JOBS_ROLES)


def require_jobs(user: User | None) -> list[str]:
    """The area codes of a user who may manage jobs; PermissionDenied for anyone else."""
    from django.core.exceptions import PermissionDenied

    codes = jobs_codes(user)
    if not codes or not policy.allows(user, "people.jobs.manage"):
        raise PermissionDenied
    return codes


def vacancies_visible(user: User | None) -> QuerySet[Vacancy]:
    return Vacancy.objects.filter(prefix_q("scope_code", jobs_codes(user)))


def seekers_visible(user: User | None) -> QuerySet[Seeker]:
    return Seeker.objects.filter(prefix_q("scope_code", jobs_codes(user)))


def vacancy_search(
    user: User | None, *, q: str = "", place: str = "", status: str = "open", today: date | None = None
) -> QuerySet[Vacancy]:
    """Vacancies of the user's area: `q` in employer, job or skills; `place` a code prefix; open or closed."""
    today = today or timezone.localdate()
    qs = vacancies_visible(user).annotate(
        hired=Count("matches", filter=Q(matches__status=MatchStatus.HIRED)),
        proposed=Count("matches", filter=Q(matches__status=MatchStatus.PROPOSED)),
    )
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(employer__icontains=q) | Q(title__icontains=q) | Q(skills__icontains=q))
    if place:
        qs = qs.filter(place_code__startswith=place)
    is_open = Q(closed_at=None) & (Q(until=None) | Q(until__gte=today))
    if status == "open":
        qs = qs.filter(is_open)
    elif status == "closed":
        qs = qs.exclude(is_open)
    return qs.order_by("-created_at", "-id")


def seeker_search(user: User | None, *, q: str = "", status: str = "seeking") -> QuerySet[Seeker]:
    qs = seekers_visible(user).select_related("resident")
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(skills__icontains=q) | Q(resident__name__icontains=q))
    if status in ("seeking", "hired"):
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def vacancy_get(user: User | None, vacancy_id: int) -> Vacancy:
    vacancy = Vacancy.objects.filter(pk=vacancy_id).first()
    if vacancy is None or not policy.allows(user, "people.jobs.manage", vacancy):
        raise Http404
    return vacancy


def matches_of(user: User | None, vacancy: Vacancy) -> list[tuple[JobMatch, MatchWhy]]:
    """The vacancy's matches with seekers the user reaches, best first, each with why it matches."""
    rows = (
        vacancy.matches.filter(prefix_q("scope_code", jobs_codes(user)))
        .select_related("seeker__resident")
        .order_by("-score", "id")[:100]
    )
    return [(m, match_why(m.seeker, vacancy)) for m in rows]


def place_units(user: User | None) -> list[OrgUnit]:
    """Communities and grids of the user's area: where a vacancy may be."""
    codes = jobs_codes(user)
    if not codes:
        return []
    return list(
        OrgUnit.objects.filter(
            prefix_q("code", codes), kind__in=[OrgKind.STREET, OrgKind.COMMUNITY, OrgKind.GRID], is_active=True
        ).order_by("code")[:300]
    )


def place_names(codes) -> dict[str, str]:
    return dict(OrgUnit.objects.filter(code__in=set(codes)).values_list("code", "name"))


def jobs_counts(user: User | None, now: datetime | None = None) -> dict:
    """Open vacancies, seekers still seeking, and hires this month in the user's area."""
    now = now or timezone.now()
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    today = timezone.localdate(now)
    codes = jobs_codes(user)
    open_q = Q(closed_at=None) & (Q(until=None) | Q(until__gte=today))
    return {
        "vacancies": Vacancy.objects.filter(prefix_q("scope_code", codes)).filter(open_q).count(),
        "seekers": Seeker.objects.filter(prefix_q("scope_code", codes), status="seeking").count(),
        "hired_this_month": JobMatch.objects.filter(
            prefix_q("scope_code", codes), status=MatchStatus.HIRED, followed_up_at__gte=month_start
        ).count(),
    }


# ---------------------------------------------------------------- writes


def _text(value, field: str, max_length: int, required: bool = False) -> str:
    text = (value or "").strip() if isinstance(value, str) else str(value or "").strip()
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("At most %(n)d characters.") % {"n": max_length}})
    return text


def _whole(value, field: str, *, required: bool = False, low: int = 0, high: int = 1_000_000) -> int | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("This field is required.")})
        return None
    try:
        number = int(str(value).strip())
    except ValueError as exc:
        raise ValidationError({field: _("Give a whole number.")}) from exc
    if not low <= number <= high:
        raise ValidationError({field: _("Give a number from %(low)d to %(high)d.") % {"low": low, "high": high}})
    return number


def _date(value, field: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ValidationError({field: _("Give a date like 2026-12-31.")}) from exc


@transaction.atomic
def vacancy_save(*, actor: User, vacancy: Vacancy | None = None, data: dict) -> Vacancy:
    """Create a vacancy (or edit one): employer, job, skills, place, pay range, openings, open until."""
    errors: dict[str, list[str]] = {}

    def take(fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
            return None

    employer = take(_text, data.get("employer"), "employer", 120, required=True)
    title = take(_text, data.get("title"), "title", 80, required=True)
    skills = take(_text, data.get("skills"), "skills", 200, required=True)
    if skills is not None and skills and not skills_of(skills):
        errors.setdefault("skills", []).append(_("Name at least one skill."))
    pay = take(_whole, data.get("pay"), "pay", required=True, low=1)
    pay_max = take(_whole, data.get("pay_max"), "pay_max", low=1)
    if pay and pay_max and pay_max < pay:
        errors.setdefault("pay_max", []).append(_("The highest pay is below the lowest."))
    openings = take(_whole, data.get("openings") or 1, "openings", low=1, high=10_000)
    until = take(_date, data.get("until"), "until")
    if until and vacancy is None and until < timezone.localdate():
        errors.setdefault("until", []).append(_("The date has passed."))
    place_code = (data.get("place_code") or "").strip()
    place = OrgUnit.objects.filter(code=place_code, is_active=True).first() if place_code else None
    if place is None:
        errors.setdefault("place_code", []).append(_("Choose the place of the job."))
    elif not policy.allows(actor, "people.jobs.manage", place):
        errors.setdefault("place_code", []).append(_("This place is not in your area."))
    if vacancy is not None:
        policy.require(actor, "people.jobs.manage", vacancy)
    if errors:
        raise ValidationError(errors)
    assert place is not None  # noqa: S101 (checked above)
    before = None
    if vacancy is None:
        vacancy = Vacancy(created_by=actor)
    else:
        before = {
            "employer": vacancy.employer,
            "title": vacancy.title,
            "pay": vacancy.pay,
            "openings": vacancy.openings,
        }
    vacancy.employer, vacancy.title, vacancy.skills = employer, title, skills
    vacancy.pay, vacancy.pay_max, vacancy.openings, vacancy.until = pay, pay_max, openings, until
    vacancy.place_code = vacancy.scope_code = place.code
    vacancy.save()
    audit_record(
        actor=actor,
        action="people.vacancy_update" if before else "people.vacancy_create",
        obj=vacancy,
        before=before,
        after={"employer": employer, "title": title, "pay": pay, "pay_max": pay_max, "openings": openings},
    )
    return vacancy


@transaction.atomic
def vacancy_close(*, actor: User, vacancy: Vacancy) -> Vacancy:
    policy.require(actor, "people.jobs.manage", vacancy)
    vacancy.closed_at = timezone.now()
    vacancy.save(update_fields=["closed_at"])
    audit_record(actor=actor, action="people.vacancy_close", obj=vacancy)
    return vacancy


@transaction.atomic
def jobs_match(*, actor: User, vacancy: Vacancy, limit: int = 20) -> list[JobMatch]:
    """Propose the best seekers of the actor's area for a vacancy (订单式就业): skill, place and pay."""
    policy.require(actor, "people.jobs.manage", vacancy)
    seekers = Seeker.objects.filter(prefix_q("scope_code", jobs_codes(actor)), status="seeking").select_related(
        "resident"
    )
    scored = sorted(((match_score(s, vacancy), s.pk, s) for s in seekers), key=lambda p: (-p[0], p[1]))
    matches = []
    for score, _pk, seeker in scored[:limit]:
        if score <= 0:
            break
        match, created = JobMatch.objects.get_or_create(
            seeker=seeker, vacancy=vacancy, defaults={"score": score, "scope_code": seeker.scope_code}
        )
        if not created and match.status == MatchStatus.PROPOSED and match.score != score:
            match.score = score
            match.save(update_fields=["score"])
        matches.append(match)
    audit_record(actor=actor, action="people.jobs_match", obj=vacancy, after={"matches": len(matches)})
    return matches


@transaction.atomic
def job_propose(*, actor: User, vacancy: Vacancy, seeker: Seeker) -> JobMatch:
    """Propose one seeker for a vacancy (a match staff make by hand, scored the same way)."""
    policy.require(actor, "people.jobs.manage", vacancy)
    if not policy.allows(actor, "people.jobs.manage", seeker):
        raise ValidationError({"seeker": _("This seeker is not in your area.")})
    if seeker.status != "seeking":
        raise ValidationError({"seeker": _("This seeker has found a job already.")})
    match, created = JobMatch.objects.get_or_create(
        seeker=seeker,
        vacancy=vacancy,
        defaults={"score": match_score(seeker, vacancy), "scope_code": seeker.scope_code},
    )
    if created:
        audit_record(actor=actor, action="people.job_propose", obj=match, after={"vacancy_id": vacancy.pk})
    return match


@transaction.atomic
def job_follow_up(*, actor: User, match: JobMatch, hired: bool, note: str = "") -> JobMatch:
    """已录用 or 未录用, with a note: the seeker stops seeking once hired; a vacancy whose openings are
    all filled closes."""
    policy.require(actor, "people.jobs.manage", match.vacancy)
    if not policy.allows(actor, "people.jobs.manage", match):
        raise Http404
    before = match.status
    match.status = MatchStatus.HIRED if hired else MatchStatus.NOT_HIRED
    match.note = _text(note, "note", 300)
    match.followed_up_at = timezone.now()
    match.followed_up_by = actor
    match.save(update_fields=["status", "note", "followed_up_at", "followed_up_by"])
    if hired:
        Seeker.objects.filter(pk=match.seeker_id).update(status="hired")
        vacancy = match.vacancy
        if vacancy.closed_at is None and vacancy.matches.filter(status=MatchStatus.HIRED).count() >= vacancy.openings:
            vacancy.closed_at = match.followed_up_at
            vacancy.save(update_fields=["closed_at"])
    elif before == MatchStatus.HIRED:
        Seeker.objects.filter(pk=match.seeker_id).update(status="seeking")
    audit_record(
        actor=actor,
        action="people.job_follow_up",
        obj=match,
        before={"status": before},
        after={"status": match.status, "note": match.note},
    )
    return match
