"""Faults the app survives, against the real services: Redis out of reach, the database
connection dropped, cut or silent (for pages and a report mid-render), and many people
changing the same things at once. (A worker killed during a report, and reports asked for
while the queue is down, are in test_reports.)"""

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from io import BytesIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.urls import reverse

from actions.models import Action, Progress
from goals.models import Goal
from institutions.models import Membership
from reports.services import report_request
from strategy_tracker.celery import app as celery_app
from tests.conftest import make_institutions, make_person, run_together, visible_text
from tests.factories import PASSWORD
from tests.test_reports import _worker_process, pdf_text, wait_for

FOCUS = "prioritere økonomi til investering i læringsteknologier."
NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens there: Redis as good as stopped


def test_pages_and_sign_in_work_while_redis_cannot_be_reached(
    settings, strategy, institutions, leader_school_a
):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ForgivingRedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = Client()
    # Failed attempts are answered as usual (the rate limit keeps no count while Redis is
    # away), and the right password still signs in.
    for _attempt in range(3):
        response = client.post(
            reverse("account_login"), {"login": leader_school_a.email, "password": "forkert"}
        )
        assert response.status_code == 200
    response = client.post(
        reverse("account_login"), {"login": leader_school_a.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    for name in ("strategy", "dashboard", "report_list"):
        assert client.get(reverse(name)).status_code == 200, name
    page = client.get(reverse("institution_progress", args=[institutions["school_a"].pk]))
    assert page.status_code == 200


def _wsgi_get(path: str, cookie: str = "") -> int:
    """A request through Django's real WSGI handler, which (unlike the test client) runs
    the connection checks at the start and end of each request."""
    statuses = []
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": BytesIO(),
        "HTTP_COOKIE": cookie,
    }
    body = WSGIHandler()(environ, lambda status, headers: statuses.append(status))
    b"".join(body)
    body.close()
    return int(statuses[0].split()[0])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_replaced_on_the_next_request(strategy, committee_member):
    client = Client()
    client.force_login(committee_member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    assert _wsgi_get(reverse("strategy"), cookie) == 200
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=database["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [backend])
    # The next request finds the connection dead, drops it and opens a new one.
    assert _wsgi_get(reverse("strategy"), cookie) == 200
    assert connection.connection.info.backend_pid != backend


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_fifty_leaders_tick_at_once_and_every_change_is_kept(strategy, actors):
    schools = make_institutions(actors, schools=50, daycare=0, prefix="Samtidig ")[1:]
    focus = Action.objects.get(text=FOCUS)
    clients = []
    for n, school in enumerate(schools):
        leader = make_person(
            f"leder{n}@example.org", f"Leder {n}", a=(school, Membership.Role.LEADER)
        )
        client = Client()
        client.force_login(leader)
        clients.append((client, school))
    history_before = Progress.history.filter(action=focus).count()

    def tick(n):
        client, school = clients[n]
        url = reverse("progress_update", args=[school.pk, focus.pk])
        data = {"status": "done", "version": "1", "reason": "", "note": f"Skole {n}"}
        return client.post(url, data).status_code

    results = run_together(tick, len(clients))
    assert results == [302] * len(clients)
    rows = Progress.objects.filter(action=focus, institution__in=schools)
    assert sorted(rows.values_list("status", flat=True)) == ["done"] * len(clients)
    assert Progress.history.filter(action=focus).count() == history_before + len(clients)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ten_consultants_edit_one_goal_at_once_and_one_wins(strategy, consultant):
    goal = Goal.objects.filter(domain__strategy=strategy).order_by("pk").first()
    principles = list(goal.principles.values_list("pk", flat=True))
    clients = [Client() for _n in range(10)]
    for client in clients:
        client.force_login(consultant)
    history_before = goal.history.count()

    def edit(n):
        data = {"text": f"Version {n}", "scope": "municipal", "principles": principles}
        url = reverse("item_edit", args=["maal", goal.pk])
        return clients[n].post(url, data | {"version": 1})

    responses = run_together(edit, 10)
    statuses = sorted(getattr(r, "status_code", r) for r in responses)
    assert statuses == [302] + [409] * 9
    goal.refresh_from_db()
    (winner,) = [n for n, r in enumerate(responses) if r.status_code == 302]
    assert (goal.text, goal.version) == (f"Version {winner}", 2)
    assert goal.history.count() == history_before + 1
    # Those who lost see the saved text beside their own, not an error page.
    loser = next(r for r in responses if r.status_code == 409)
    assert f"Version {winner}" in visible_text(loser.content)


# --- The database stops answering -----------------------------------------------------------


@pytest.fixture
def silent_database():
    """The URL of a "database" that accepts connections and never answers, as PostgreSQL does
    when its host hangs; the app in a process of its own is pointed at it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield f"postgres://root@127.0.0.1:{listener.getsockname()[1]}/test"


def in_a_fresh_process(script: str, **env: str) -> subprocess.CompletedProcess:
    """Run `script` after django.setup() in a new interpreter with these settings."""
    return subprocess.run(  # noqa: S603 - this interpreter on our own code
        [sys.executable, "-c", f"import django; django.setup()\n{script}"],
        env=os.environ | {"DJANGO_SETTINGS_MODULE": "strategy_tracker.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# Production settings name static files by collectstatic's manifest, which the image makes and
# this checkout has not: here they are named as the embedded run names them.
SIGN_IN = """
from django.conf import settings
from django.test import Client, override_settings
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES=settings.STORAGES | {"staticfiles": static}):
    response = Client(raise_request_exception=False, HTTP_HOST="localhost").post(
        "/konto/login/",
        {"login": "leder@example.org", "password": "forkert"},
        headers={"X-Forwarded-Proto": "https"},
    )
print(response.status_code, response.get("Retry-After"))
print(response.content.decode())
"""


def test_while_the_database_does_not_answer_a_page_says_try_again_in_danish(silent_database):
    result = in_a_fresh_process(
        SIGN_IN,
        DATABASE_URL=silent_database,
        DATABASE_CONNECT_TIMEOUT="2",
        # Production settings: with DEBUG, Django shows its own error page instead.
        DEBUG="false",
        SECRET_KEY="x" * 50,
    )
    status, page = result.stdout.split("\n", 1)
    assert status == "503 30", result.stderr[-2000:]
    assert "Prøv igen om lidt" in visible_text(page)
    assert "Server Error" not in page


def test_the_health_check_says_503_while_the_database_does_not_answer(silent_database):
    script = (
        "from django.test import Client\n"
        "print(Client(HTTP_HOST='127.0.0.1:8000').get('/sundhed/').status_code)"
    )
    result = in_a_fresh_process(script, DATABASE_URL=silent_database, DATABASE_CONNECT_TIMEOUT="2")
    assert result.stdout.strip() == "503", result.stderr[-2000:]


@pytest.mark.postgres
def test_a_query_that_runs_past_the_statement_timeout_is_stopped():
    script = (
        "from django.db import OperationalError, connection\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(10)')\n"
        "except OperationalError as error:\n"
        "    print('stopped:', error)\n"
    )
    result = in_a_fresh_process(script, DATABASE_STATEMENT_TIMEOUT="1")
    assert "stopped: canceling statement due to statement timeout" in result.stdout, result.stderr


def test_a_report_task_waits_for_a_database_that_is_away(silent_database):
    """Each try meets the silent database; the task tries again (here four times, more than
    the three a failing report gets) instead of giving up at once."""
    port = int(silent_database.rsplit(":", 1)[1].split("/")[0])
    listener = socket.create_server(("127.0.0.1", 0))
    tries, held = [], []

    def count():
        while True:
            try:
                conn, _address = listener.accept()
            except OSError:
                return
            tries.append(1)
            held.append(conn)  # accepted and never answered

    threading.Thread(target=count, daemon=True).start()
    url = silent_database.replace(str(port), str(listener.getsockname()[1]))
    script = (
        "from reports.tasks import report_build_task\n"
        "from strategy_tracker.celery import app\n"
        "app.conf.task_eager_propagates = False  # a retry's own apply() would raise\n"
        "result = report_build_task.apply(args=[1, 1])\n"
        "print(result.state, type(result.result).__name__)"
    )
    try:
        result = in_a_fresh_process(
            script, DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT="1", REPORT_DATABASE_RETRIES="4"
        )
    finally:
        listener.close()
        for conn in held:
            conn.close()
    assert result.stdout.strip() == "FAILURE OperationalError", result.stderr[-2000:]
    assert len(tries) == 5  # the first try and four more


# --- The database cut while the app runs ---------------------------------------------------


class DatabaseProxy:
    """A TCP proxy in front of PostgreSQL that a test can cut. `cut()` drops the open
    connections and leaves new ones unanswered, as when the database's host goes away;
    `restore()` forwards again. `unanswered` counts connections tried during a cut."""

    def __init__(self):
        database = settings.DATABASES["default"]
        self.target = (database["HOST"] or "127.0.0.1", int(database["PORT"] or 5432))
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = f"postgres://{database['USER']}@127.0.0.1:{port}/{database['NAME']}"
        self.forwarding = True
        self.open, self.held, self.unanswered = [], [], 0
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _address = self.listener.accept()
            except OSError:
                return  # closed
            with self.lock:
                if not self.forwarding:
                    self.held.append(client)
                    self.unanswered += 1
                    continue
                server = socket.create_connection(self.target)
                self.open += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                _drop(end)

    def cut(self):
        with self.lock:
            self.forwarding = False
            for end in self.open:
                _drop(end)
            self.open.clear()

    def restore(self):
        with self.lock:
            for end in self.held:
                _drop(end)
            self.held.clear()
            self.forwarding = True

    def close(self):
        self.listener.close()
        self.cut()
        self.restore()


def _drop(end: socket.socket):
    with contextlib.suppress(OSError):  # already closed by the other side
        end.shutdown(socket.SHUT_RDWR)
    end.close()


@pytest.fixture
def database_proxy(transactional_db):
    """The test database, committed (so other processes see it), behind a proxy to cut."""
    proxy = DatabaseProxy()
    yield proxy
    proxy.close()


# A web process: each line on stdin is one sign-in attempt, answered with its status and
# whether the page says "try again". Production settings (DEBUG off), persistent connections.
SIGN_IN_PER_LINE = """
import sys
from django.conf import settings
from django.db import close_old_connections
from django.test import Client, override_settings
static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
client = Client(raise_request_exception=False, HTTP_HOST="localhost")
with override_settings(STORAGES=settings.STORAGES | {"staticfiles": static}):
    for _line in sys.stdin:
        close_old_connections()  # what Django runs as each request starts and ends
        response = client.post(
            "/konto/login/",
            {"login": "leder@example.org", "password": "forkert"},
            headers={"X-Forwarded-Proto": "https"},
        )
        close_old_connections()
        print(response.status_code, "Prøv igen om lidt" in response.content.decode(), flush=True)
"""


@pytest.mark.postgres
def test_pages_say_try_again_while_the_database_is_cut_and_work_when_it_is_back(database_proxy):
    web = subprocess.Popen(  # noqa: S603 - this interpreter on our own code
        [sys.executable, "-c", f"import django; django.setup()\n{SIGN_IN_PER_LINE}"],
        env=os.environ
        | {
            "DJANGO_SETTINGS_MODULE": "strategy_tracker.settings",
            "DATABASE_URL": database_proxy.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "CONN_MAX_AGE": "60",
            "DEBUG": "false",
            "SECRET_KEY": "x" * 50,
        },
        cwd=settings.BASE_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )

    def sign_in() -> str:
        web.stdin.write("\n")
        web.stdin.flush()
        return web.stdout.readline().strip()

    try:
        assert sign_in() == "200 False"  # the form again, "wrong password"
        database_proxy.cut()
        assert sign_in() == "503 True"
        assert sign_in() == "503 True"
        database_proxy.restore()
        assert sign_in() == "200 False"
    finally:
        web.stdin.close()
        web.wait(timeout=30)
    assert database_proxy.unanswered == 2


@pytest.mark.redis
@pytest.mark.postgres
def test_a_report_cut_off_from_the_database_mid_render_is_finished_when_it_is_back(
    media, database_proxy, strategy, actors, committee_member
):
    make_institutions(actors, schools=40, daycare=80)  # a render long enough to cut into
    celery_app.control.purge()
    worker = _worker_process(
        os.environ
        | {
            "DATABASE_URL": database_proxy.url,
            "DATABASE_CONNECT_TIMEOUT": "2",
            "MEDIA_ROOT": str(media),
            "REPORT_DATABASE_RETRY_SECONDS": "1",
        }
    )
    try:
        report = report_request(
            kind="revision", strategy=strategy, parameters={}, by=committee_member
        )
        wait_for(report, statuses=("running", "done"), timeout=60, every=0.02)
        database_proxy.cut()
        time.sleep(6)  # an outage of a few seconds; the task keeps trying
        assert database_proxy.unanswered >= 2
        report.refresh_from_db()
        assert report.status == "running"
        database_proxy.restore()
        assert wait_for(report, timeout=90).status == "done", report.error
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # Taken back by its own task's retry: a second attempt, one file, a readable PDF.
    assert report.attempts == 2
    (pdf,) = Path(media).rglob("*.pdf")
    assert "Revisionsrapport" in pdf_text(pdf.read_bytes())
