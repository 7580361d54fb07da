"""The benchmark runs end to end on a small generated data set. This checks the command, not
the timings: those are measured at Copenhagen scale and written in the README."""

import json
from contextlib import contextmanager, nullcontext
from urllib.parse import urlsplit

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import resolve
from psycopg import sql

from actions.models import Progress
from devtools.bench import NOT_BENCHED
from institutions.models import User
from reports.models import Report
from tests.conftest import make_institutions
from tests.test_permission_matrix import all_routes

PAGES = {
    "bare",
    "tick (htmx)",
    "person_form",
    "action_form",
    "plan_budgets",
    "strategy",
    "dashboard",
    "min_institution",
    "handleplan",
    "report_list",
    "history",
    "recent_changes",
    "admin_progress",
    "admin_action",
    "tick",
    "strategy (changed)",
    "dashboard (changed)",
    "min_institution (changed)",
    "strategy (after a tick)",
    "dashboard (after a tick)",
    "min_institution (after a tick)",
    "dashboard_by_progress",
    "dashboard_by_progress (changed)",
    "dashboard_by_progress (after a tick)",
    "export_xlsx (asks a worker)",
    "institution_list",
    "dashboard_domain",
    "dashboard (new since date)",
}


@pytest.mark.django_db(transaction=True)
def test_bench_measures_every_page_report_and_the_batch_and_leaves_nothing(
    strategy, actors, tmp_path, capsys
):
    call_command("generate_scale", institutions=6, goals=6, actions=20, years=1, seed=3)
    # A worker in a process of its own needs a database it can reach: not SQLite in memory;
    # so does a second database to compare the pages with.
    separate_processes = connection.vendor == "postgresql"
    with _copy_of_this_database() if separate_processes else nullcontext() as other:
        statuses_there = list(Progress.objects.order_by("pk").values_list("status", "version"))
        if other:
            make_institutions(actors, schools=2, daycare=1, prefix="Flere ")  # here only
        statuses = list(Progress.objects.order_by("pk").values_list("status", "version"))
        out = tmp_path / "bench.json"
        call_command(
            "bench",
            repeat=1,
            report_repeat=1,
            batch_limit=2,
            json=str(out),
            no_batch=not separate_processes,
            no_worker=not separate_processes,
            mixed_seconds=1 if separate_processes else 0,
            compare_with=_url(other) if other else "",
        )
        if other:
            _assert_compared(json.loads(out.read_text()), other, statuses_there)
    data = json.loads(out.read_text())
    assert {page["name"] for page in data["pages"]} >= PAGES
    # Every page a person can open is measured, or the bench says why not.
    benched = {
        resolve(urlsplit(page["url"]).path, urlconf="devtools.bench_urls").url_name
        for page in data["pages"]
    }
    for route, name in all_routes():
        if route.startswith(("konto/", "admin/")):
            continue  # allauth's and the admin site's own pages
        assert name in benched or name in NOT_BENCHED, name
    assert not benched & set(NOT_BENCHED)
    for page in data["pages"]:
        assert page["median_ms"] > 0 and page["p95_ms"] >= page["median_ms"]
        assert page["queries"] > 0 or page["name"] == "bare"
    weights = {page["name"]: page["kb"] for page in data["pages"]}
    assert weights["bare"] == round(len(b"ok") / 1024, 1)
    assert weights["strategy"] > 10  # the whole strategy as a document
    assert data["data"]["cores"] >= 1 and data["data"]["load_1min"] >= 0
    assert next(p for p in data["pages"] if p["name"] == "bare")["ratio"] == 1.0
    queries = {page["name"]: page["queries"] for page in data["pages"]}
    for name in ("strategy", "dashboard", "min_institution"):
        assert queries[name] < queries[f"{name} (changed)"]  # from the cache between changes
    # After a tick elsewhere the strategy's document is still cached: only its counts are read.
    assert queries["strategy (after a tick)"] < queries["strategy (changed)"]
    assert [report["kind"] for report in data["reports"]] == ["status", "revision", "action_plan"]
    assert all(r["pages"] >= 1 and r["weasyprint_s"] > 0 for r in data["reports"])
    # The workbooks of every institution, made by a worker, hold a row for each.
    assert set(data["spreadsheets"]) == {"institutioner", "register"}
    assert all(made["seconds"] > 0 and made["kb"] > 1 for made in data["spreadsheets"].values())
    if separate_processes:
        assert data["worker_peak_mb"] > 50
        assert data["batch"]["plans"] == 2 and data["batch"]["speedup"] > 0
        mixed = data["mixed"]
        assert mixed["ticks"] >= 1  # the second process ticked while the pages were read
        assert set(mixed["pages"]) == {"strategy", "dashboard", "min_institution"}
        assert all(page["ticking"]["requests"] > 0 for page in mixed["pages"].values())
    output = capsys.readouterr().out
    assert "× bare" in output
    assert not separate_processes or "Pages over 1.5× the other's time:" in output
    # What the benchmark made is gone; the tick's changes were rolled back.
    assert not User.objects.filter(email__endswith="@bench.invalid").exists()
    assert not Report.objects.exists()
    assert list(Progress.objects.order_by("pk").values_list("status", "version")) == statuses


@contextmanager
def _copy_of_this_database():
    """A second database holding what this one holds now, as another size of municipality
    would; dropped afterwards. PostgreSQL copies a database only while no one is connected."""
    settings = connection.settings_dict
    name, copy = settings["NAME"], f"{settings['NAME']}_compared"
    server = {
        "host": settings["HOST"] or "localhost",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"],
        "password": settings["PASSWORD"] or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(copy))
    connections.close_all()
    with psycopg.connect(**server) as postgres:
        postgres.execute(drop)
        postgres.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(name)
            )
        )
    try:
        yield {**server, "dbname": copy}
    finally:
        with psycopg.connect(**server) as postgres:
            postgres.execute(drop)


def _url(database: dict) -> str:
    password = f":{database['password']}" if database["password"] else ""
    return (
        f"postgres://{database['user']}{password}@{database['host']}:{database['port']}/"
        f"{database['dbname']}"
    )


def _assert_compared(data: dict, other: dict, statuses: list[tuple]) -> None:
    """The pages were measured on the other database too, and left it as it was."""
    compared = data["compared"]
    assert compared["data"]["institutions"] == data["data"]["institutions"] - 4
    here = {page["name"]: page for page in data["pages"]}
    there = {page["name"]: page for page in compared["pages"]}
    assert list(here) == list(there)
    for name, page in there.items():
        assert page["median_ms"] > 0 and page["queries"] == here[name]["queries"], name
    # Each database answered its own pages, from a cache of its own: here the lists and the
    # dashboard hold four more institutions.
    for name in ("institution_list", "dashboard", "dashboard (after a tick)"):
        assert here[name]["kb"] > there[name]["kb"], name
    connections.close_all()
    with psycopg.connect(**other) as copy:
        people = copy.execute(
            "SELECT count(*) FROM institutions_user WHERE email LIKE %s", ["%@bench.invalid"]
        ).fetchone()
        kept = copy.execute("SELECT status, version FROM actions_progress ORDER BY id").fetchall()
    assert people == (0,)
    assert kept == statuses  # the ticks there were rolled back
