from django.db import migrations


def own_rows(apps, schema_editor):
    """The strategies so far, and their history, belong to the installation's municipality."""
    first = apps.get_model("institutions", "Municipality").objects.order_by("pk").first()
    for name in ("Strategy", "HistoricalStrategy"):
        model = apps.get_model("goals", name)
        model.objects.filter(municipality=None).update(municipality=first)


class Migration(migrations.Migration):
    dependencies = [
        ("goals", "0013_municipality_owns_rows"),
        ("institutions", "0012_rows_of_the_first_municipality"),
    ]

    operations = [migrations.RunPython(own_rows, migrations.RunPython.noop)]
