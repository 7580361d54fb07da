"""Deadlines written in words before they meant a date get the date they mean; words that
cannot be read keep no date, as before."""

from django.db import migrations

from core.danish import deadline_from_words


def words_to_dates(apps, schema_editor):
    Action = apps.get_model("actions", "Action")
    for action in Action.objects.filter(deadline=None).exclude(deadline_label=""):
        try:
            action.deadline = deadline_from_words(action.deadline_label)
        except ValueError:
            continue
        action.save(update_fields=["deadline"])


class Migration(migrations.Migration):
    dependencies = [("actions", "0010_verbose_names")]

    operations = [migrations.RunPython(words_to_dates, migrations.RunPython.noop)]
