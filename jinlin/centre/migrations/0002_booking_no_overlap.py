"""No double booking, ever — on PostgreSQL by the database itself.

An exclusion constraint refuses a second live (pending or confirmed) booking of the same room
whose span [start, busy_until) overlaps another's, whichever code path inserts it. It needs the
btree_gist extension (equality on room_id inside a GiST index). SQLite has no such constraint;
there booking_create's check-and-insert runs inside an IMMEDIATE transaction, one at a time.
Both steps do nothing on other databases, so one migration history serves both.
"""

from django.db import migrations

CONSTRAINT = "centre_booking_no_overlap"


def _constraint():
    from django.contrib.postgres.constraints import ExclusionConstraint
    from django.contrib.postgres.fields import RangeOperators
    from django.db.models import Func, Q
    from django.contrib.postgres.fields import DateTimeRangeField

    class TsTzRange(Func):
        function = "TSTZRANGE"
        output_field = DateTimeRangeField()

    return ExclusionConstraint(
        name=CONSTRAINT,
        expressions=[
            ("room", RangeOperators.EQUAL),
            (TsTzRange("start", "busy_until", template="%(function)s(%(expressions)s, '[)')"), RangeOperators.OVERLAPS),
        ],
        condition=Q(status__in=["pending", "confirmed"]),
    )


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.add_constraint(apps.get_model("centre", "Booking"), _constraint())


def remove_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.remove_constraint(apps.get_model("centre", "Booking"), _constraint())


class Migration(migrations.Migration):
    dependencies = [("centre", "0001_initial")]

    operations = [migrations.RunPython(add_constraint, remove_constraint)]
