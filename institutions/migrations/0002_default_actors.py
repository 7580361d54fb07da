from django.db import migrations

DEFAULT_ACTORS = [("forvaltning", "Forvaltning", 1), ("skole", "Skole", 2), ("dagtilbud", "Dagtilbud", 3)]


def create_actors(apps, schema_editor):
    Actor = apps.get_model("institutions", "Actor")
    for code, name, order in DEFAULT_ACTORS:
        Actor.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("institutions", "0001_initial")]

    operations = [migrations.RunPython(create_actors, migrations.RunPython.noop)]
