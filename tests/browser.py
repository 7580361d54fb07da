"""Helpers for the tests that drive a real Chromium; the fixtures live in conftest.py."""

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

AXE_SCRIPT = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def sign_in(page, live_server, email):
    page.goto(live_server.url + reverse("strategy"))
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Adgangskode", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_url(f"**{reverse('strategy')}")


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        {"id": violation["id"], "nodes": [node["target"] for node in violation["nodes"]]}
        for violation in result["violations"]
    ]


def use_session_of(page, live_server, user):
    """Sign the browser in as `user` by handing it a session made by the test client."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
