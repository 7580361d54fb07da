"""Lists and exports that stay flat as the municipality grows: the institution list shows a
page at a time, searched in the database, with the same queries at any size; CSV exports
stream the same rows they always had."""

import csv
import io

from django.urls import reverse

from institutions.models import Institution
from tests.conftest import (
    count_queries,
    make_institutions,
    spreadsheet_made,
    visible_text,
    workbook_rows,
)


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8")


def as_text(values) -> list[list[str]]:
    """A sheet's rows as a CSV reader gives them back."""
    return [["" if cell is None else str(cell) for cell in row] for row in values]


def test_the_institution_list_is_paged_with_the_same_queries_at_any_size(
    client, actors, consultant
):
    client.force_login(consultant)
    url = reverse("institution_list")
    make_institutions(actors, schools=5, daycare=4)
    few = count_queries(client, url)
    make_institutions(actors, schools=150, daycare=100, prefix="Ny ")
    assert Institution.objects.count() == 261
    assert count_queries(client, url) == few

    page = client.get(url)
    assert len(page.context["institutions"].object_list) == 50
    text = visible_text(page.content)
    assert "261 institutioner" in text and "Side 1 af 6" in text and "Næste side" in text
    last = client.get(url, {"side": "6"})
    assert len(last.context["institutions"].object_list) == 11
    # A page that is not one shows the last; letters show the first.
    assert client.get(url, {"side": "99"}).context["institutions"].number == 6
    assert client.get(url, {"side": "x"}).context["institutions"].number == 1


def test_the_institution_list_searches_names_and_areas_by_kind(client, actors, consultant):
    make_institutions(actors, schools=3, daycare=3)
    Institution.objects.filter(name="Skole 1").update(area="Hadsund")
    client.force_login(consultant)
    url = reverse("institution_list")
    names = lambda response: [i.name for i in response.context["institutions"]]  # noqa: E731
    assert names(client.get(url, {"q": "hadsund"})) == ["Skole 1"]
    assert names(client.get(url, {"q": "2", "actor": actors["dagtilbud"].pk})) == ["Dagtilbud 2"]
    # The paging links keep the search.
    Institution.objects.bulk_create(
        Institution(name=f"Skole ekstra {n}", actor=actors["skole"]) for n in range(60)
    )
    page = client.get(url, {"q": "skole"}).content.decode()
    assert "?q=skole&amp;side=2#list" in page


def test_a_kind_that_is_not_one_is_said_and_ignored(client, actors, consultant):
    make_institutions(actors, schools=2, daycare=0)
    client.force_login(consultant)
    response = client.get(reverse("institution_list"), {"actor": "999999"})
    assert response.status_code == 200
    assert "Marker en gyldig valgmulighed." in visible_text(response.content)
    assert len(response.context["institutions"].object_list) == 3


def test_the_streamed_institution_csv_has_the_rows_of_the_workers_xlsx(
    client, media, strategy, institutions, consultant
):
    client.force_login(consultant)
    response = client.get(reverse("spreadsheet_export", args=["institutioner", "csv"]))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(streamed(response).lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:2] == ["Navn", "Type"]
    assert len(rows) == 1 + Institution.objects.count()
    assert as_text(workbook_rows(spreadsheet_made(client, "register"))) == rows


def test_the_dashboards_institution_csv_streams_the_rows_of_its_xlsx(
    client, media, strategy, institutions, committee_member
):
    client.force_login(committee_member)
    url = reverse("dashboard_export", args=["institutioner", "csv"])
    rows = list(csv.reader(io.StringIO(streamed(client.get(url)).lstrip("\ufeff")), delimiter=";"))
    assert rows == as_text(workbook_rows(spreadsheet_made(client, "institutioner")))
    assert len(rows) == 1 + Institution.objects.exclude(actor__code="forvaltning").count()


def test_the_pages_that_ask_a_worker_for_a_workbook_are_light_and_keep_to_their_readers(
    client, strategy, actors, committee_member, leader_school_a, consultant
):
    """The old XLSX addresses of the tables of every institution answer a page with the
    button: the dashboard's for everyone who reads the dashboard, the register's for
    consultants; the same queries with few or many institutions."""
    dashboard_xlsx = reverse("dashboard_export", args=["institutioner", "xlsx"]) + "?q=Skole"
    register_xlsx = reverse("spreadsheet_export", args=["institutioner", "xlsx"])
    make_institutions(actors, schools=2, daycare=2, prefix="Få ")
    client.force_login(committee_member)
    few = count_queries(client, dashboard_xlsx)
    page = client.get(dashboard_xlsx).content.decode()
    assert "Lav regnearket" in visible_text(page)
    assert 'action="/rapporter/bestil/spreadsheet/?q=Skole"' in page
    client.force_login(leader_school_a)
    assert client.get(dashboard_xlsx).status_code == 200
    assert client.get(register_xlsx).status_code == 403
    client.force_login(consultant)
    few_register = count_queries(client, register_xlsx)
    assert 'value="register"' in client.get(register_xlsx).content.decode()

    make_institutions(actors, schools=100, daycare=100, prefix="Mange ")
    assert count_queries(client, register_xlsx) == few_register
    client.force_login(committee_member)
    assert count_queries(client, dashboard_xlsx) == few
