"""Group channels (企业微信 robot): a local HTTP server stands for the robot's webhook."""

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from jinlin.notify import services
from jinlin.notify.delivery import backoff, deliver_due
from jinlin.notify.models import Delivery, Notification, UnitChannel

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook that answers with the next status of `answers` (then 200), recording each body."""

    def __init__(self, answers=()):
        self.answers = list(answers)
        self.received: list[dict] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status = owner.answers.pop(0) if owner.answers else 200
                if status == 200:
                    owner.received.append(body)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"errcode":0,"errmsg":"ok"}' if status == 200 else b"{}")

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=abcd-1234-secret"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(answers=()):
        r = Receiver(answers)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def test_a_broadcast_reaches_the_buildings_group_once(org, people, receiver):
    robot = receiver()
    services.unit_channel_add(actor=None, unit=org.building, url=robot.url)
    sent = services.broadcast_send(actor=people.worker1, unit=org.building, title="停水通知", body="明天9点至12点停水")
    assert deliver_due() == {"sent": 1, "retry": 0, "dead": 0}
    assert deliver_due() == {"sent": 0, "retry": 0, "dead": 0}
    assert len(robot.received) == 1
    assert robot.received[0]["msgtype"] == "markdown"
    assert "停水通知" in robot.received[0]["markdown"]["content"]
    assert Delivery.objects.get(broadcast=sent).status == "sent"
    # Both residents of the building have it in their inbox.
    assert set(Notification.objects.filter(broadcast=sent).values_list("recipient", flat=True)) == {
        people.resident.pk,
        people.neighbour.pk,
    }


def test_a_500_is_retried_after_the_back_off_and_arrives_once(org, people, receiver):
    robot = receiver([500])
    services.unit_channel_add(actor=None, unit=org.building, url=robot.url)
    services.broadcast_send(actor=people.worker1, unit=org.building, title="反诈预警", body="谨防冒充客服")
    now = timezone.now()
    assert deliver_due(now=now)["retry"] == 1
    delivery = Delivery.objects.get(kind="broadcast")
    assert delivery.status == "pending" and delivery.last_error == "HTTP 500"
    assert delivery.next_attempt_at == now + backoff(1)
    assert deliver_due(now=now + timedelta(seconds=1))["sent"] == 0  # not before the back-off ends
    assert deliver_due(now=now + backoff(1))["sent"] == 1
    assert len(robot.received) == 1
    assert backoff(2) == 2 * backoff(1)


def test_a_receiver_that_is_down_leaves_a_dead_letter_and_nothing_else_fails(org, people, receiver):
    robot = receiver()
    dead_url = robot.url
    robot.close()
    services.unit_channel_add(actor=None, unit=org.building, url=dead_url)
    services.broadcast_send(actor=people.worker1, unit=org.building, title="活动通知", body="周六社区义诊")
    now = timezone.now()
    for attempt in range(1, 6):
        deliver_due(now=now)
        now += backoff(attempt)
    delivery = Delivery.objects.get(kind="broadcast")
    assert delivery.status == "dead" and delivery.attempts == 5
    assert "unreachable" in delivery.last_error
    # The residents still have the notice in their inbox.
    assert Notification.objects.filter(kind="broadcast").count() == 2


def test_the_webhook_url_is_never_shown_in_full_once_saved(org, receiver, capsys):
    robot = receiver()
    call_command("notify", "channel", "add", "--unit", org.building.code, "--kind", "wecom", "--url", robot.url)
    call_command("notify", "channel", "list")
    out = capsys.readouterr().out
    assert "abcd-1234-secret" not in out
    group = UnitChannel.objects.get()
    assert group.url == robot.url and "secret" not in group.url_hint
    # Stored encrypted.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT url FROM notify_unitchannel")
        assert "abcd" not in cursor.fetchone()[0]
