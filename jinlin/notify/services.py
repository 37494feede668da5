"""Every write of notify: the outbox (`notify`), reading, preferences, group channels, broadcasts.

`notify()` writes in the caller's transaction: the in-app rows and one delivery row per other
channel. Nothing is sent inside the request; after commit a background task sends the deliveries.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jinlin.core import policy
from jinlin.core.audit import audit_record
from jinlin.core.models import OrgUnit, User
from jinlin.core.services import require_admin

from .kinds import KINDS, USER_CHANNELS, default_channels, held_by_quiet_hours
from .models import Broadcast, Delivery, Notification, NotifyProfile, UnitChannel
from .selectors import broadcast_recipients, group_channels_for

Text = str | Callable[[User], str]


def _text(user: User, text: Text) -> str:
    """`text` for `user` in the language active now."""
    return str(text(user) if callable(text) else text)


def quiet_until(profile: NotifyProfile | None, now: datetime) -> datetime | None:
    """The end of the recipient's quiet hours if `now` lies in them (local time), else None."""
    start = profile.quiet_start if profile else time(22, 0)
    end = profile.quiet_end if profile else time(7, 0)
    if isinstance(start, str):
        start = time.fromisoformat(start)
    if isinstance(end, str):
        end = time.fromisoformat(end)
    local = timezone.localtime(now)
    t = local.time()
    quiet = (start <= t or t < end) if start > end else (start <= t < end)
    if not quiet or start == end:
        return None
    until = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until


def _after_commit_deliver() -> None:
    from .tasks import schedule_delivery

    transaction.on_commit(schedule_delivery)


@dataclass
class Message:
    """One notice to some people (user ids or users), as `notify` takes it."""

    recipients: list[Any]
    kind: str
    title: Text
    body: Text = ""
    link: Text = ""
    data: dict[str, Any] | None = None


