from django.db import migrations


def own_rows(apps, schema_editor):
    """The reports made so far belong to the installation's municipality."""
    first = apps.get_model("institutions", "Municipality").objects.order_by("pk").first()
    reports = apps.get_model("reports", "Report").objects
    reports.filter(municipality=None).update(municipality=first)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0010_municipality_owns_rows"),
        ("institutions", "0012_rows_of_the_first_municipality"),
    ]

    operations = [migrations.RunPython(own_rows, migrations.RunPython.noop)]
