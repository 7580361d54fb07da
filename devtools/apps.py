from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    """Developer tooling: the demo data, the scale generator and the benchmark. Nothing in the
    product imports it; it imports whatever it measures."""

    name = "devtools"
    verbose_name = "Developer tools"
