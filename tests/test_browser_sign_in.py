"""A real Chromium: a person signs in through Context Handler (the local identity provider),
with the pages' content security policy in force; the sign-in settings page is accessible."""

import pytest
from django.urls import reverse

from institutions.models import User
from tests.browser import axe_violations, use_session_of
from tests.conftest import make_person
from tests.identity_providers import CONSULTANT, CVR, oiosaml_attributes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_person_signs_in_with_context_handler(browser, live_server, context_handler):
    karen = make_person("karen@mariagerfjord.dk", "Karen Konsulent", User.Role.STAFF)
    context_handler.next_attributes = oiosaml_attributes(
        cvr=CVR, email="karen@mariagerfjord.dk", privilege_uris=[CONSULTANT]
    )
    # The site's own policy in force: the sign-in form may send the browser on to KOMBIT.
    context = browser.new_context(locale="da-DK")
    page = context.new_page()
    blocked = []
    page.on(
        "console",
        lambda message: blocked.append(message.text) if "violates" in message.text else None,
    )
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_role("button", name="Log ind med KOMBIT Context Handler").click()
    page.wait_for_url(f"{context_handler.sso_url}**")
    page.get_by_role("button", name="Fortsæt").click()
    page.wait_for_url(f"{live_server.url}/**")
    page.wait_for_load_state()
    assert "Karen Konsulent" in page.locator("header").inner_text()
    assert blocked == []
    karen.refresh_from_db()
    assert karen.role == User.Role.CONSULTANT
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_sign_in_settings_have_no_wcag_violations(
    page, live_server, consultant, context_handler, width
):
    page.set_viewport_size({"width": width, "height": 900})
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("sign_in_settings"))
    assert page.locator("h1").inner_text() == "Log ind"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
