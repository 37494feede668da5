"""The channels that deliver a message after commit. Each `send(delivery)` returns normally on
success and raises on failure (the caller retries with back-off). In-app needs no channel: its row
is the notification itself."""

import json
import urllib.error
import urllib.request
from functools import cache

from django.core.mail import send_mail
from django.utils.module_loading import import_string

from jinlin.core.models import User

from . import conf
from .models import Delivery, OutboxMessage


class DeliveryError(Exception):
    pass


class Channel:
    name = ""

    def send(self, delivery: Delivery) -> None:  # pragma: no cover - interface
        raise NotImplementedError


def _post_json(url: str, payload: dict, headers: dict | None = None) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise DeliveryError("only http(s) URLs are sent to")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=conf.SEND_TIMEOUT_SECONDS) as response:  # noqa: S310
            return response.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryError(f"unreachable: {getattr(exc, 'reason', exc)}") from exc


class SmsChannel(Channel):
    """SMS: the database outbox (demo, development) or an HTTP gateway, by JINLIN_SMS_BACKEND."""

    name = "sms"

    def send(self, delivery: Delivery) -> None:
        text = conf.sms_signature() + delivery.text
        if conf.sms_backend() == "http":
            url, key = conf.sms_gateway()
            if not url:
                raise DeliveryError("JINLIN_SMS_GATEWAY_URL is not set")
            _post_json(url, {"phone": delivery.address, "text": text}, {"Authorization": f"Bearer {key}"})
            return
        OutboxMessage.objects.create(
            phone=delivery.address, phone_digest=User.digest_phone(delivery.address), text=text, kind=delivery.kind
        )


class EmailChannel(Channel):
    name = "email"

    def send(self, delivery: Delivery) -> None:
        subject, _sep, body = delivery.text.partition("\n")
        send_mail(subject[:120], body or subject, None, [delivery.address], fail_silently=False)


class WecomChannel(Channel):
    """企业微信 group robot: POST {"msgtype": "markdown", "markdown": {"content": …}} to the webhook;
    the robot answers {"errcode": 0} when it took the message."""

    name = "wecom"

    def send(self, delivery: Delivery) -> None:
        if delivery.group is None or not delivery.group.is_active:
            raise DeliveryError("the group channel was removed")
        answer = _post_json(delivery.group.url, {"msgtype": "markdown", "markdown": {"content": delivery.text}})
        try:
            errcode = json.loads(answer or b"{}").get("errcode", 0)
        except (ValueError, AttributeError):
            errcode = 0
        if errcode:
            raise DeliveryError(f"errcode {errcode}")


@cache
def channel(name: str) -> Channel:
    path = conf.channels().get(name)
    if path is None:
        raise DeliveryError(f"no channel named {name!r}")
    return import_string(path)()
