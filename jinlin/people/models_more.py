"""Disputes and mediation (CASE-12), police–grid linkage (CASE-13), 部件 (PEOPLE-6) and jobs (PEOPLE-5).

A dispute is a case of kind `dispute` on the cases app's one machine (intake, dispatch, time
limits, rating); this app adds what mediation needs beside it: parties, the mediator, sessions, the
agreement or the referral. Every row carries the scope code of its place, like the registry.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.core.models import OrgUnit

# ---------------------------------------------------------------- disputes (厝边解纷)


class IntakeType(models.TextChoices):
    # 综治中心 one-stop intake: each is routed differently.
    DISPUTE = "纠纷化解", _("Dispute resolution (纠纷化解)")
    PETITION = "信访诉求", _("Petition (信访诉求)")
    COMPLAINT = "投诉举报", _("Complaint or report (投诉举报)")
    LEGAL = "法律咨询", _("Legal advice (法律咨询)")


class DisputeStatus(models.TextChoices):
    MEDIATING = "mediating", _("In mediation (调解中)")
    AGREED = "agreed", _("Agreement reached (达成协议)")
    REFERRED = "referred", _("Referred (已移交)")
    CLOSED = "closed", _("Closed (已结案)")


class MediatorKind(models.TextChoices):
    CAPABLE = "能人", _("Local capable person (能人)")
    OLD_MEMBER = "老党员", _("Veteran party member (老党员)")
    MEDIATOR = "调解员", _("People's mediator (调解员)")
    GRID_WORKER = "网格员", _("Grid worker (网格员)")


class ReferralTarget(models.TextChoices):
    JUSTICE = "司法所", _("Judicial office (司法所)")
    PETITIONS = "信访", _("Petitions office (信访)")
    COURT = "法院", _("Court (法院)")
    POLICE = "派出所", _("Police station (派出所)")


class Dispute(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT, related_name="dispute")
    intake_type = models.CharField(_("intake type"), max_length=8, choices=IntakeType.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.MEDIATING
    )
    mediator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    mediator_name = models.CharField(_("mediator"), max_length=60, blank=True)
    mediator_kind = models.CharField(_("mediator kind"), max_length=6, choices=MediatorKind.choices, blank=True)
    agreement = models.TextField(_("agreement"), blank=True)
    agreement_scan = models.FileField(_("signed agreement (scan)"), upload_to="people/agreements/%Y/", blank=True)
    referred_to = models.CharField(_("referred to"), max_length=6, choices=ReferralTarget.choices, blank=True)
    referral_note = models.CharField(_("referral note"), max_length=300, blank=True)
    scope_code = models.CharField(max_length=40)
    unit_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case.number} {self.case.title}"


class PartyRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant (申请人)")
    RESPONDENT = "respondent", _("Respondent (被申请人)")
    OTHER = "other", _("Other party (第三人)")


class DisputeParty(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="parties")
    role = models.CharField(max_length=10, choices=PartyRole.choices)
    name = models.CharField(_("name"), max_length=60)
    resident = models.ForeignKey("people.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MediationSession(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="sessions")
    at = models.DateTimeField(_("time"))
    room = models.CharField(_("room"), max_length=80, blank=True)
    attendees = models.CharField(_("attendees"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("mediation session")
        verbose_name_plural = _("mediation sessions")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.room}"


# ---------------------------------------------------------------- police–grid linkage (警网融合)


class PolicePair(models.Model):
    """A grid worker and a police officer who patrol and visit together (网格员 + 民警)."""

    grid = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")
    grid_worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    officer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("police–grid pair")
        verbose_name_plural = _("police–grid pairs")
        constraints = [
            models.UniqueConstraint(
                fields=["grid", "grid_worker", "officer"],
                condition=models.Q(ended_at=None),
                name="people_police_pair_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid.name}: {self.grid_worker.name} + {self.officer.name}"


class Patrol(models.Model):
    pair = models.ForeignKey(PolicePair, on_delete=models.PROTECT, related_name="patrols")
    at = models.DateTimeField(_("time"), default=timezone.now)
    route = models.CharField(_("route"), max_length=200, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    scope_code = models.CharField(max_length=40)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("joint patrol")
        verbose_name_plural = _("joint patrols")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.pair}"


class EBike(models.Model):
    """An e-bike found on patrol (unlocked, parked in a corridor, charging indoors): 登记造册."""

    patrol = models.ForeignKey(Patrol, null=True, blank=True, on_delete=models.PROTECT, related_name="ebikes")
    plate = models.CharField(_("plate or description"), max_length=60)
    place = models.CharField(_("where"), max_length=120)
    locked = models.BooleanField(_("locked"), default=False)
    issue = models.CharField(_("issue"), max_length=120, blank=True)
    household = models.ForeignKey("people.Household", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("e-bike record")
        verbose_name_plural = _("e-bike register")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return self.plate


# ---------------------------------------------------------------- 部件 (things and places)


class ComponentKind(models.TextChoices):
    MANHOLE = "井盖", _("Manhole cover (井盖)")
    LAMP = "路灯", _("Street lamp (路灯)")
    CHARGER = "充电桩", _("E-bike charger (充电桩)")
    CAMERA = "摄像头", _("Camera (摄像头)")
    PAVILION = "凉亭", _("Pavilion (凉亭)")
    HYDRANT = "消防栓", _("Fire hydrant (消防栓)")


class Component(models.Model):
    kind = models.CharField(_("type"), max_length=6, choices=ComponentKind.choices)
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120, blank=True)
    lat = models.FloatField(_("latitude (WGS-84)"))
    lng = models.FloatField(_("longitude (WGS-84)"))
    grid = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40)
    owner = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="components")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("component (部件)")
        verbose_name_plural = _("components (部件)")
        ordering = ["code"]
        indexes = [models.Index(fields=["scope_code"], name="people_comp_scope", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code}"


# ---------------------------------------------------------------- jobs (订单式就业)


class Seeker(models.Model):
    resident = models.ForeignKey("people.Resident", on_delete=models.PROTECT, related_name="job_intentions")
    skills = models.CharField(_("skills"), max_length=200, help_text=_("Comma-separated, e.g. 电工,驾驶"))
    min_pay = models.PositiveIntegerField(_("lowest monthly pay (yuan)"), default=0)
    near_code = models.CharField(_("wants work near"), max_length=40, blank=True)
    status = models.CharField(max_length=10, default="seeking")
    scope_code = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scope_code"], name="people_seek_scope", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.resident.name

    @property
    def skills_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").replace("、", ",").split(",") if s.strip()]


class Vacancy(models.Model):
    employer = models.CharField(_("employer"), max_length=120)
    title = models.CharField(_("job"), max_length=80)
    skills = models.CharField(_("skills"), max_length=200)
    # The pay range: `pay` is the lowest monthly pay offered, `pay_max` the highest (empty: no range).
    pay = models.PositiveIntegerField(_("monthly pay from (yuan)"))
    pay_max = models.PositiveIntegerField(_("monthly pay up to (yuan)"), null=True, blank=True)
    openings = models.PositiveSmallIntegerField(_("openings"), default=1)
    place_code = models.CharField(_("place"), max_length=40)
    until = models.DateField(_("open until"), null=True, blank=True)
    scope_code = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scope_code"], name="people_vac_scope", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return f"{self.employer} {self.title}"

    @property
    def skills_list(self) -> list[str]:
        return [s.strip() for s in self.skills.replace("，", ",").replace("、", ",").split(",") if s.strip()]


class MatchStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    HIRED = "hired", _("Hired")
    NOT_HIRED = "not_hired", _("Not hired")


class JobMatch(models.Model):
    seeker = models.ForeignKey(Seeker, on_delete=models.PROTECT, related_name="matches")
    vacancy = models.ForeignKey(Vacancy, on_delete=models.PROTECT, related_name="matches")
    score = models.FloatField()
    status = models.CharField(max_length=10, choices=MatchStatus.choices, default=MatchStatus.PROPOSED)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    scope_code = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("job match")
        verbose_name_plural = _("job matches")
        constraints = [models.UniqueConstraint(fields=["seeker", "vacancy"], name="people_match_once")]

    def __str__(self) -> str:
        return f"{self.seeker} → {self.vacancy}"


# ---------------------------------------------------------------- emergencies (早发现、早核实、早拦截、早打击)


class EmergencyStepKind(models.TextChoices):
    # In this order; each step is recorded once, after the one before it.
    DISCOVER = "discover", _("Found early (早发现)")
    VERIFY = "verify", _("Verified early (早核实)")
    INTERCEPT = "intercept", _("Intercepted early (早拦截)")
    STRIKE = "strike", _("Struck early (早打击)")


class EmergencyStep(models.Model):
    """One of the four steps of an emergency case (tier `emergency` on the cases machine)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="emergency_steps")
    step = models.CharField(_("step"), max_length=10, choices=EmergencyStepKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("emergency step")
        verbose_name_plural = _("emergency steps")
        ordering = ["case_id", "at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="people_emergency_step_once")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_step_display()}"
