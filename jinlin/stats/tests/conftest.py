"""Cases with known timelines for the metrics tests, driven through the case services.

The services take `at=` (the moment an action happened), so the whole story below is replayed
in order, with the SLA sweeper run at the moments a real one would have noticed the overdue
cases. The expected figures in the tests are worked out by hand from this story; keep the two
in step.

The place: the tiny district of the root conftest (street 350102001 with communities A =
350102001001 and B = 350102001002) plus a second street 350102002 with community C =
350102002001 and its grid. Every category has the platform default limit of 48 natural hours.

    case  where  category  story (all 2026, Asia/Shanghai)
    c1    A      lamp      submitted Mon 03-02 09:00 by grid worker A; accepted 10:00; dispatched to the
                           housing bureau 11:00; claimed 12:00; resolved 03-03 11:00; rated 满意 03-03 13:00
    c2    A      lamp      same reporter, category and community as c1 within 30 days (a repeat);
                           submitted 03-04 09:00; accepted 10:00; dispatched 11:00; claimed 03-05 12:00
                           (25 h: late response); overdue at the sweep of 03-06 10:00; resolved 03-06 15:00;
                           rated 基本满意 16:00
    c3    B      noise     submitted 03-02 09:00 by grid worker B; accepted 10:00; dispatched to grid B
                           11:00; claimed 11:30; resolved 17:00; rated 不满意 18:00 (reopened); claimed
                           03-03 09:00; resolved 12:00; rated 满意 13:00
    c4    C      lamp      submitted 03-03 09:00 by grid worker C; accepted 10:00; dispatched to the housing
                           bureau 11:00; claimed 14:00; overdue at the sweep of 03-06 10:00 (and again at
                           03-10 10:00); still in progress
    c5    A      noise     submitted 03-04 12:00 by the resident; merged into c2 at 13:00
    c6    B      lamp      February: submitted 02-09 09:00; accepted 10:00; dispatched to grid B 11:00;
                           claimed 11:30; resolved 02-10 09:00; never rated (closed by the sweeper)
    c7    C      noise     submitted 03-05 09:00; rejected 10:00
    c8    A      noise     submitted Sat 03-07 09:00 by grid worker A; accepted 10:00; dispatched to the
                           housing bureau 11:00; never claimed; overdue at the sweep of 03-10 10:00
"""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from jinlin.cases import services as cases
from jinlin.cases.models import Category, LimitUnit, SlaPolicy, Tier
from jinlin.core import services as core
from jinlin.core.models import OrgKind, Role
from jinlin.stats.services import metrics_refresh

TZ = ZoneInfo("Asia/Shanghai")
# Long after the story: every response window has passed.
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=TZ)


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def district(tiny_district):
    """The tiny district plus a second street with community C, its grid and its grid worker."""
    units = tiny_district.units
    street2 = core.org_unit_create(
        actor=None, kind=OrgKind.STREET, code="350102002", name="西湖街道", parent=units["350102"]
    )
    community_c = core.org_unit_create(
        actor=None, kind=OrgKind.COMMUNITY, code="350102002001", name="湖滨社区", parent=street2
    )
    grid_c = core.org_unit_create(
        actor=None, kind=OrgKind.GRID, code="350102002001001", name="湖滨社区第一网格", parent=community_c
    )
    for unit in (street2, community_c, grid_c):
        units[unit.code] = unit
    worker_c = core.user_create(
        actor=None, phone="13900000010", name="许湖滨", password="jinlin2026", roles=[(Role.GRID_WORKER, grid_c)]
    )
    people = tiny_district.people
    SlaPolicy.objects.create(category=None, tier=Tier.NORMAL, limit_amount=48, limit_unit=LimitUnit.NATURAL_HOURS)
    return SimpleNamespace(
        units=units,
        people=people,
        resident=people["13900000001"],
        worker_a=people["13900000002"],
        staff_a=people["13900000003"],
        dispatcher=people["13900000004"],
        handler=people["13900000005"],
        supervisor=people["13900000006"],
        admin=people["13900000007"],
        worker_b=people["13900000008"],
        worker_c=worker_c,
        housing=units["350102B01"],
        grid_b=units["350102001002001"],
        lamp=Category.objects.create(code="streetlight", name="路灯", department=units["350102B01"]),
        noise=Category.objects.create(code="noise", name="噪声", department=units["350102B01"]),
    )


def patrol(d, worker, category, when):
    case, _ = cases.case_submit(
        actor=worker, title="巡查发现问题", channel="grid_patrol", category_code=category.code, at=when
    )
    return case


