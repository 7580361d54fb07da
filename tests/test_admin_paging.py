"""Django admin's list of every progress row (one per institution and action: 333,200 at 3,000
institutions) pages by the database's estimate of its rows when they are many, instead of
counting them on every page; a small table, or a list narrowed by a filter, is counted."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from actions.models import Progress
from core import paging
from tests.conftest import make_institutions, set_status, with_totp
from tests.factories import PersonFactory


def _changelist(client, query=None) -> tuple[int, int]:
    """The number of rows the list says it has, and the queries it ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:actions_progress_changelist"), query or {})
    assert response.status_code == 200
    return response.context["cl"].result_count, len(queries)


@pytest.mark.django_db
def test_every_progress_row_is_paged_by_the_estimate_a_filtered_list_by_a_count(
    strategy, institutions, actors, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("the estimate is PostgreSQL's")
    admin = Client()
    admin.force_login(with_totp(PersonFactory(email="admin@example.org", superuser=True)))
    admin.get(reverse("admin:actions_progress_changelist"))  # per-process caches filled
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE actions_progress")
    estimated = Progress.objects.count()
    make_institutions(actors, schools=3, daycare=2, prefix="Nye ")  # not yet in the estimate
    rows = Progress.objects.count()
    assert rows > estimated
    shown, queries = _changelist(admin)
    assert shown == rows  # a small table is counted
    monkeypatch.setattr(paging, "ESTIMATE_ABOVE", 0)  # as if it were large
    assert _changelist(admin) == (estimated, queries)  # the estimate, in as many queries
    row = Progress.objects.select_related("institution", "action").first()
    set_status(row.institution, row.action, Progress.Status.DONE, by=None)
    shown, _queries = _changelist(admin, {"status__exact": Progress.Status.DONE})
    assert shown == 1
