"""Indexes for reading the progress history: an institution's newest changes first, and one
row's changes in order (its timeline, and the dashboard's replay). The historical table is
simple-history's, so the indexes are made here in SQL rather than declared on a model."""

from django.db import migrations

INDEXES = {
    "actions_hprogress_inst_date": "(institution_id, history_date DESC, history_id DESC)",
    "actions_hprogress_row_date": "(id, history_date, history_id)",
}


class Migration(migrations.Migration):
    dependencies = [("actions", "0007_revision")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX {name} ON actions_historicalprogress {columns}",
            reverse_sql=f"DROP INDEX {name}",
        )
        for name, columns in INDEXES.items()
    ]
