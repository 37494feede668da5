"""`jinlin notify …`: the demo SMS outbox, group channels, and a delivery run by hand.

jinlin notify outbox [--to PHONE] [--json] [--limit N]   newest first: phone, text, kind, at
jinlin notify channel add --unit CODE --kind wecom --url URL
jinlin notify channel list
jinlin notify deliver                                    send what is due now
"""

import json

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jinlin.core.models import OrgUnit, User
from jinlin.core.phones import normalize_mobile


class Command(BaseCommand):
    help = "Notifications: the demo SMS outbox, group channels (企业微信), delivery."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        outbox = sub.add_parser("outbox", help="What the demo SMS channel would have sent, newest first.")
        outbox.add_argument("--to", help="Only messages to this phone.")
        outbox.add_argument("--json", action="store_true", help="JSON lines as a list.")
        outbox.add_argument("--limit", type=int, default=20)
        channel = sub.add_parser("channel", help="Group channels of org units.")
        channel_sub = channel.add_subparsers(dest="channel_what", required=True)
        add = channel_sub.add_parser("add", help="Configure the group robot of a unit (replaces its current one).")
        add.add_argument("--unit", required=True, help="The org unit's code.")
        add.add_argument("--kind", default="wecom", choices=["wecom"])
        add.add_argument("--url", required=True, help="The robot's webhook URL (stored encrypted, shown masked).")
        channel_sub.add_parser("list", help="Configured group channels (URLs masked).")
        sub.add_parser("deliver", help="Send every delivery that is due now.")

    def handle(self, *args, **options):
        what = options["what"]
        if what == "outbox":
            return self._outbox(options)
        if what == "channel":
            return self._channel(options)
        if what == "deliver":
            from jinlin.notify.delivery import deliver_due

            counts = deliver_due()
            self.stdout.write(json.dumps(counts))
        return None

    def _outbox(self, options):
        from jinlin.notify.models import OutboxMessage

        qs = OutboxMessage.objects.order_by("-at", "-id")
        if options["to"]:
            try:
                phone = normalize_mobile(options["to"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
            qs = qs.filter(phone_digest=User.digest_phone(phone))
        rows = [
            {"phone": m.phone, "text": m.text, "kind": m.kind, "at": m.at.isoformat()}
            for m in qs[: max(options["limit"], 1)]
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
            return
        if not rows:
            self.stdout.write("(the outbox is empty)")
        for r in rows:
            self.stdout.write(f"{r['at']}  {r['phone']}  [{r['kind']}]  {r['text']}")

    def _channel(self, options):
        from jinlin.notify.models import UnitChannel
        from jinlin.notify.services import unit_channel_add

        if options["channel_what"] == "list":
            for c in UnitChannel.objects.filter(is_active=True).select_related("unit").order_by("unit__code"):
                self.stdout.write(f"{c.unit.code}  {c.unit.name}  {c.kind}  {c.url_hint}")
            return
        unit = OrgUnit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(f"no org unit with code {options['unit']}")
        try:
            group = unit_channel_add(actor=None, unit=unit, url=options["url"], kind=options["kind"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"{unit.code} {unit.name}: {group.kind} {group.url_hint}")
