from django.db import migrations


def own_apps(apps, schema_editor):
    """The Context Handler and Unilogin apps set up so far are the installation's municipality's
    (institutions.sign_in.APP_MUNICIPALITY)."""
    first = apps.get_model("institutions", "Municipality").objects.order_by("pk").first()
    social_apps = apps.get_model("socialaccount", "SocialApp")
    for app in social_apps.objects.all():
        if "municipality" not in app.settings:
            app.settings = {**app.settings, "municipality": first.pk}
            app.save(update_fields=["settings"])


class Migration(migrations.Migration):
    dependencies = [
        ("institutions", "0014_roles_per_municipality"),
        ("socialaccount", "0006_alter_socialaccount_extra_data"),
    ]

    operations = [migrations.RunPython(own_apps, migrations.RunPython.noop)]
