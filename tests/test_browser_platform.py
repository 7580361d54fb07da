"""A real Chromium on the platform's host: an operator signs in with password and code, reads
how the municipalities are doing and adds one, on a phone as at a desk."""

import os
from urllib.parse import parse_qs, urlsplit

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from institutions.models import Municipality
from institutions.services import municipality_save, operator_save
from tests.browser import axe_violations
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [1280, 375])
def test_an_operator_signs_in_reads_the_platform_and_adds_a_municipality(
    page, live_server, municipality, settings, width
):
    # The platform answers on localhost (the live server's own address), the municipality on
    # 127.0.0.1.
    settings.PLATFORM_HOST = "localhost"
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", ".example.org"]
    municipality.host = "127.0.0.1"
    municipality_save(municipality=municipality)
    _, authenticator_url = operator_save(email="drift@leverandor.dk", password=PASSWORD)
    secret = parse_qs(urlsplit(authenticator_url).query)["secret"][0]

    page.set_viewport_size({"width": width, "height": 900})
    page.goto(live_server.url + "/")
    page.get_by_label("E-mail", exact=True).fill("drift@leverandor.dk")
    page.get_by_label("Adgangskode", exact=True).fill(PASSWORD)
    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.get_by_label("Kode fra din godkendelsesapp").fill(code)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(live_server.url + "/")
    row = page.get_by_role("row", name=municipality.name)
    assert municipality.slug in row.inner_text()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['SCREENSHOTS']}/platform-{width}.png", full_page=True)

    page.get_by_role("link", name="Tilføj en kommune").click()
    page.get_by_label("Navn", exact=True).fill("Viborg Kommune")
    page.get_by_label("Kortnavn").fill("viborg")
    page.get_by_label("Værtsnavn").fill("viborg.andetsted.dk")
    page.get_by_label("Den første konsulents e-mail").fill("it@viborg.dk")
    page.get_by_role("button", name="Tilføj kommunen").click()
    summary = page.locator(".error-summary")
    assert "Installationen svarer ikke på viborg.andetsted.dk" in summary.inner_text()
    assert summary.evaluate("element => element === document.activeElement")
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    page.get_by_label("Værtsnavn").fill("viborg.example.org")
    page.get_by_role("button", name="Tilføj kommunen").click()
    page.wait_for_url(live_server.url + "/")
    assert "Viborg Kommune er tilføjet" in page.locator("main").inner_text()
    assert Municipality.objects.get(slug="viborg").host == "viborg.example.org"
