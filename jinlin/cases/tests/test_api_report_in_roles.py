"""`POST /api/cases/{id}/report_in` answers 403 for anyone who is not a member of a named unit
that has not yet reported in: every demo role tries, on a case whose whistle named G1's community
(lead) and the street's police station (issue 11's API contract). Someone who cannot see the case
at all (the grid worker of another community) gets 403 too, as the contract says; only a case that
does not exist is a 404."""

import pytest

from jinlin.cases.machine import Status
from jinlin.cases.models import EscalationTarget

from .test_api_cases import Api
from .test_policy_equivalence import ROLES, bring_to, build

pytestmark = pytest.mark.django_db

# Members of a named unit: the community's staff (the community was named lead) and the
# community police officer (a whistle to the station reaches the officers of the place).
MEMBERS = {"13900000003", "13900000009"}
# The grid worker of G2 (another community) and a neighbour who did not report it do not see it.
UNSEEN = {"13900000008", "13900000101"}


def test_report_in_answers_403_to_every_role_but_the_members_of_a_named_unit():
    world = build()
    case = bring_to(world, Status.DISPATCHED, "department")
    apis = {phone: Api(user) for phone, user in world.people.items()}
    url = f"/api/cases/{case.pk}/report_in"
    refused = {phone for phone in apis if phone not in MEMBERS | UNSEEN}
    assert {ROLES[p] for p in refused} >= {
        "resident",
        "grid_worker",
        "dispatcher",
        "department_handler",
        "discipline_supervisor",
        "platform_admin",
    }
    for phone in sorted(refused):
        assert apis[phone].post(url).status_code == 403, (phone, ROLES[phone])
    for phone in UNSEEN:
        assert apis[phone].get(f"/api/cases/{case.pk}").status_code == 404, (phone, ROLES[phone])
        assert apis[phone].post(url).status_code == 403, (phone, ROLES[phone])
    assert apis["13900000004"].post("/api/cases/999999/report_in").status_code == 404
    assert not EscalationTarget.objects.filter(case=case, reported_at__isnull=False).exists()
    for phone in sorted(MEMBERS):
        assert apis[phone].post(url).status_code == 200, (phone, ROLES[phone])
        # Once their unit has reported in, a second report is refused as well.
        assert apis[phone].post(url).status_code == 403, (phone, ROLES[phone])
    reported = EscalationTarget.objects.filter(case=case, reported_at__isnull=False)
    assert {t.reported_by_id for t in reported} == {world.people[p].pk for p in MEMBERS}
