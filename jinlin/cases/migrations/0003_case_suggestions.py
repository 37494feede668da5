"""Triage suggestions stored on the case (read with the case, no join), and an index on the point
for the duplicate lookup near a place (cases within ~500 m across a community border)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_timeline_append_only")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="suggestions",
            field=models.JSONField(blank=True, default=dict, verbose_name="suggestions"),
        ),
        migrations.AddIndex(model_name="case", index=models.Index(fields=["lat", "lng"], name="case_point")),
    ]
