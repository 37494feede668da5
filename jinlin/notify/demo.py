"""Notify's demo: one notice from the demo grid worker to the demo resident's building, so the
bell shows a message on first login. The SMS channel of the demo is the database outbox
(`jinlin notify outbox`): nothing leaves the machine. Skips itself when already present."""

from django.core.exceptions import PermissionDenied

from jinlin.core.demo_accounts import DEMO_ACCOUNTS
from jinlin.core.models import OrgKind, Role, RoleAssignment, User

from .models import Broadcast


def seed_notify_demo(stdout=None) -> None:
    if Broadcast.objects.exists():
        return
    phones = {role: phone for phone, role in reversed(list(DEMO_ACCOUNTS.items()))}
    try:
        resident = User.objects.get_by_phone(phones["resident"])
    except User.DoesNotExist:
        return
    home = RoleAssignment.objects.filter(user=resident, role=Role.RESIDENT).select_related("org").first()
    if home is None:
        return
    place = home.org
    while place.kind not in (OrgKind.BUILDING, OrgKind.ESTATE, OrgKind.COMMUNITY) and place.parent_id:
        place = place.parent
    from .services import broadcast_send

    for role in ("grid_worker", "community_staff"):
        sender = User.objects.filter(phone_digest=User.digest_phone(phones[role])).first()
        if sender is None:
            continue
        try:
            broadcast_send(
                actor=sender,
                unit=place,
                title="停水通知",
                body="因管网检修，本周六 9:00–12:00 本楼停水，请提前储水。",
            )
        except PermissionDenied:
            continue
        if stdout is not None:
            stdout.write(f"notify: a notice to {place.name}")
        return
