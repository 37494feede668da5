"""微心愿 and 互助项目: post → claim → fulfil (with a photo) → thank. The public wall shows fulfilled
wishes without anyone's name (see selectors.wish_wall)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.events import emit
from jinlin.core.models import OrgUnit, User
from jinlin.core.scope import area_codes, unit_ids

from .errors import StateConflict
from .models import AidProject, AidSignup, Wish, WishStatus
from .services import _state_check, home_community

MAX_PHOTO_BYTES = 8 * 1024 * 1024


@transaction.atomic
def wish_post(
    *, actor: User, title: str, description: str = "", community: OrgUnit | None = None, wisher_label: str = ""
) -> Wish:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请写下心愿。")})
    on_behalf = bool(community) or bool(wisher_label)
    community = community or home_community(actor)
    if community is None:
        raise ValidationError({"community": _("没有找到你所在的社区。")})
    wish = Wish(
        community=community,
        scope_code=community.code,
        posted_by=actor,
        wisher_label=wisher_label[:60],
        title=title[:100],
        description=(description or "")[:2000],
    )
    policy.require(actor, "wish.post_for" if on_behalf else "wish.post", wish)
    wish.save()
    audit_record(actor=actor, action="wish.post", obj=wish, after={"title": wish.title})
    emit("volunteers.wish_posted", wish_id=wish.pk, actor_id=actor.pk)
    return wish


@transaction.atomic
def wish_claim(*, actor: User, wish: Wish, unit: OrgUnit | None = None) -> Wish:
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    _state_check(actor, "wish.claim", wish)
    if (
        unit is not None
        and unit.pk not in unit_ids(actor)
        and not any(unit.code.startswith(c) for c in area_codes(actor))
    ):
        raise PermissionDenied(_("只能以你所在的单位名义认领。"))
    wish.status, wish.claimed_by, wish.claimed_unit, wish.claimed_at = WishStatus.CLAIMED, actor, unit, timezone.now()
    wish.save(update_fields=["status", "claimed_by", "claimed_unit", "claimed_at"])
    audit_record(actor=actor, action="wish.claim", obj=wish, after={"unit": unit.pk if unit else None})
    emit("volunteers.wish_claimed", wish_id=wish.pk, actor_id=actor.pk, poster_id=wish.posted_by_id)
    return wish


@transaction.atomic
def wish_fulfil(*, actor: User, wish: Wish, photo=None) -> Wish:
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    _state_check(actor, "wish.fulfil", wish)
    if photo is not None:
        if getattr(photo, "size", 0) > MAX_PHOTO_BYTES:
            raise ValidationError({"photo": _("照片不能超过 8 MB。")})
        if not (getattr(photo, "content_type", "") or "").startswith("image/"):
            raise ValidationError({"photo": _("请上传照片（JPG 或 PNG）。")})
        wish.photo.save(f"wish-{wish.pk}.jpg", photo, save=False)
    wish.status, wish.fulfilled_at = WishStatus.FULFILLED, timezone.now()
    wish.save()
    audit_record(actor=actor, action="wish.fulfil", obj=wish, after={"photo": bool(wish.photo)})
    emit("volunteers.wish_fulfilled", wish_id=wish.pk, actor_id=actor.pk, poster_id=wish.posted_by_id)
    return wish


@transaction.atomic
def wish_thank(*, actor: User, wish: Wish, message: str = "") -> Wish:
    wish = Wish.objects.select_for_update().get(pk=wish.pk)
    _state_check(actor, "wish.thank", wish)
    wish.status, wish.thanks = WishStatus.THANKED, (message or _("谢谢你！")).strip()[:200]
    wish.save(update_fields=["status", "thanks"])
    audit_record(actor=actor, action="wish.thank", obj=wish, after={"thanks": wish.thanks})
    emit("volunteers.wish_thanked", wish_id=wish.pk, actor_id=actor.pk, claimer_id=wish.claimed_by_id)
    return wish


@transaction.atomic
def aid_project_create(
    *, actor: User, community: OrgUnit, title: str, description: str = "", places: int = 10
) -> AidProject:
    project = AidProject(
        community=community, scope_code=community.code, title=(title or "").strip()[:100], description=description,
        places=max(1, int(places)),
    )  # fmt: skip
    policy.require(actor, "aid.manage", project)
    if not project.title:
        raise ValidationError({"title": _("请填写项目名称。")})
    project.save()
    audit_record(actor=actor, action="aid.create", obj=project, after={"title": project.title})
    return project


@transaction.atomic
def aid_signup(*, actor: User, project: AidProject) -> AidSignup:
    project = AidProject.objects.select_for_update().get(pk=project.pk)
    policy.require(actor, "aid.signup", project)
    if AidSignup.objects.filter(project=project, user=actor).exists():
        raise StateConflict(_("你已经报名了。"))
    if project.signups.count() >= project.places:
        raise StateConflict(_("名额已满。"))
    signup = AidSignup.objects.create(project=project, user=actor)
    audit_record(actor=actor, action="aid.signup", obj=signup)
    emit("volunteers.aid_signed_up", project_id=project.pk, actor_id=actor.pk)
    return signup
