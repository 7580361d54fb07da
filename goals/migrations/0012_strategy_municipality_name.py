from django.db import migrations


class Migration(migrations.Migration):
    """The strategy's printed municipality name makes room for the municipality it belongs to."""

    dependencies = [("goals", "0011_domain_words")]

    operations = [
        migrations.RenameField("strategy", "municipality", "municipality_name"),
        migrations.RenameField("historicalstrategy", "municipality", "municipality_name"),
    ]
