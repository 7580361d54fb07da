from django.db import migrations


def own_rows(apps, schema_editor):
    """The reminders sent so far were sent for the installation's municipality."""
    first = apps.get_model("institutions", "Municipality").objects.order_by("pk").first()
    reminders = apps.get_model("actions", "Reminder").objects
    reminders.filter(municipality=None).update(municipality=first)


class Migration(migrations.Migration):
    dependencies = [
        ("actions", "0016_municipality_owns_rows"),
        ("institutions", "0012_rows_of_the_first_municipality"),
    ]

    operations = [migrations.RunPython(own_rows, migrations.RunPython.noop)]
