"""Sending deliveries after commit: claim, send, and on failure retry with exponential back-off
until the last try leaves a dead letter. A worker that dies mid-send loses only its lease: the
row is due again when the lease ends."""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import conf
from .channels import channel
from .models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failure: base, 2×base, 4×base, …"""
    return timedelta(seconds=conf.RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0))


def _due(now: datetime):
    return Delivery.objects.filter(
        status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING], next_attempt_at__lte=now
    ).order_by("next_attempt_at", "pk")


def deliver_due(*, now: datetime | None = None, limit: int = 200) -> dict[str, int]:
    """Send every delivery that is due; returns how many were sent, retried and given up."""
    now = now or timezone.now()
    counts = {"sent": 0, "retry": 0, "dead": 0}
    for pk in list(_due(now).values_list("pk", flat=True)[:limit]):
        claimed = (
            Delivery.objects.filter(
                pk=pk, status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING], next_attempt_at__lte=now
            ).update(status=DeliveryStatus.SENDING, next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
            == 1
        )
        if not claimed:  # another worker has it
            continue
        delivery = Delivery.objects.select_related("group").get(pk=pk)
        try:
            with transaction.atomic():
                channel(delivery.channel).send(delivery)
        except Exception as exc:  # any failure of a channel is retried, never raised
            error = str(exc)[:300] or exc.__class__.__name__
            if delivery.attempts >= conf.MAX_ATTEMPTS:
                Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.DEAD, last_error=error)
                logger.warning(
                    "delivery %s on %s is a dead letter after %s tries: %s",
                    pk,
                    delivery.channel,
                    delivery.attempts,
                    error,
                )
                counts["dead"] += 1
            else:
                Delivery.objects.filter(pk=pk).update(
                    status=DeliveryStatus.PENDING, next_attempt_at=now + backoff(delivery.attempts), last_error=error
                )
                counts["retry"] += 1
            continue
        Delivery.objects.filter(pk=pk).update(status=DeliveryStatus.SENT, sent_at=timezone.now(), last_error="")
        counts["sent"] += 1
    return counts


def next_due_at() -> datetime | None:
    return (
        Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING])
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
