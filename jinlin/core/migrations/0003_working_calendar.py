"""The working calendar (CASE-3): the CalendarDay table and the State Council holiday notices for 2025–2027."""

from django.db import migrations, models

# The exception days for 2025–2027 (weekdays off and weekends worked), from the State Council's
# notices; 2027's are PROVISIONAL: derived before its notice was at hand, to be confirmed in the admin.
NOTICE_2025 = "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）"
NOTICE_2026 = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
PROVISIONAL_2027 = (
    "PROVISIONAL 暂定：按《全国年节及纪念日放假办法》（2024年修订）和农历推算的法定假日及周末补休，"
    "未含调休上班日；按国办发明电〔2024〕12号所述原则，春节、劳动节、国庆节的实际放假期可能更长并另有调休上班日。"
    "须按国务院办公厅关于2027年部分节假日安排的通知核对更正"
)

# (first day, last day, kind, name, source, provisional)
DAYS = [
    # 2025
    ("2025-01-01", "2025-01-01", "holiday", "元旦", NOTICE_2025, False),
    ("2025-01-26", "2025-01-26", "workday", "春节调休上班", NOTICE_2025, False),
    ("2025-01-28", "2025-02-04", "holiday", "春节", NOTICE_2025, False),
    ("2025-02-08", "2025-02-08", "workday", "春节调休上班", NOTICE_2025, False),
    ("2025-04-04", "2025-04-06", "holiday", "清明节", NOTICE_2025, False),
    ("2025-04-27", "2025-04-27", "workday", "劳动节调休上班", NOTICE_2025, False),
    ("2025-05-01", "2025-05-05", "holiday", "劳动节", NOTICE_2025, False),
    ("2025-05-31", "2025-06-02", "holiday", "端午节", NOTICE_2025, False),
    ("2025-09-28", "2025-09-28", "workday", "国庆节、中秋节调休上班", NOTICE_2025, False),
    ("2025-10-01", "2025-10-08", "holiday", "国庆节、中秋节", NOTICE_2025, False),
    ("2025-10-11", "2025-10-11", "workday", "国庆节、中秋节调休上班", NOTICE_2025, False),
    # 2026
    ("2026-01-01", "2026-01-03", "holiday", "元旦", NOTICE_2026, False),
    ("2026-01-04", "2026-01-04", "workday", "元旦调休上班", NOTICE_2026, False),
    ("2026-02-14", "2026-02-14", "workday", "春节调休上班", NOTICE_2026, False),
    ("2026-02-15", "2026-02-23", "holiday", "春节", NOTICE_2026, False),
    ("2026-02-28", "2026-02-28", "workday", "春节调休上班", NOTICE_2026, False),
    ("2026-04-04", "2026-04-06", "holiday", "清明节", NOTICE_2026, False),
    ("2026-05-01", "2026-05-05", "holiday", "劳动节", NOTICE_2026, False),
    ("2026-05-09", "2026-05-09", "workday", "劳动节调休上班", NOTICE_2026, False),
    ("2026-06-19", "2026-06-21", "holiday", "端午节", NOTICE_2026, False),
    ("2026-09-20", "2026-09-20", "workday", "国庆节调休上班", NOTICE_2026, False),
    ("2026-09-25", "2026-09-27", "holiday", "中秋节", NOTICE_2026, False),
    ("2026-10-01", "2026-10-07", "holiday", "国庆节", NOTICE_2026, False),
    ("2026-10-10", "2026-10-10", "workday", "国庆节调休上班", NOTICE_2026, False),
    # 2027 — PROVISIONAL, derived without the notice: the statutory days (除夕 2/5 Fri, 正月初一 2/6;
    # 清明 4/5; 劳动节 5/1–5/2; 端午 6/9 Wed; 中秋 9/15 Wed; 国庆 10/1–10/3) and a weekday off for each
    # that falls on a weekend (补假, art. 6 of the regulations). The notice will most likely lengthen
    # 春节 (from 除夕, 8 days), 劳动节 (5 days) and 国庆 (7 days) and add weekend make-up workdays; which
    # weekends cannot be derived, so none are entered. The count of working days lost around each
    # holiday is the same either way, only their dates may move.
    ("2027-01-01", "2027-01-01", "holiday", "元旦（暂定）", PROVISIONAL_2027, True),
    ("2027-02-05", "2027-02-08", "holiday", "春节（暂定）", PROVISIONAL_2027, True),
    ("2027-02-09", "2027-02-10", "holiday", "春节补休（暂定）", PROVISIONAL_2027, True),
    ("2027-04-05", "2027-04-05", "holiday", "清明节（暂定）", PROVISIONAL_2027, True),
    ("2027-05-01", "2027-05-02", "holiday", "劳动节（暂定）", PROVISIONAL_2027, True),
    ("2027-05-03", "2027-05-04", "holiday", "劳动节补休（暂定）", PROVISIONAL_2027, True),
    ("2027-06-09", "2027-06-09", "holiday", "端午节（暂定）", PROVISIONAL_2027, True),
    ("2027-09-15", "2027-09-15", "holiday", "中秋节（暂定）", PROVISIONAL_2027, True),
    ("2027-10-01", "2027-10-03", "holiday", "国庆节（暂定）", PROVISIONAL_2027, True),
    ("2027-10-04", "2027-10-05", "holiday", "国庆节补休（暂定）", PROVISIONAL_2027, True),
]


def _expand():
    from datetime import date, timedelta

    for first, last, kind, name, source, provisional in DAYS:
        day, last_day = date.fromisoformat(first), date.fromisoformat(last)
        while day <= last_day:
            yield day, kind, name, source, provisional
            day += timedelta(days=1)


def load_days(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.bulk_create(
        CalendarDay(date=day, kind=kind, name=name, source=source, provisional=provisional)
        for day, kind, name, source, provisional in _expand()
    )


def unload_days(apps, schema_editor):
    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarDay.objects.filter(date__in=[day for day, *_rest in _expand()]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarDay",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("date", models.DateField(unique=True, verbose_name="date")),
                (
                    "kind",
                    models.CharField(
                        choices=[("holiday", "Holiday (放假)"), ("workday", "Make-up workday (调休上班)")],
                        max_length=10,
                        verbose_name="kind",
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="For example 国庆节 or 国庆节调休上班.", max_length=60, verbose_name="name"
                    ),
                ),
                (
                    "source",
                    models.CharField(
                        blank=True,
                        help_text="The notice this day was entered from.",
                        max_length=300,
                        verbose_name="source",
                    ),
                ),
                (
                    "provisional",
                    models.BooleanField(
                        default=False,
                        help_text="Derived before the State Council notice was published; confirm it from the notice.",
                        verbose_name="provisional",
                    ),
                ),
            ],
            options={
                "verbose_name": "calendar day",
                "verbose_name_plural": "working calendar",
                "ordering": ["date"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("kind__in", ["holiday", "workday"])), name="calendar_day_kind_valid"
                    )
                ],
            },
        ),
        migrations.RunPython(load_days, unload_days),
    ]
