"""Hostile input against every form and the pages' parameters: very long, empty, unicode
(emoji, right-to-left, NUL), HTML and script, SQL-looking, huge and negative numbers, invalid
dates. Never a 500; refused input gets a Danish message and a 4xx; accepted text is shown
literally in pages and PDFs."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.views.defaults import server_error
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from actions.forms import KronerField
from goals.models import Goal
from institutions.models import SecurityEvent
from reports.models import Report
from reports.services import report_build
from tests.conftest import visible_text
from tests.test_permission_matrix import POST, client_for, data, people, post_data, url_named
from tests.test_reports import pdf_text

__all__ = ["data", "people"]  # the permission matrix's fixtures, used here too

SCRIPT = "<script>alert('x')</script>"
HOSTILE = [
    "",
    " ",
    "x" * 20_000,
    "😀👩‍👩‍👧‍👦 æøå ÆØÅ",
    "\u202eevil\u202c",
    "nul\x00byte",
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE goals_goal; --",
    "1 OR 1=1",
    "-1",
    "-999999999999999999999",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2026-02-30",
    "31-12-2026",
    "0000-00-00",
    "../../etc/passwd",
    "{{ 7|add:7 }}",
    "%s%s%n",
]


def assert_danish_message(response):
    """A refusal says why: a Danish page, or for a small form a short Danish sentence."""
    body = response.content.decode(errors="replace")
    if "<html" in body:
        assert 'lang="da"' in body[:500]
        assert "alert-error" in body or "form-error" in body or "<h1>" in body
    else:
        assert body.strip() and body.strip()[-1] == "."


@pytest.mark.parametrize("name", sorted(set(POST) - {"spreadsheet_import"}))
def test_every_form_answers_hostile_input_without_a_server_error(data, name):
    """Each field of each form, one hostile value at a time, as a consultant (who may post
    everything) and as leader A (whose own forms are tried with it too)."""
    base = post_data(name, data)
    for role in ("consultant", "leader_a"):
        client = client_for(data["people"][role])
        url = url_named(name, data)
        for field in list(base) or ["x"]:
            for value in HOSTILE:
                response = client.post(url, {**base, field: value})
                assert response.status_code < 500, (name, role, field, value[:20])
                if 400 <= response.status_code < 500 and response.status_code != 404:
                    assert_danish_message(response)


GET_PARAMETERS = {
    "dashboard": ["since", "actor", "area", "q", "sort", "side"],
    "report_list": ["side", "kind"],
    "institution_list": ["q", "side"],
    "person_list": ["q", "side"],
}


@pytest.mark.parametrize("name", sorted(GET_PARAMETERS))
def test_page_parameters_answer_hostile_input_without_a_server_error(data, name):
    client = client_for(data["people"]["consultant"])
    for parameter in GET_PARAMETERS[name]:
        for value in HOSTILE:
            response = client.get(reverse(name), {parameter: value})
            assert response.status_code < 500, (name, parameter, value[:20])


@pytest.mark.parametrize(
    "path",
    [
        "/min-institution/99999999999999999999/",
        "/strategi/-1/",
        "/rapporter/0/hent/",
        "/strategi/rediger/findes-ikke/1/",
        "/oversigt/domaener/99999999999/",
    ],
)
def test_wrong_ids_in_addresses_are_not_found(data, path):
    response = client_for(data["people"]["consultant"]).get(path)
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/regneark/import/%00/bekraeft/",
        "/strategi/%01/",
        "/oversigt/?q=nul%00byte",
        "/oversigt/?%7F=1",
        "/konto/login/?next=/%00",
    ],
)
def test_control_characters_in_an_address_get_the_danish_400_page(data, path):
    client = client_for(data["people"]["consultant"])
    events = SecurityEvent.objects.count()
    response = client.get(path)
    assert response.status_code == 400
    assert "Forespørgslen kunne ikke læses" in visible_text(response.content)
    assert SecurityEvent.objects.count() == events  # answered before any view or log


def test_the_server_error_page_is_danish_and_needs_no_database(rf):
    # No database fixture: any query while rendering would fail this test.
    response = server_error(rf.get("/strategi/"))
    assert response.status_code == 500
    page = visible_text(response.content)
    assert "Noget gik galt" in page and "Prøv igen om lidt" in page


def test_script_in_a_goal_is_shown_as_text_in_the_page_and_the_pdf(
    client, data, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    goal = Goal.objects.filter(domain__strategy=data["strategy"]).first()
    client.force_login(data["people"]["consultant"])
    response = client.post(
        reverse("item_edit", args=["maal", goal.pk]),
        {"text": f"Mål {SCRIPT} og æøå 😀", "scope": "municipal", "version": goal.version},
    )
    assert response.status_code == 302
    html = client.get(reverse("strategy")).content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert f"Mål {SCRIPT} og æøå" in visible_text(html)
    report = Report.objects.create(
        kind="revision", strategy=data["strategy"], parameters={"recommendations": SCRIPT}
    )
    report_build(report_id=report.pk)
    report.refresh_from_db()
    text = pdf_text(report.file.read())
    assert f"Mål {SCRIPT} og æøå" in text
    assert text.count(SCRIPT) >= 2  # the goal and the recommendations, both as text


def test_a_refused_save_writes_nothing(client, data):
    goal = Goal.objects.filter(domain__strategy=data["strategy"]).first()
    before = Goal.objects.values().get(pk=goal.pk), goal.history.count()
    client.force_login(data["people"]["consultant"])
    response = client.post(
        reverse("item_edit", args=["maal", goal.pk]),
        {"text": "nul\x00byte", "scope": "municipal", "version": goal.version},
    )
    assert response.status_code == 400
    assert "Null-tegn er ikke tilladte." in visible_text(response.content)
    assert (Goal.objects.values().get(pk=goal.pk), goal.history.count()) == before


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_a_budget_is_whole_kroner_or_a_danish_message(text):
    field = KronerField(min_value=0, max_value=2_000_000_000)
    try:
        value = field.clean(text)
    except ValidationError as error:
        assert all(message for message in error.messages)
    else:
        assert isinstance(value, int) and 0 <= value <= 2_000_000_000


@pytest.mark.parametrize("value", ["99999999999999999999", "-1", "٣", "1; DROP", " "])
def test_a_hostile_kind_of_institution_on_a_domain_page_is_not_found(data, value):
    url = reverse("dashboard_domain", args=[data["action"].goal.domain_id])
    response = client_for(data["people"]["committee"]).get(url, {"aktoer": value})
    assert response.status_code == 404


def test_admin_sign_in_never_sends_anyone_on_to_another_site(data):
    client = client_for(data["people"]["superuser"])
    for target in ("https://evil.example/", "//evil.example/", "/admin/goals/"):
        response = client.get(reverse("admin:login"), {"next": target})
        assert response.status_code == 302
        assert response.url in (reverse("admin:index"), "/admin/goals/")
