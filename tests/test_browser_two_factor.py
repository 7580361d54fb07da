"""A consultant sent to turn on totrinsbekræftelse, in a real Chromium at 375 px: not asked for
the password they typed a moment ago, the app's key shown whole and in our words, and once it is
on, a link straight on to the page they asked for."""

import pytest
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.urls import reverse

from goals.models import Strategy
from institutions.models import User
from tests.browser import sign_in
from tests.conftest import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_consultant_turns_on_two_factor_and_goes_on_to_what_they_asked_for(
    page, live_server, strategy, institutions
):
    person = make_person("ny.konsulent@example.org", "Nina Ny", User.Role.CONSULTANT)
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server, person.email)
    wanted = reverse("item_edit", args=["strategi", Strategy.objects.get().pk])
    page.goto(live_server.url + wanted)

    # Straight to the set-up: the password typed at sign-in still counts.
    page.wait_for_url(f"**{reverse('mfa_activate_totp')}")
    assert page.get_by_role("heading", level=1).inner_text() == "Slå godkendelsesapp til"
    secret = page.locator(".shown-secret").inner_text().strip()
    assert len(secret) >= 16
    box = page.locator(".shown-secret").bounding_box()
    assert box["x"] + box["width"] <= 375  # the whole key is on the screen

    code = format_hotp_value(hotp_value(secret, next(yield_hotp_counters_from_time())))
    page.get_by_label("Kode fra godkendelsesappen").fill(code)
    page.get_by_role("button", name="Aktiver").click()
    page.get_by_text("Totrinsbekræftelse er slået til.").wait_for()
    page.get_by_role("link", name="Fortsæt til den side, du ville åbne").click()
    page.wait_for_url(f"**{wanted}")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Redigér")
