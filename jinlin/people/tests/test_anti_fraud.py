"""Anti-fraud in the police–grid linkage: the 反诈预警 form on the patrols page sends a broadcast to a
building through the notify app, and the page counts one-to-one 反诈 visits to elders living alone."""

import re

from django.test import Client

from jinlin.people.models import Household, ResidentTag
from jinlin.people.services import visit_create

POLICE = "13900000009"


def test_the_police_officer_sends_an_anti_fraud_alert_to_a_building_from_the_patrols_page(district):
    from jinlin.notify.models import Broadcast

    client = Client()
    client.force_login(district.people[POLICE])
    page = client.get("/people/patrols/").content.decode()
    assert "data-anti-fraud-alert" in page and 'action="/notify/broadcast/"' in page
    building = district.units["350102001001E01B01"]
    assert f'value="{building.pk}"' in page
    assert district.units["350102001002E01B01"].pk not in [int(v) for v in re.findall(r'option value="(\d+)"', page)]
    response = client.post(
        "/notify/broadcast/", {"unit": building.pk, "title": "【反诈预警】冒充公检法", "body": "请勿向“安全账户”转账。"}
    )
    assert response.status_code == 302
    sent = Broadcast.objects.get(title="【反诈预警】冒充公检法")
    assert sent.unit_id == building.pk and sent.recipients > 0


def test_the_patrols_page_counts_anti_fraud_visits_and_installed_apps_for_elders_living_alone(district):
    worker = district.people["13900000002"]
    alone = Household.objects.filter(scope_code__startswith="350102001001", residents__tags__tag="独居").distinct()
    client = Client()
    client.force_login(district.people[POLICE])

    def counts():
        text = client.get("/people/patrols/").content.decode()
        return [int(n) for n in re.findall(r"\d+", re.search(r"data-anti-fraud-coverage>(.*?)<a", text, re.S).group(1))]

    before = counts()
    assert before[0] == alone.count() > 0
    household = next(h for h in alone if not h.visits.filter(kind="反诈").exists())
    visit_create(actor=worker, household=household, kind="反诈", note="上门讲解", anti_fraud_app=True)
    assert counts() == [before[0], before[1] + 1, before[2] + 1]
    assert ResidentTag.objects.filter(tag="独居").exists()
