"""Everything `jinlin seed --demo` and `jinlin demo` load, in dependency order.

The core app cannot import the apps built on it, so the demo's pieces are put together here:
the district and its accounts, then the case categories, SLA policies and historical cases, then
the Open311 demo key. Each piece skips itself when already present, so this runs on every start.
"""

from django.utils.translation import gettext as _

from jinlin.cases.demo import seed_cases_demo
from jinlin.centre.demo import seed_centre_demo
from jinlin.core.demo import DemoAlreadySeeded, seed_demo
from jinlin.core.models import AuditEntry
from jinlin.field.demo import seed_field_demo
from jinlin.forum.demo import seed_forum_demo
from jinlin.notify.demo import seed_notify_demo
from jinlin.open311.services import seed_open311_demo
from jinlin.openness.demo import seed_openness_demo
from jinlin.people.demo import seed_people_demo
from jinlin.stats.services import metrics_refresh
from jinlin.volunteers.demo import seed_volunteers_demo


def seed_demo_all(stdout=None) -> None:
    try:
        seed_demo(stdout=stdout)
    except DemoAlreadySeeded:
        if stdout is not None:
            stdout.write(_("The database already has an organisation tree; the demo district was not loaded."))
    # Demo cases and the public demo key belong only in a database the demo district was loaded
    # into (its seed run is in the audit log), never beside a county's real organisation tree.
    if AuditEntry.objects.filter(action="seed.demo").exists():
        seed_cases_demo(stdout=stdout)
        seed_open311_demo()
        seed_notify_demo(stdout=stdout)
        seed_centre_demo(stdout=stdout)
        seed_people_demo(stdout=stdout)
        seed_volunteers_demo(stdout=stdout)
        seed_forum_demo(stdout=stdout)
        seed_openness_demo(stdout=stdout)
        seed_field_demo(stdout=stdout)
        # The dashboard reads the metrics rollups: bring them up to date with the demo history now
        # rather than at the first minute of the refresh task.
        metrics_refresh()
