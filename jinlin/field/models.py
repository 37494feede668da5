"""The grid worker's own patrols (双巡三查): a patrol of one type, its track, the checklist it
was walked with, and the findings that became cases. (The people app's `Patrol` is the police–
grid joint patrol, a different record.)"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jinlin.cases.models import Case
from jinlin.core.models import OrgUnit


class PatrolType(models.TextChoices):
    # 双巡: safety hazards and sanitation; 三查: population changes, key groups, emergencies.
    SAFETY = "safety", _("Safety hazards (安全隐患)")
    SANITATION = "sanitation", _("Environment and sanitation (环境卫生)")
    POPULATION = "population", _("Population changes (人口变动)")
    KEY_GROUPS = "key_groups", _("Key groups (重点人群)")
    EMERGENCY = "emergency", _("Emergencies (突发事件)")


class Checklist(models.Model):
    """What a community's grid workers check on one type of patrol (edited by community staff);
    a community without its own uses the defaults in `checklists.DEFAULT_ITEMS`."""

    community = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    patrol_type = models.CharField(_("patrol type"), max_length=16, choices=PatrolType.choices)
    items = models.JSONField(_("items"), default=list)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("patrol checklist")
        verbose_name_plural = _("patrol checklists")
        constraints = [
            models.UniqueConstraint(fields=["community", "patrol_type"], name="field_checklist_community_type")
        ]

    def __str__(self):
        return f"{self.community} · {self.get_patrol_type_display()}"


class Patrol(models.Model):
    """One patrol by one grid worker. `client_key` is chosen by the phone when the patrol starts
    (it may start offline), so every later write names the patrol without knowing its id."""

    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey(OrgUnit, null=True, on_delete=models.PROTECT, related_name="+")
    scope_code = models.CharField(max_length=40, db_index=True)
    patrol_type = models.CharField(_("patrol type"), max_length=16, choices=PatrolType.choices)
    client_key = models.CharField(max_length=80)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # [[unix seconds, lat, lng], …] in the order walked.
    track = models.JSONField(default=list)
    # {checklist item: "ok" | "issue"}
    checks = models.JSONField(default=dict)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-started_at"]
        constraints = [models.UniqueConstraint(fields=["worker", "client_key"], name="field_patrol_worker_key")]
        indexes = [models.Index(fields=["grid", "started_at"], name="field_patrol_grid_started")]

    def __str__(self):
        return f"{self.get_patrol_type_display()} {self.started_at:%Y-%m-%d %H:%M}"


class Finding(models.Model):
    """Something found on a patrol that became a case (the case is filed through intake)."""

    patrol = models.ForeignKey(Patrol, on_delete=models.CASCADE, related_name="findings")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    item = models.CharField(_("checklist item"), max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("patrol finding")
        verbose_name_plural = _("patrol findings")
        constraints = [models.UniqueConstraint(fields=["patrol", "case"], name="field_finding_patrol_case")]

    def __str__(self):
        return f"{self.patrol} → {self.case_id}"
