from datetime import datetime
from zoneinfo import ZoneInfo

from jinlin.cases.demo import seed_cases_demo
from jinlin.core.demo import seed_demo

TZ = ZoneInfo("Asia/Shanghai")


def test_the_demo_hotspots_each_hold_one_problem(db):
    # Docs (triage.md) state the figure `jinlin triage hotspot-purity` gives on the full demo.
    from jinlin.triage.adapter import case_hotspot_purity

    now = datetime(2026, 11, 20, 12, 0, tzinfo=TZ)
    seed_demo()
    seed_cases_demo(now=now, count=150)
    result = case_hotspot_purity(days=120, now=now)
    assert result["hotspots"] >= 2
    assert result["purity"] >= 0.9
