"""English names for categories (uimap): a field, and the names of the standard demo categories."""

from django.db import migrations, models

NAMES_EN = {
    "streetlight": "Street lights",
    "road": "Roads",
    "garbage": "Rubbish",
    "noise": "Noise",
    "property": "Property management",
    "illegal_building": "Illegal construction",
    "water": "Water supply",
    "gas_heating": "Gas and heating",
    "public_security": "Public security",
    "fire_lane": "Fire lanes",
    "greening": "Greenery",
    "market": "Market regulation",
    "elderly": "Elderly care and relief",
    "other": "Other",
}


def fill_names(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for code, name_en in NAMES_EN.items():
        Category.objects.filter(code=code, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [("cases", "0010_people_emergency_tier")]

    operations = [
        migrations.AddField(
            model_name="category",
            name="name_en",
            field=models.CharField(blank=True, default="", max_length=80, verbose_name="English name"),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
