"""A real Chromium: the reports pages are accessible and the status page updates itself."""

import pytest
from django.urls import reverse

from reports.models import Report
from tests.browser import axe_violations, use_session_of

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reports_page_has_no_wcag_violations(page, live_server, strategy, committee_member):
    use_session_of(page, live_server, committee_member)
    page.goto(live_server.url + reverse("report_list"))
    assert page.get_by_role("button", name="Lav statusrapporten").is_visible()
    assert page.get_by_role("button", name="Lav revisionsrapporten").is_visible()
    assert axe_violations(page) == []


def test_the_status_page_updates_itself_until_the_report_is_ready(
    page, live_server, strategy, committee_member
):
    report = Report.objects.create(
        kind="status", strategy=strategy, parameters={"since": "2026-01-01"}
    )
    page.set_viewport_size({"width": 375, "height": 740})
    use_session_of(page, live_server, committee_member)
    page.goto(live_server.url + reverse("report_detail", args=[report.pk]))
    assert "Rapporten står i kø" in page.locator("#report-status").inner_text()
    assert axe_violations(page) == []
    Report.objects.filter(pk=report.pk).update(status="done", file="reports/x.pdf", page_count=7)
    # No reload: htmx asks again every two seconds and swaps the status in.
    page.get_by_role("link", name="Hent PDF'en (7 sider)").wait_for(timeout=10_000)
    assert page.url.endswith(reverse("report_detail", args=[report.pk]))
    assert axe_violations(page) == []


def test_spreadsheet_import_and_its_preview_have_no_wcag_violations(
    page, live_server, strategy, institutions, consultant, tmp_path
):
    upload = tmp_path / "institutioner.csv"
    upload.write_bytes("Navn;Type;Antal børn\nNy Skole;Skole;-3\nAnden Skole;Skole;200\n".encode())
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("spreadsheet_import"))
    assert axe_violations(page) == []
    page.get_by_label("Hvad filen indeholder").select_option(label="Institutioner")
    page.get_by_label("Fil (XLSX eller CSV)").set_input_files(str(upload))
    page.get_by_role("button", name="Vis, hvad importen vil gøre").click()
    assert "Antallet kan ikke være negativt." in page.locator("main").inner_text()
    assert axe_violations(page) == []