def notify(
    recipients: Iterable[User],
    kind: str,
    *,
    title: Text,
    body: Text = "",
    link: Text = "",
    data: dict[str, Any] | None = None,
    broadcast: Broadcast | None = None,
    sms: Text | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Tell `recipients` (each once) about `kind`: an in-app row each, and a delivery row per
    channel they chose for this kind, in the caller's transaction. Text may be a callable of the
    recipient, evaluated in their language."""
    people = list({u.pk: u for u in recipients if u is not None and u.is_active}.values())
    if not people:
        return []
    return _build([(people, kind, title, body, link, data)], broadcast=broadcast, sms=sms, now=now).write()


def notify_many(
    messages: list[Message], *, now: datetime | None = None, known: dict[int, User] | None = None
) -> list[Notification]:
    """`notify` for many messages at once (a sweeper chunk's thousand urges): recipients given by
    id are read with their preferences in one query, and the rows written by one bulk insert per
    table in one transaction. Each message tells each of its recipients once, inactive people
    never. `known`: users by id already read with their preferences (`notify_profile`), not read
    again."""
    return prepare_many(messages, now=now, known=known).write()


def prepare_many(
    messages: list[Message], *, now: datetime | None = None, known: dict[int, User] | None = None
) -> "Outbox":
    """What `notify_many` writes, read and built but not written: a subscriber builds its notices
    before the write transaction and inserts them inside it (core.events.defer_write), so the
    database's write lock is not held while titles are translated and preferences read."""
    known = known or {}
    ids = {r for m in messages for r in m.recipients if isinstance(r, int)}
    users = {pk: known[pk] for pk in ids if pk in known}
    missing = ids - set(users)
    if missing:
        users.update(User.objects.filter(pk__in=missing, is_active=True).select_related("notify_profile").in_bulk())
    batch = []
    for m in messages:
        found = (users.get(r) if isinstance(r, int) else r for r in m.recipients)
        people = list({u.pk: u for u in found if u is not None and u.is_active}.values())
        if people:
            batch.append((people, m.kind, m.title, m.body, m.link, m.data))
    return _build(batch, now=now)


@dataclass
class Outbox:
    """Notices and their deliveries built, not yet inserted."""

    rows: list[Notification]
    deliveries: list[Delivery]

    def write(self) -> list[Notification]:
        """Insert them in the caller's transaction (or one of ours), without a savepoint of its
        own: a failure here fails the caller's write, as it should. Safe to run again after a
        rolled-back run (the ids the first run took are dropped)."""
        if not self.rows:
            return []
        with transaction.atomic(savepoint=False):
            for row in self.rows:
                row.pk = None
            Notification.objects.bulk_create(self.rows)
            if self.deliveries:
                for d in self.deliveries:
                    d.pk = None
                    d.notification_id = d.notification.pk
                Delivery.objects.bulk_create(self.deliveries)
                _after_commit_deliver()
        return self.rows


def _build(batch: list[tuple], *, broadcast=None, sms: Text | None = None, now: datetime | None = None) -> Outbox:
    now = now or timezone.now()
    profiles, unread = {}, set()
    for people, *_rest in batch:
        for user in people:
            if "notify_profile" in user._state.fields_cache:  # read with the user (select_related)
                profiles[user.pk] = user._state.fields_cache["notify_profile"]
            else:
                unread.add(user.pk)
    if unread:
        profiles.update({p.user_id: p for p in NotifyProfile.objects.filter(user__in=unread)})
    rows, deliveries = [], []
    # The recipient's language is activated only when it changes from the previous recipient's:
    # a sweep tells thousands, nearly all in one language. Restored afterwards.
    current = None
    with translation.override(translation.get_language()):
        for people, kind, title, body, link, data in batch:
            for user in people:
                language = user.language or settings.LANGUAGE_CODE
                if language != current:
                    translation.activate(language)
                    current = language
                note = Notification(
                    recipient=user,
                    kind=kind,
                    title=_text(user, title)[:200],
                    body=_text(user, body),
                    link=(link(user) if callable(link) else link)[:300],
                    data=data or {},
                    broadcast=broadcast,
                    created_at=now,
                )
                rows.append(note)
                profile = profiles.get(user.pk)
                chosen = profile.channels.get(kind, default_channels(kind)) if profile else default_channels(kind)
                for name in chosen:
                    address = user.phone if name == "sms" else (profile.email if profile and name == "email" else "")
                    if not address:
                        continue
                    held = quiet_until(profile, now) if held_by_quiet_hours(kind, name) else None
                    text = _text(user, sms) if (sms is not None and name == "sms") else f"{note.title}\n{note.body}"
                    deliveries.append(
                        Delivery(
                            notification=note,
                            channel=name,
                            kind=kind,
                            address=address,
                            text=text.strip(),
                            held_for_quiet_hours=held is not None,
                            next_attempt_at=held or now,
                            created_at=now,
                        )
                    )
    return Outbox(rows, deliveries)


def sms_send(phone: str, text: str, *, kind: str) -> Delivery:
    """A text to a phone without an account behind it (a verification code): never held."""
    delivery = Delivery.objects.create(channel="sms", kind=kind, address=phone, text=text)
    _after_commit_deliver()
    return delivery


# ---------------------------------------------------------------- the inbox


def notification_read(*, actor: User, notification_id: int) -> Notification:
    note = Notification.objects.filter(pk=notification_id, recipient=actor).first()
    if note is None:
        from django.http import Http404

        raise Http404
    if note.read_at is None:
        note.read_at = timezone.now()
        note.save(update_fields=["read_at"])
    return note


def notification_read_all(*, actor: User) -> int:
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preferences_set(
    *,
    actor: User,
    channels: dict[str, list[str]] | None = None,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    email: str | None = None,
) -> NotifyProfile:
    profile, _created = NotifyProfile.objects.select_for_update().get_or_create(user=actor)
    if channels is not None:
        clean = {}
        for kind, names in channels.items():
            if kind not in KINDS:
                raise ValidationError({"channels": _("Unknown kind %(kind)s.") % {"kind": kind}})
            bad = [n for n in names if n not in USER_CHANNELS]
            if bad:
                raise ValidationError({"channels": _("Unknown channel %(name)s.") % {"name": bad[0]}})
            clean[kind] = sorted(set(names))
        profile.channels = clean
    if email is not None:
        email = email.strip()
        if email:
            validate_email(email)
        profile.email = email
    if quiet_start is not None:
        profile.quiet_start = quiet_start
    if quiet_end is not None:
        profile.quiet_end = quiet_end
    if "email" in {n for names in profile.channels.values() for n in names} and not profile.email:
        raise ValidationError({"email": _("Enter an e-mail address to receive e-mail.")})
    profile.save()
    audit_record(actor=actor, action="notify.preferences", obj=profile, after={"channels": profile.channels})
    return profile


# ---------------------------------------------------------------- group channels


def mask_url(url: str) -> str:
    """https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a…   → host and the last 4 characters."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/…{url[-4:]}"[:80]


@transaction.atomic
def unit_channel_add(*, actor: User | None, unit: OrgUnit, url: str, kind: str = "wecom") -> UnitChannel:
    """Configure the group robot of `unit` (一楼栋一群); replaces the unit's current one."""
    require_admin(actor)
    if kind != "wecom":
        raise ValidationError({"kind": _("Unknown group channel kind %(kind)s.") % {"kind": kind}})
    url = (url or "").strip()
    URLValidator(schemes=["http", "https"])(url)
    UnitChannel.objects.filter(unit=unit, kind=kind, is_active=True).update(is_active=False)
    group = UnitChannel.objects.create(unit=unit, kind=kind, url=url, url_hint=mask_url(url), created_by=actor)
    audit_record(actor=actor, action="notify.channel_add", obj=group, after={"unit": unit.code, "url": group.url_hint})
    return group


# ---------------------------------------------------------------- broadcasts

BROADCAST_KINDS = {"community", "grid", "estate", "building"}


def broadcast_send(*, actor: User, unit: OrgUnit, title: str, body: str) -> Broadcast:
    """通知公告 to a building, estate, grid or community in the sender's scope: an in-app notice
    for every resident bound there and one message to each of the unit's group channels."""
    grant = policy.require(actor, "notify.broadcast", unit)
    title = (title or "").strip()
    body = (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("This field cannot be empty.")
    elif len(title) > 120:
        errors["title"] = _("At most %(max)d characters, please.") % {"max": 120}
    if not body:
        errors["body"] = _("This field cannot be empty.")
    elif len(body) > 2000:
        errors["body"] = _("At most %(max)d characters, please.") % {"max": 2000}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        now = timezone.now()
        sent = Broadcast.objects.create(
            sender=actor, sender_unit=grant.org, unit=unit, title=title, body=body, created_at=now
        )
        people = list(broadcast_recipients(unit).exclude(pk=actor.pk))
        notify(people, "broadcast", title=title, body=body, broadcast=sent, now=now)
        sender_name = grant.org.name if grant.org else actor.name
        for group in group_channels_for(unit):
            Delivery.objects.create(
                broadcast=sent,
                group=group,
                channel=group.kind,
                kind="broadcast",
                text=f"### {title}\n{body}\n> {sender_name} · {timezone.localtime(now):%Y-%m-%d %H:%M}",
                created_at=now,
            )
            _after_commit_deliver()
        sent.recipients = len(people)
        sent.save(update_fields=["recipients"])
        audit_record(
            actor=actor, action="notify.broadcast", obj=sent, after={"unit": unit.code, "recipients": len(people)}
        )
    return sent
