"""Indexes of three-letter pieces (PostgreSQL's pg_trgm) for the institution search, which looks
for what was typed anywhere in a name or an area: without them every search reads every
institution. Nothing on SQLite, where a municipality stays small."""

from django.db import migrations

INDEXES = {
    "institution_name_trgm": "name",
    "institution_area_trgm": "area",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, column in INDEXES.items():
        # The expression Django writes for `icontains`, so the planner can use the index.
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {index} ON institutions_institution "  # noqa: S608  # nosec B608
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("institutions", "0009_sign_in_numbers")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
