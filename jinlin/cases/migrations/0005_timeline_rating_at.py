"""A partial index of the rating entries (evaluate, visit) by time: 满意率 counts them by `at`."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0004_duplicate_lookup_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="timelineentry",
            index=models.Index(
                condition=models.Q(("action__in", ["evaluate", "visit"])), fields=["at"], name="timeline_rating_at"
            ),
        ),
    ]
