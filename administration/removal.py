"""A municipality that leaves: everything it owns removed, with a count of what went.

Its consultants download all of its data first (the data export, scoped to it like every
query). The operator then removes it (`manage.py remove_municipality`): its history, reports,
strategies with everything under them, institutions with their progress and plans, kinds,
roles, security log and reminders, its files, and the people who had a role in no other
municipality. Nothing of another municipality is touched: every query here is scoped to the
one that leaves (core.tenancy).
"""

import logging

from django.apps import apps
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from core import tenancy
from core.history import history_rows
from goals.models import Strategy
from institutions.models import Actor, Institution, Municipality, User
from institutions.services import municipality_forgotten
from reports.models import Report

logger = logging.getLogger(__name__)

APPS = ["institutions", "goals", "actions", "reports"]


def owned_models() -> tuple[list, list]:
    """Every model a municipality owns (its default manager is scoped), and their histories,
    those of many-to-many links first (they are found through the records that hold them)."""
    live, links, history = [], [], []
    for app in APPS:
        for model in apps.get_app_config(app).get_models():
            instance_type = getattr(model, "instance_type", None)
            if instance_type is not None:
                (links if instance_type._meta.auto_created else history).append(model)
            elif model is not Municipality:
                live.append(model)
    return live, links + history


def _files_removed(folder: str) -> None:
    """Every file under `folder` in the shared storage."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
    for name in folders:
        _files_removed(f"{folder}/{name}")


class LastMunicipality(Exception):
    """The installation would serve no municipality at all."""


@transaction.atomic
def municipality_remove(*, municipality: Municipality) -> dict[str, int]:
    """Remove the municipality and everything it owns; how many rows of each kind went. The
    installation's only municipality is not removed (LastMunicipality)."""
    if not Municipality.objects.exclude(pk=municipality.pk).exists():
        raise LastMunicipality(_("The platform must serve at least one municipality."))
    live, history = owned_models()
    removed: dict[str, int] = {}
    pk = municipality.pk
    with tenancy.acting_for(pk):
        removed |= {model._meta.label: model._default_manager.count() for model in live}
        # History points to its rows without a constraint and is found through them: first.
        for model in history:
            rows = history_rows(model)
            removed[model._meta.label] = rows.count()
            rows.delete()
        Report.objects.all().delete()
        for strategy in Strategy.objects.order_by("-pk"):  # a version protects the one before
            strategy.delete()
        Institution.objects.all().delete()
        Actor.objects.all().delete()
        people = list(User.objects.values_list("pk", flat=True))
    only_here = User.every_municipality.filter(pk__in=people).annotate(
        roles=Count("municipal_roles")
    )
    leaving = only_here.filter(roles=1)
    removed["people"] = leaving.count()
    leaving.delete()
    municipality.delete()  # its roles, security log and reminders with it
    # Its host name answers for nobody from now on.
    transaction.on_commit(lambda: municipality_forgotten(pk))
    transaction.on_commit(lambda: _files_removed(f"reports/{pk}"))
    transaction.on_commit(lambda: _files_removed(f"imports/{pk}"))
    logger.info("Municipality %s removed: %s", pk, removed)
    return {label: count for label, count in removed.items() if count}
