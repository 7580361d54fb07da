"""Production settings pass Django's deployment checklist, and real responses carry the
security headers: CSP without inline code, no framing, HSTS, a strict referrer policy and
__Host- cookies."""

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys

from django.conf import settings
from django.urls import reverse

from goals.models import Goal
from tests.conftest import with_totp
from tests.factories import PersonFactory
from tests.test_deployment_files import start_django

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(60),
    "ALLOWED_HOSTS": "strategi.example.dk",
}


# Not from this test run: its own settings, and the browser tests' permission to run
# database calls from Playwright's event loop.
NOT_PASSED_ON = {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, **env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in NOT_PASSED_ON}
    return subprocess.run(  # noqa: S603 - this interpreter and manage.py
        [sys.executable, "manage.py", *args],
        env={**clean, **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_deployment_checklist_passes_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_with_a_public_host_refuses_to_start():
    result = start_django(DEBUG="true", ALLOWED_HOSTS="strategi.example.dk")
    assert result.returncode != 0
    assert "DEBUG is on with a public host" in result.stderr


def test_pages_carry_the_security_headers(client, strategy, leader_school_a, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = False
    client.force_login(leader_school_a)
    response = client.get(reverse("strategy"), secure=True)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    # No page relies on inline scripts or styles, which the policy would block.
    html = response.content.decode()
    assert "<script>" not in html and "<style" not in html and " style=" not in html


def test_production_cookies_are_host_only_and_secure():
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SESSION_COOKIE_NAME, "
        "s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "s.SESSION_COOKIE_HTTPONLY)",
        **PRODUCTION,
    )
    assert result.stdout.split()[-5:] == [
        "__Host-sessionid",
        "__Host-csrftoken",
        "True",
        "True",
        "True",
    ]


def test_admin_history_pages_allow_exactly_their_inline_styles(client, strategy):
    """django-simple-history's history list has an inline style the site's CSP would refuse."""
    superuser = with_totp(PersonFactory(email="super@example.org", superuser=True))
    client.force_login(superuser)
    goal = Goal.objects.first()
    response = client.get(reverse("admin:goals_goal_history", args=[goal.pk]))
    assert response.status_code == 200
    styles = set(re.findall(r'style="([^"]*)"', response.content.decode()))
    assert styles  # the page still has one: else this allowance can go
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    allowed = directives["style-src-attr"].split()
    assert "'unsafe-hashes'" in allowed
    for style in styles:
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in allowed, style
    # Other pages allow no inline style at all.
    other = client.get(reverse("admin:goals_goal_change", args=[goal.pk]))
    assert "style-src-attr" not in other["Content-Security-Policy"]
