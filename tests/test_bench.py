"""The benchmark runs end to end on a small generated data set. This checks the command, not
the timings: those are measured at Copenhagen scale and written in the README."""

import json
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import resolve

from actions.models import Progress
from devtools.bench import NOT_BENCHED
from institutions.models import User
from reports.models import Report
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
    call_command("generate_scale", institutions=12, goals=15, actions=50, years=1, seed=3)
    statuses = list(Progress.objects.order_by("pk").values_list("status", "version"))
    # A worker in a process of its own needs a database it can reach: not SQLite in memory.
    separate_processes = connection.vendor == "postgresql"
    out = tmp_path / "bench.json"
    call_command(
        "bench",
        repeat=2,
        report_repeat=1,
        batch_limit=2,
        json=str(out),
        no_batch=not separate_processes,
        no_worker=not separate_processes,
        mixed_seconds=2 if separate_processes else 0,
    )
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
    assert "× bare" in capsys.readouterr().out
    # What the benchmark made is gone; the tick's changes were rolled back.
    assert not User.objects.filter(email__endswith="@bench.invalid").exists()
    assert not Report.objects.exists()
    assert list(Progress.objects.order_by("pk").values_list("status", "version")) == statuses