def accept_and_dispatch(d, case, unit, day, month=3):
    cases.case_accept(actor=d.dispatcher, case=case, at=at(month, day, 10))
    cases.case_dispatch(actor=d.dispatcher, case=case, unit=unit, at=at(month, day, 11))


def resolved_case(d, day):
    """One more lamp case in community A on 2026-03-`day`, handled in a day and rated 满意."""
    case = patrol(d, d.worker_a, d.lamp, at(3, day, 9))
    cases.case_accept(actor=d.dispatcher, case=case, at=at(3, day, 10))
    cases.case_dispatch(actor=d.dispatcher, case=case, unit=d.housing, at=at(3, day, 11))
    cases.case_claim(actor=d.handler, case=case, at=at(3, day, 12))
    cases.case_resolve(actor=d.handler, case=case, result="已处理", at=at(3, day, 15))
    cases.case_evaluate(actor=d.worker_a, case=case, rating="satisfied", at=at(3, day, 16))
    return case


@pytest.fixture
def story(district):
    """The eight cases of the module docstring, replayed in time order."""
    d = district
    c6 = patrol(d, d.worker_b, d.lamp, at(2, 9, 9))
    accept_and_dispatch(d, c6, d.grid_b, 9, month=2)
    cases.case_claim(actor=d.worker_b, case=c6, at=at(2, 9, 11, 30))
    cases.case_resolve(actor=d.worker_b, case=c6, result="已修复", at=at(2, 10, 9))

    c1 = patrol(d, d.worker_a, d.lamp, at(3, 2, 9))
    c3 = patrol(d, d.worker_b, d.noise, at(3, 2, 9))
    accept_and_dispatch(d, c1, d.housing, 2)
    accept_and_dispatch(d, c3, d.grid_b, 2)
    cases.case_claim(actor=d.worker_b, case=c3, at=at(3, 2, 11, 30))
    cases.case_claim(actor=d.handler, case=c1, at=at(3, 2, 12))
    cases.case_resolve(actor=d.worker_b, case=c3, result="已劝导", at=at(3, 2, 17))
    cases.case_evaluate(actor=d.worker_b, case=c3, rating="unsatisfied", at=at(3, 2, 18))

    c4 = patrol(d, d.worker_c, d.lamp, at(3, 3, 9))
    cases.case_claim(actor=d.worker_b, case=c3, at=at(3, 3, 9))
    accept_and_dispatch(d, c4, d.housing, 3)
    cases.case_resolve(actor=d.handler, case=c1, result="已更换灯具", at=at(3, 3, 11))
    cases.case_resolve(actor=d.worker_b, case=c3, result="已再次劝导", at=at(3, 3, 12))
    cases.case_evaluate(actor=d.worker_a, case=c1, rating="satisfied", at=at(3, 3, 13))
    cases.case_evaluate(actor=d.worker_b, case=c3, rating="satisfied", at=at(3, 3, 13))
    cases.case_claim(actor=d.handler, case=c4, at=at(3, 3, 14))

    c2 = patrol(d, d.worker_a, d.lamp, at(3, 4, 9))
    accept_and_dispatch(d, c2, d.housing, 4)
    c5, _ = cases.case_submit(actor=d.resident, title="楼下夜间噪声", category_code=d.noise.code, at=at(3, 4, 12))
    cases.case_merge(actor=d.dispatcher, case=c5, into=c2, at=at(3, 4, 13))

    c7 = patrol(d, d.worker_c, d.noise, at(3, 5, 9))
    cases.case_reject(actor=d.dispatcher, case=c7, reason="不属于受理范围", at=at(3, 5, 10))
    cases.case_claim(actor=d.handler, case=c2, at=at(3, 5, 12))

    cases.sla_sweep_run(now=at(3, 6, 10))
    cases.case_resolve(actor=d.handler, case=c2, result="已更换灯具", at=at(3, 6, 15))
    cases.case_evaluate(actor=d.worker_a, case=c2, rating="basically_satisfied", at=at(3, 6, 16))

    c8 = patrol(d, d.worker_a, d.noise, at(3, 7, 9))
    accept_and_dispatch(d, c8, d.housing, 7)
    cases.sla_sweep_run(now=at(3, 10, 10))

    # The figures are read from the facts, as the minutely refresh would have left them.
    metrics_refresh()
    for case in (c1, c2, c3, c4, c5, c6, c7, c8):
        case.refresh_from_db()
    return SimpleNamespace(c1=c1, c2=c2, c3=c3, c4=c4, c5=c5, c6=c6, c7=c7, c8=c8)
