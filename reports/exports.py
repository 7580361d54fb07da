"""The municipality's own data, all of it in one archive (a report of the kind "data
export", made by a worker)."""

import io
import zipfile

from django.core import serializers

from actions.models import Action, ActionPlan, ActionPlanItem, PoolAllocation, PoolShare, Progress
from goals.models import Aim, Domain, Goal, Indicator, Measurement, Principle, Strategy
from institutions.audit import security_event_record
from institutions.models import Actor, Institution, Membership, MunicipalRole, SecurityEvent, User

from .models import Report

# What the archive holds, file by file. People without password hashes or second factors;
# reports as metadata (who asked for what, when, and how it went), not the PDFs.
PEOPLE_FIELDS = ["email", "first_name", "last_name", "is_active", "date_joined"]
REPORT_FIELDS = [
    "kind",
    "strategy",
    "institution",
    "batch",
    "parameters",
    "status",
    "page_count",
    "requested_by",
    "requested_at",
    "finished_at",
]


def _tables():
    return [
        ("strategier.json", Strategy.objects.all(), None),
        ("formaal.json", Aim.objects.all(), None),
        ("pejlemaerker.json", Principle.objects.all(), None),
        ("domaener.json", Domain.objects.all(), None),
        ("maal.json", Goal.objects.all(), None),
        ("handlinger.json", Action.objects.all(), None),
        ("indikatorer.json", Indicator.objects.all(), None),
        ("maalinger.json", Measurement.objects.all(), None),
        ("aktoerer.json", Actor.objects.all(), None),
        ("institutioner.json", Institution.objects.all(), None),
        ("personer.json", User.objects.all(), PEOPLE_FIELDS),
        ("roller.json", MunicipalRole.objects.all(), None),
        ("medlemskaber.json", Membership.objects.all(), None),
        ("status.json", Progress.objects.all(), None),
        ("status_historik.json", Progress.history.all(), None),
        ("handleplaner.json", ActionPlan.objects.all(), None),
        ("handleplan_punkter.json", ActionPlanItem.objects.all(), None),
        ("handleplan_historik.json", ActionPlanItem.history.all(), None),
        ("puljer.json", PoolAllocation.objects.all(), None),
        ("puljeandele.json", PoolShare.objects.all(), None),
        ("strategi_historik.json", Strategy.history.all(), None),
        ("maal_historik.json", Goal.history.all(), None),
        ("handling_historik.json", Action.history.all(), None),
        ("rapporter.json", Report.objects.all(), REPORT_FIELDS),
    ]


def municipality_export(*, target, by) -> None:
    """Write every table of the municipality's data as JSON files into a ZIP archive."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, queryset, fields in _tables():
            with archive.open(name, "w", force_zip64=True) as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8")
                serializers.serialize(
                    "json",
                    queryset.order_by("pk").iterator(chunk_size=2000),
                    fields=fields,
                    stream=text,
                    ensure_ascii=False,
                )
                text.flush()
                text.detach()
    security_event_record(kind=SecurityEvent.Kind.DATA_EXPORTED, actor=by)
