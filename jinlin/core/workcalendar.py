"""Working-time arithmetic for SLA limits (CASE-3). PLACEHOLDER: weekends only, no holidays yet —
the calendar work replaces this body, keeping the signature."""

from datetime import datetime, timedelta


def add_working_time(start: datetime, *, hours: float = 0, days: int = 0, natural: bool = False) -> datetime:
    """The moment `hours` (or `days` working days) after `start`.

    natural=True counts natural hours/days (24/7, e.g. a 2-hour urgent limit); otherwise only
    working time counts, per the working calendar (weekends, public holidays, 调休 make-up days).
    """
    if natural:
        return start + timedelta(hours=hours, days=days)
    current = start
    remaining_days = days
    while remaining_days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            remaining_days -= 1
    return current + timedelta(hours=hours)
