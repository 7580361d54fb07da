from django.conf import settings
from django.db import migrations
from django.utils.text import slugify


def own_rows(apps, schema_editor):
    """Every installation so far served one municipality: its rows become that municipality's.
    An installation that had not named its municipality yet gets one, named by the
    MUNICIPALITY_NAME setting until a consultant names it ("Kom i gang")."""
    Municipality = apps.get_model("institutions", "Municipality")
    named = list(Municipality.objects.order_by("pk"))
    for municipality in named:
        municipality.getting_started = {**municipality.getting_started, "municipality": "done"}
    if not named:
        named = [Municipality(name=settings.MUNICIPALITY_NAME)]
    taken: set[str] = set()
    for municipality in named:
        base = slugify(municipality.name)[:40] or "kommune"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        municipality.slug = slug
        municipality.save()
    for name in ("Actor", "Institution", "SecurityEvent"):
        model = apps.get_model("institutions", name)
        model.objects.filter(municipality=None).update(municipality=named[0])


class Migration(migrations.Migration):
    dependencies = [("institutions", "0011_municipality_owns_rows")]

    operations = [migrations.RunPython(own_rows, migrations.RunPython.noop)]
