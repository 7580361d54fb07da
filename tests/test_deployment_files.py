"""docker-compose.yml, .env.example and the settings agree with the project."""

import importlib
import io
import os
import re
import subprocess
import sys

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command

from tests.conftest import visible_text

COMPOSE = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_compose_has_the_production_services_with_health_checks():
    assert set(SERVICES) == {"web", "worker", "beat", "postgres", "redis", "proxy"}
    assert SERVICES["proxy"]["profiles"] == ["proxy"]  # the example proxy, started on request
    for name, service in SERVICES.items():
        assert "healthcheck" in service, f"{name} has no health check"


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_service_commands_name_things_that_exist(name):
    service = SERVICES[name]
    assert (settings.BASE_DIR / service["build"] / "Dockerfile").exists()
    command = service["command"]
    for module in re.findall(r"gunicorn ([\w.]+)", command):
        assert hasattr(importlib.import_module(module), "application")
    for package in re.findall(r"celery -A ([\w.]+)", command):
        assert importlib.import_module(f"{package}.celery").app.main == "strategy_tracker"
    if "manage.py" in command:
        assert (settings.BASE_DIR / "manage.py").exists()


def test_web_health_check_passes_under_production_settings():
    """The compose health check's own request (http, host 127.0.0.1) with DEBUG=false: no
    redirect to https, no refused host, and the database reached."""
    check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    host, path = re.search(r"http://(127\.0\.0\.1:8000)(/[\w/-]*)", check).groups()
    script = (
        "from django.test import Client\n"
        f"response = Client(HTTP_HOST={host!r}).get({path!r})\n"
        "print(response.status_code, response.content.decode().strip())"
    )
    result = start_django(
        DEBUG="false", SECRET_KEY="x" * 50, ALLOWED_HOSTS="strategi.example.dk", script=script
    )
    assert result.stdout.strip() == "200 ok", result.stderr[-2000:]


NGINX = (settings.BASE_DIR / "docs" / "nginx.conf").read_text()


def test_the_proxy_example_shows_a_danish_page_for_each_error_it_answers_itself(tmp_path):
    call_command("proxy_error_pages", tmp_path, stdout=io.StringIO())
    pages = dict(re.findall(r"error_page (\d+) (/fejl/\d+\.html);", NGINX))
    assert set(pages) == {"400", "413", "502", "503", "504"}
    for status, path in pages.items():
        page = (tmp_path / path.removeprefix("/fejl/")).read_text(encoding="utf-8")
        assert '<html lang="da">' in page, status
        # Shown while the app is away: nothing may need fetching from it.
        assert not re.search(r"<(link|script|img)\b", page), status
        assert "/static/" not in page and "{" not in page.split("</style>")[1], status
    assert "Prøv igen om lidt" in visible_text((tmp_path / "502.html").read_text())
    limit = int(re.search(r"client_max_body_size (\d+)m;", NGINX).group(1))
    assert f"op til {limit} MB" in visible_text((tmp_path / "413.html").read_text())
    assert limit * 1024 * 1024 > settings.IMPORT_MAX_BYTES  # the app explains its own limit


def test_the_proxy_serves_the_pages_web_writes_and_tells_the_app_what_it_trusts():
    proxy_mounts = dict(volume.split(":")[:2] for volume in SERVICES["proxy"]["volumes"])
    web_mounts = dict(volume.split(":")[:2] for volume in SERVICES["web"]["volumes"])
    written_to = re.search(r"proxy_error_pages (\S+)", SERVICES["web"]["command"]).group(1)
    root = re.search(r"location \^~ /fejl/ \{[^}]*root (\S+);", NGINX).group(1)
    assert web_mounts["proxy-errors"] == written_to
    assert proxy_mounts["proxy-errors"] == f"{root}/fejl"
    assert proxy_mounts["./docs/nginx.conf"] == "/etc/nginx/conf.d/default.conf"
    # HTTPS as SECURE_PROXY_SSL_HEADER reads it; the client's address in the header the
    # example tells TRUSTED_CLIENT_IP_HEADER to name.
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    trusted = re.search(r"TRUSTED_CLIENT_IP_HEADER=([\w-]+)", NGINX).group(1)
    assert f"proxy_set_header {trusted} $remote_addr;" in NGINX
    gunicorn = int(re.search(r"--timeout (\d+)", SERVICES["web"]["command"]).group(1))
    assert int(re.search(r"proxy_read_timeout (\d+)s;", NGINX).group(1)) > gunicorn


def test_gunicorn_gives_up_after_the_database_does():
    """A web worker answers "try again" (503) before gunicorn kills it."""
    command = SERVICES["web"]["command"]
    example = (settings.BASE_DIR / ".env.example").read_text()
    gunicorn = int(re.search(r"--timeout (\d+)", command).group(1))
    statement = int(re.search(r"DATABASE_STATEMENT_TIMEOUT=(\d+) gunicorn", command).group(1))
    connect = int(re.search(r"^DATABASE_CONNECT_TIMEOUT=(\d+)$", example, re.MULTILINE).group(1))
    assert gunicorn > statement + connect


def test_env_example_lists_every_variable_the_settings_read():
    source = (settings.BASE_DIR / "strategy_tracker" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\("([A-Z_]+)"', source))
    example = {
        line.split("=", 1)[0]
        for line in (settings.BASE_DIR / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    }
    assert read - example == set()
    assert read


def start_django(script: str = "", **env) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(  # noqa: S603 - this interpreter on our own code
        [sys.executable, "-c", f"import django; django.setup()\n{script}"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "strategy_tracker.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_mode_without_secret_key_refuses_to_start():
    result = start_django(DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_mode_with_secret_key_starts():
    assert start_django(DEBUG="false", SECRET_KEY="x" * 50).returncode == 0


def test_a_malformed_setting_fails_loudly():
    result = start_django(DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_entra_id_needs_the_municipalitys_own_tenant():
    result = start_django(SSO_MICROSOFT_CLIENT_ID="client", SSO_MICROSOFT_TENANT="common")
    assert result.returncode != 0
    assert "SSO_MICROSOFT_TENANT must be the municipality's tenant id" in result.stderr


def test_single_sign_on_needs_the_municipalitys_domains():
    result = start_django(SSO_GOOGLE_CLIENT_ID="client", SSO_ALLOWED_DOMAINS="")
    assert result.returncode != 0
    assert "SSO_ALLOWED_DOMAINS must list" in result.stderr
