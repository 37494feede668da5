"""The field app's demo: the G1 grid worker (13900000002) walked three patrols this week, so the
home card and the coverage page have something to show. Skips itself when patrols exist."""

from datetime import datetime, timedelta

from django.utils import timezone

from jinlin.core.models import Grid, User

from . import services
from .models import Patrol, PatrolType

DEMO_WORKER = "13900000002"


def _walk(boundary: dict, row: float, steps: int = 24) -> list[tuple[float, float]]:
    """(lat, lng) points across the grid's bounding box at `row` (0 south … 1 north)."""
    ring = boundary["coordinates"][0] if boundary["type"] == "Polygon" else boundary["coordinates"][0][0]
    lngs, lats = [p[0] for p in ring], [p[1] for p in ring]
    lat = min(lats) + (max(lats) - min(lats)) * row
    return [(lat, min(lngs) + (max(lngs) - min(lngs)) * i / steps) for i in range(steps + 1)]


def seed_field_demo(stdout=None) -> int:
    worker = User.objects.filter(phone_digest=User.digest_phone(DEMO_WORKER)).first()
    if worker is None or Patrol.objects.filter(worker=worker).exists():
        return 0
    grid = services.worker_grid(worker)
    boundary = Grid.objects.filter(unit=grid).values_list("boundary", flat=True).first() if grid else None
    if not boundary:
        return 0
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    made = 0
    for n, (kind, row) in enumerate(
        [(PatrolType.SAFETY, 0.3), (PatrolType.SANITATION, 0.5), (PatrolType.KEY_GROUPS, 0.7)]
    ):
        day = min(monday + timedelta(days=n), today)
        start = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(hours=9)
        start = min(start, timezone.now() - timedelta(hours=1))
        patrol, _created = services.patrol_start(
            actor=worker, client_key=f"demo-{n}", patrol_type=kind, started_at=start
        )
        points = [[int(start.timestamp()) + 60 * i, lat, lng] for i, (lat, lng) in enumerate(_walk(boundary, row))]
        services.patrol_track_add(actor=worker, patrol=patrol, points=points)
        services.patrol_stop(actor=worker, patrol=patrol, ended_at=start + timedelta(minutes=len(points)))
        made += 1
    if stdout is not None:
        stdout.write(f"field: {made} demo patrols")
    return made
