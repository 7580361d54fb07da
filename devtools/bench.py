"""The benchmark behind `python manage.py bench`: the main pages, the tick, the reports and
the handleplan batch, measured on the data present.

Pages are requested with Django's test client through the whole middleware stack, and each
is compared with a bare request (a view that only answers "ok") through the same stack in
the same run. Everything the benchmark writes is removed again.
"""

import datetime as dt
import os
import statistics
import subprocess  # runs this interpreter on a script of our own  # nosec B404
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from itertools import count, cycle

import dj_database_url
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.base import BaseCache
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from actions.models import Action, ActionPlan, ActionPlanItem, Progress
from actions.services import plan_item_add
from core import fragments, tenancy
from goals.models import Strategy
from goals.selectors import strategy_current
from institutions.forms import PICKER_SEARCH
from institutions.models import Institution, Membership, User
from institutions.selectors import municipality_current
from reports.documents import report_context, report_html
from reports.models import Report
from reports.pdf import html_to_pdf
from reports.services import report_build
from reports.tables import MADE_BY_WORKER

from .scale import scale_vacuum

EMAIL = "bench-{}@bench.invalid"
CACHED_PAGES = (
    "strategy",
    "dashboard",
    "min_institution",
    "dashboard_by_progress",
    "plan_budgets",
)


def retire():
    fragments.changed(*fragments.KINDS)


def bare(request):
    """The least a request can do: the baseline every page is compared with."""
    return HttpResponse("ok")


@dataclass
class PageResult:
    name: str
    url: str
    queries: int
    median_ms: float
    p95_ms: float
    kb: float = 0.0  # the HTML (or other body) one request answers with
    ratio: float = 0.0


@dataclass
class ReportResult:
    kind: str
    pages: int
    html_s: float
    weasyprint_s: float
    task_s: float

    @property
    def ratio(self) -> float:
        return self.task_s / self.weasyprint_s


@dataclass
class BenchResult:
    data: dict
    pages: list[PageResult] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    worker_peak_mb: float | None = None
    batch: dict = field(default_factory=dict)
    mixed: dict = field(default_factory=dict)
    spreadsheets: dict = field(default_factory=dict)
    compared: dict = field(default_factory=dict)  # another database's data and pages

    def as_json(self) -> dict:
        return {
            "data": self.data,
            "pages": [asdict(page) for page in self.pages],
            "reports": self.reports,
            "worker_peak_mb": self.worker_peak_mb,
            "batch": self.batch,
            "mixed": self.mixed,
            "spreadsheets": self.spreadsheets,
            "compared": self.compared,
        }


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _nothing() -> None:
    return None


@dataclass
class Measure:
    """A page to measure: how to request it, and what to do before each request (outside
    what is counted and timed)."""

    name: str
    url: str
    request: Callable[[], object]
    prepare: Callable[[], None] = _nothing


def _first(measure: Measure) -> tuple[int, float]:
    """The queries and kilobytes of one request, after a warm-up."""
    measure.prepare()
    measure.request()
    measure.prepare()
    with CaptureQueriesContext(connection) as queries:
        response = measure.request()
    ran = len(queries)  # read now: the next request clears the connection's log
    return ran, len(getattr(response, "content", b"")) / 1024


def _timed(measure: Measure) -> float:
    measure.prepare()
    started = time.perf_counter()
    measure.request()
    return (time.perf_counter() - started) * 1000


def _page_result(measure: Measure, queries: int, kb: float, times: list[float]) -> PageResult:
    return PageResult(
        measure.name,
        measure.url,
        queries,
        round(statistics.median(times), 2),
        round(_percentile(times, 0.95), 2),
        round(kb, 1),
    )


def _result(measure: Measure, repeat: int) -> PageResult:
    queries, kb = _first(measure)
    return _page_result(measure, queries, kb, [_timed(measure) for _n in range(repeat)])


def _with_ratios(results: list[PageResult]) -> list[PageResult]:
    """Each page's median against the bare request's, which comes first."""
    bare_ms = results[0].median_ms
    for result in results:
        result.ratio = round(result.median_ms / bare_ms, 2)
    return results


def _people(school: Institution) -> dict[str, User]:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    consultant = User.objects.create_user(
        EMAIL.format("konsulent"), None, role=User.Role.CONSULTANT
    )
    TOTP.activate(consultant, generate_totp_secret())
    leader = User.objects.create_user(EMAIL.format("leder"), None)
    Membership.objects.create(user=leader, institution=school, role=Membership.Role.LEADER)
    admin = User.objects.create_superuser(EMAIL.format("admin"), None)
    TOTP.activate(admin, generate_totp_secret())  # the admin site asks for two factors
    return {"consultant": consultant, "leader": leader, "admin": admin}


def _client(user) -> Client:
    """A client of the municipality acted for: on its host name, where it has one (one of
    several municipalities)."""
    host = municipality_current().host
    client = Client(HTTP_HOST=host) if host else Client()
    client.force_login(user)
    return client


def _ok(response):
    """The answer, if it is one: a page, or a redirect (to a person's own institution, say)
    that is not to the sign-in page."""
    if response.request["REQUEST_METHOD"] == "GET" and not (
        response.status_code == 200
        or (response.status_code == 302 and "/konto/" not in response["Location"])
    ):
        raise RuntimeError(f"{response.request['PATH_INFO']} answered {response.status_code}")
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request['PATH_INFO']} answered {response.status_code}")
    return response


# Pages the bench does not request, and why; every other page a person can open is requested
# (tests/test_bench.py holds the bench to every URL of the project).
NOT_BENCHED = {
    "strategy_compare": "needs a draft version beside the adopted one",
    "strategy_adopt": "needs a draft version",
    "strategy_create": "a POST",
    "strategy_model_copy": "a POST that copies another municipality's model",
    "strategy_share": "a POST",
    "comparison_join": "a POST",
    "action_carry_over": "a POST, and only in a draft",
    "item_move": "a POST",
    "goal_progress_update": "a POST",
    "measurement_add": "a POST",
    "local_plan_approve": "a POST",
    "municipal_plan_approve": "a POST",
    "local_plan_item_delete": "a POST",
    "municipal_plan_item_delete": "a POST",
    "getting_started_mark": "a POST",
    "sign_in_limit_lift": "a POST",
    "sign_in_kombit_save": "a POST",
    "sign_in_unilogin_save": "a POST",
    "sign_in_directory_save": "a POST",
    "operators_admit": "a POST",
    "sign_in_test_start": "a POST that leaves for the identity provider",
    "person_deactivate": "a POST",
    "person_anonymise": "a form that changes a person for good",
    "spreadsheet_import_confirm": "needs an uploaded file",
    "spreadsheet_failed_rows": "needs an uploaded file",
    "strategy_workbook_import": "a POST of a file",
    "strategy_workbook_confirm": "needs an uploaded file",
    "strategy_workbook_errors": "needs an uploaded file",
    "data_export": "a POST that starts the archive, measured with the reports",
    "report_request": "a POST, measured with the reports",
    "report_batch": "a POST, measured as the batch",
    "report_retry": "a POST",
    "report_detail": "needs a report; the reports are measured on their own",
    "report_download": "a file",
    "report_download_word": "a file",
    "two_factor_continue": "part of signing in",
}


def _other_pages(*, strategy, school, row, clients) -> list[tuple[str, str, Client]]:
    """Every other page, each once with the largest realistic parameters, named by its URL
    name: the consultant's pages and the leader's own."""
    consultant, leader = clients["consultant"], clients["leader"]
    action = Action.objects.get(pk=row.action_id)
    goal, domain = action.goal, action.goal.domain
    plan = ActionPlan.objects.filter(institution=school, strategy=strategy).first()
    item = plan.items.order_by("pk").first() if plan else None
    municipal_item = (
        ActionPlanItem.objects.filter(plan__institution=None, plan__strategy=strategy)
        .order_by("pk")
        .first()
    ) or plan_item_add(  # rolled back with the rest of what the pages write
        strategy=strategy,
        institution=None,
        item=ActionPlanItem(action=action, budget=1000),
        by=clients["consultant_user"],
    )
    person = Membership.objects.filter(institution=school).select_related("user").first().user
    pages = [
        ("home", reverse("home"), consultant),
        ("strategy_version", reverse("strategy_version", args=[strategy.pk]), consultant),
        ("strategy_versions", reverse("strategy_versions"), consultant),
        ("strategy_models", reverse("strategy_models"), consultant),
        ("comparison", reverse("comparison"), consultant),
        ("revision_start", reverse("revision_start", args=[strategy.pk]), consultant),
        ("strategy_dashboard", reverse("strategy_dashboard", args=[strategy.pk]), consultant),
        ("item_edit (goal)", reverse("item_edit", args=["maal", goal.pk]), consultant),
        ("item_create", reverse("item_create", args=["handling", goal.pk]), consultant),
        ("item_delete", reverse("item_delete", args=["domaene", domain.pk]), consultant),
        ("item_history", reverse("item_history", args=["handling", action.pk]), consultant),
        ("accessibility", reverse("accessibility"), leader),
        ("getting_started", reverse("getting_started"), consultant),
        ("institution_create", reverse("institution_create"), consultant),
        ("actor_list", reverse("actor_list"), consultant),
        (
            "institution_choices",
            reverse("institution_choices") + f"?felt=institutions&{PICKER_SEARCH}=skole",
            consultant,
        ),
        ("actor_edit", reverse("actor_edit", args=[school.actor_id]), consultant),
        ("institution_edit", reverse("institution_edit", args=[school.pk]), consultant),
        ("person_list", reverse("person_list"), consultant),
        ("person_edit", reverse("person_edit", args=[person.pk]), consultant),
        ("sign_in_limits", reverse("sign_in_limits"), consultant),
        ("sign_in_settings", reverse("sign_in_settings"), consultant),
        ("sign_in_test_result", reverse("sign_in_test_result"), consultant),
        ("data_protection", reverse("data_protection"), consultant),
        ("spreadsheet_import", reverse("spreadsheet_import"), consultant),
        (
            "spreadsheet_template",
            reverse("spreadsheet_template", args=["institutioner"]),
            consultant,
        ),
        (
            "spreadsheet_export (institutions, CSV)",
            reverse("spreadsheet_export", args=["institutioner", "csv"]),
            consultant,
        ),
        (
            "spreadsheet_export (strategy, XLSX)",
            reverse("spreadsheet_export", args=["strategi", "xlsx"]),
            consultant,
        ),
        (
            "spreadsheet_export (progress, XLSX)",
            reverse("spreadsheet_export", args=["status", "xlsx"]) + f"?institution={school.pk}",
            leader,
        ),
        ("strategy_workbook_export", reverse("strategy_workbook_export"), consultant),
        ("my_institution", reverse("my_institution"), leader),
        (
            "min_institution (a domain open)",
            reverse("institution_progress", args=[school.pk]) + f"?domaene={domain.pk}",
            leader,
        ),
        ("municipal_plan", reverse("municipal_plan"), consultant),
        ("pool_allocation", reverse("pool_allocation"), consultant),
        (
            "export_csv",
            reverse("dashboard_export", args=["institutioner", "csv"]),
            consultant,
        ),
    ]
    if item:
        pages.append(
            ("local_plan_item", reverse("local_plan_item", args=[school.pk, item.pk]), leader)
        )
    pages.append(
        (
            "municipal_plan_item",
            reverse("municipal_plan_item", args=[municipal_item.pk]),
            consultant,
        )
    )
    return pages


def page_measures(*, strategy, school, people) -> list[Measure]:
    """Every main page, the tick and the admin changelists, the bare request first."""
    consultant, leader = _client(people["consultant"]), _client(people["leader"])
    admin = _client(people["admin"])
    clients = {"consultant": consultant, "leader": leader, "consultant_user": people["consultant"]}
    row = (
        Progress.objects.filter(institution=school, action__goal__domain__strategy=strategy)
        .order_by("pk")
        .first()
    )
    history_url = reverse("progress_history", args=[school.pk, row.action_id])
    pages = [
        ("bare", reverse("bench_bare"), leader),
        ("strategy", reverse("strategy"), consultant),
        ("dashboard", reverse("dashboard"), consultant),
        ("min_institution", reverse("institution_progress", args=[school.pk]), leader),
        ("handleplan", reverse("local_plan", args=[school.pk]), leader),
        ("report_list", reverse("report_list"), consultant),
        ("history", history_url, leader),
        ("recent_changes", reverse("institution_changes", args=[school.pk]), leader),
        ("admin_progress", reverse("admin:actions_progress_changelist"), admin),
        ("admin_action", reverse("admin:actions_action_changelist"), admin),
        ("institution_list", reverse("institution_list"), consultant),
        (
            "dashboard_domain",
            reverse("dashboard_domain", args=[strategy.domains.order_by("order").first().pk]),
            consultant,
        ),
        # Pages whose choices or rows grow with the institutions.
        ("person_form", reverse("person_create"), consultant),
        ("action_form", reverse("item_edit", args=["handling", row.action_id]), consultant),
        ("plan_budgets", reverse("plan_budgets"), consultant),
        ("dashboard_by_progress", reverse("dashboard") + "?sort=-percent", consultant),
        (
            "export_xlsx (asks a worker)",
            reverse("dashboard_export", args=["institutioner", "xlsx"]),
            consultant,
        ),
    ]
    pages += _other_pages(strategy=strategy, school=school, row=row, clients=clients)

    def get(client, url):
        return lambda: _ok(client.get(url))

    measures = [Measure(name, url, get(client, url)) for name, url, client in pages]
    # The cached pages again, each time as on the first request after a change: of the
    # strategy (everything retired), and after a tick at another institution (what a tick
    # retires: progress, and that institution's own page).
    measures += [
        Measure(f"{name} (changed)", url, get(client, url), retire)
        for name, url, client in pages
        if name in CACHED_PAGES
    ]
    elsewhere = Institution.objects.exclude(pk=school.pk).order_by("pk").first()

    def ticked_elsewhere():
        fragments.changed(fragments.PROGRESS, fragments.institution(elsewhere.pk))

    measures += [
        Measure(f"{name} (after a tick)", url, get(client, url), ticked_elsewhere)
        for name, url, client in pages
        if name in CACHED_PAGES
    ]
    # The dashboard for a "changes since" date it has not shown before, every time.
    days = (timezone.localdate() - dt.timedelta(days=40 + 9 * (n % 300)) for n in count())
    since = {"day": ""}

    def new_date():
        since["day"] = next(days).isoformat()

    measures.append(
        Measure(
            "dashboard (new since date)",
            reverse("dashboard"),
            lambda: _ok(consultant.get(reverse("dashboard"), {"since": since["day"]})),
            new_date,
        )
    )
    tick_url = reverse("progress_update", args=[school.pk, row.action_id])
    statuses = cycle(["done", "in_progress"])
    data = {"reason": "", "note": ""}

    def prepare():  # what the leader's page holds: the row's version, and the other status
        data["version"] = Progress.objects.values_list("version", flat=True).get(pk=row.pk)
        data["status"] = next(statuses)

    def tick():
        return _ok(leader.post(tick_url, data))

    def tick_htmx():  # as the browser sends it: answered with the row and its counts
        return _ok(leader.post(tick_url, data, headers={"HX-Request": "true"}))

    measures.append(Measure("tick", tick_url, tick, prepare))
    measures.append(Measure("tick (htmx)", tick_url, tick_htmx, prepare))
    return measures


def bench_pages(*, strategy, school, people, repeat: int) -> list[PageResult]:
    """Every page, each against the bare request."""
    measures = page_measures(strategy=strategy, school=school, people=people)
    return _with_ratios([_result(measure, repeat) for measure in measures])


@dataclass
class Side:
    """One database with the cache its pages use, measured beside another."""

    connection: BaseDatabaseWrapper
    cache: BaseCache
    municipality: int  # the one its pages act for (core.tenancy)


@contextmanager
def _acting_on(side: Side):
    """Requests, queries and cached parts go to `side` until the block ends."""
    before = connections[DEFAULT_DB_ALIAS], caches[DEFAULT_CACHE_ALIAS]
    connections[DEFAULT_DB_ALIAS], caches[DEFAULT_CACHE_ALIAS] = side.connection, side.cache
    try:
        with tenancy.acting_for(side.municipality):
            yield
    finally:
        connections[DEFAULT_DB_ALIAS], caches[DEFAULT_CACHE_ALIAS] = before


def _other_side(database_url: str) -> Side:
    """The database at `database_url`, on this one's settings, with a cache of its own
    (the same cache under another key prefix), so neither serves the other's pages."""
    database = {
        **connections.settings[DEFAULT_DB_ALIAS],
        **{
            key: value
            for key, value in dj_database_url.parse(database_url).items()
            if key in {"ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT"}
        },
    }
    if database["ENGINE"] != connection.settings_dict["ENGINE"]:
        raise RuntimeError("The database to compare with must be of the same kind.")
    wrapper = load_backend(database["ENGINE"]).DatabaseWrapper(database, DEFAULT_DB_ALIAS)
    cache = dict(settings.CACHES[DEFAULT_CACHE_ALIAS])
    backend = import_string(cache.pop("BACKEND"))
    location = cache.pop("LOCATION", "")
    cache["KEY_PREFIX"] = f"bench-{database['NAME']}"
    with wrapper.cursor() as cursor:  # its only municipality, as its own requests choose
        cursor.execute("SELECT min(id) FROM institutions_municipality")
        (municipality,) = cursor.fetchone()
    return Side(wrapper, backend(location or f"bench-{database['NAME']}", cache), municipality)


def _content_types() -> list[tuple]:
    return list(ContentType.objects.order_by("pk").values_list("pk", "app_label", "model"))


def _removed(people: dict[str, User]) -> None:
    """What the benchmark's people made, and the people."""
    Report.objects.filter(requested_by__in=people.values()).delete()
    Progress.history.filter(history_user__in=people.values()).delete()
    User.objects.filter(pk__in=[person.pk for person in people.values()]).delete()


def _on_side(side: Side, work: Callable[[], object]) -> None:
    with _acting_on(side):
        work()


def _rolled_back() -> ExitStack:
    """A transaction left open until the stack closes, then rolled back."""
    stack = ExitStack()
    stack.enter_context(transaction.atomic())
    stack.callback(transaction.set_rollback, True)  # runs first, inside the transaction
    return stack


def _alternately(sides: list[Side], pair: tuple[Measure, ...], repeat: int) -> list[PageResult]:
    """One page on each side: the first request on each, then `repeat` timed requests, one
    side's and then the other's, so both meet the machine as it is at that moment."""
    firsts, times = [], [[] for _side in sides]
    for side, measure in zip(sides, pair, strict=True):
        with _acting_on(side):
            firsts.append(_first(measure))
    for _n in range(repeat):
        for side, measure, measured in zip(sides, pair, times, strict=True):
            with _acting_on(side):
                measured.append(_timed(measure))
    return [
        _page_result(measure, *first, measured)
        for measure, first, measured in zip(pair, firsts, times, strict=True)
    ]


def bench_sizes(
    *, strategy, school, people, database_url: str, repeat: int
) -> tuple[list[PageResult], dict]:
    """The pages on this database and on the one at `database_url` (another size of
    municipality), a request on each in turn, so a machine that slows down or speeds up during
    the run weighs on both alike. Answers this database's pages, and the other's data and
    pages."""
    this = Side(connections[DEFAULT_DB_ALIAS], caches[DEFAULT_CACHE_ALIAS], tenancy.current())
    other = _other_side(database_url)
    content_types = _content_types()
    with _acting_on(other):
        if _content_types() != content_types:
            raise RuntimeError("The databases differ in their tables; migrate both alike.")
    other_data, measures = {}, []
    with ExitStack() as cleanup:
        cleanup.callback(other.connection.close)
        for side in (this, other):
            with _acting_on(side):
                if side is other:
                    strategy, school = bench_subjects()
                    people = _people(school)
                    other_data = data_summary(strategy)
                    cleanup.callback(_on_side, side, partial(_removed, people))
                cleanup.callback(_on_side, side, _rolled_back().close)
                measures.append(page_measures(strategy=strategy, school=school, people=people))
        pages = [_alternately([this, other], pair, repeat) for pair in zip(*measures, strict=True)]
    theirs = _with_ratios([there for _here, there in pages])
    return (
        _with_ratios([here for here, _there in pages]),
        {"data": other_data, "pages": [asdict(page) for page in theirs]},
    )


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _median_seconds(work: Callable[[], object], repeat: int) -> float:
    return statistics.median(_seconds(work) for _n in range(repeat))


def bench_reports(*, strategy, school, people, repeat: int = 3) -> list[ReportResult]:
    """Each kind of report: its HTML, WeasyPrint alone on that HTML, and the whole task,
    each the median of `repeat` runs (a task claims its report, so each run has its own)."""
    results = []
    kinds = [
        ("status", None, {"since": str(timezone.localdate() - dt.timedelta(days=30))}),
        ("revision", None, {"recommendations": ""}),
        ("action_plan", school, {}),
    ]
    for kind, institution, parameters in kinds:
        reports = [
            Report.objects.create(
                kind=kind,
                strategy=strategy,
                institution=institution,
                parameters=parameters,
                requested_by=people["consultant"],
            )
            for _n in range(repeat)
        ]
        today = timezone.localdate()

        def html_of(report, today=today):
            return report_html(report=report, context=report_context(report=report, today=today))

        html = html_of(reports[0])
        pdf = html_to_pdf(html)
        html_s = _median_seconds(partial(html_of, reports[0]), repeat)
        weasyprint_s = _median_seconds(partial(html_to_pdf, html), repeat)
        task_s = statistics.median(
            _seconds(partial(report_build, report_id=report.pk)) for report in reports
        )
        results.append(ReportResult(kind, pdf.page_count, html_s, weasyprint_s, task_s))
    return results


def bench_spreadsheets(*, strategy, people) -> dict:
    """The workbooks of every institution, which a worker makes: seconds and kilobytes."""
    made = {}
    for table in MADE_BY_WORKER:
        report = Report.objects.create(
            kind=Report.Kind.SPREADSHEET,
            strategy=strategy,
            parameters={"table": table, "filters": {}},
            requested_by=people["consultant"],
        )
        seconds = _seconds(partial(report_build, report_id=report.pk))
        report.refresh_from_db()
        made[table] = {"seconds": round(seconds, 2), "kb": round(report.file.size / 1024, 1)}
    return made


WORKER_SCRIPT = """
import resource, django
django.setup()
from reports.tasks import report_build_task
report_build_task.apply(args=[{report_id}, {municipality}]).get()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _process_env() -> dict[str, str]:
    """The environment of a second process on the same database, a test database included."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strategy_tracker.settings"}
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        env["DATABASE_URL"] = (
            f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        )
    return env


def worker_peak_mb(*, report: Report) -> float:
    """Peak memory of a fresh process that runs the report task, as a worker would."""
    script = WORKER_SCRIPT.format(report_id=report.pk, municipality=report.municipality_id)
    output = subprocess.run(  # noqa: S603 - this interpreter, a script from an id  # nosec B603
        [sys.executable, "-c", script],
        check=True,
        capture_output=True,
        text=True,
        env=_process_env(),
        cwd=settings.BASE_DIR,
    ).stdout
    return round(int(output.split()[-1]) / 1024, 1)  # ru_maxrss is in KiB on Linux


# A tick a second somewhere in the municipality, from a process of its own: each goes through
# the service (tally, history, retired page parts) and is rolled back, so nothing is kept.
TICKER_SCRIPT = """
import time, django
django.setup()
from django.db import transaction
from actions.models import Progress
from actions.services import progress_set
from core.tenancy import begin
begin({municipality})
rows, started, ticks = {row_ids}, time.monotonic(), 0
while time.monotonic() - started < {seconds}:
    row = Progress.objects.get(pk=rows[ticks % len(rows)])
    with transaction.atomic():
        progress_set(progress_id=row.pk, status="in_progress" if row.status == "done" else "done",
                     reason="", note=row.note, expected_version=row.version, by=None)
        transaction.set_rollback(True)
    ticks += 1
    time.sleep(1)
print(ticks)
"""


def _read_for(seconds: float, pages: list[tuple[str, str, Client]]) -> dict[str, list[float]]:
    """Each page in turn, again and again for `seconds`: every request's milliseconds."""
    times: dict[str, list[float]] = {name: [] for name, _url, _client in pages}
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for name, url, client in pages:
            began = time.perf_counter()
            _ok(client.get(url))
            times[name].append((time.perf_counter() - began) * 1000)
    return times


def bench_mixed_load(*, school, people, seconds: float) -> dict:
    """The readers' pages, read in a loop: quiet, then with a tick a second elsewhere from a
    second process. Medians and 95th percentiles of both."""
    consultant, leader = _client(people["consultant"]), _client(people["leader"])
    pages = [
        ("strategy", reverse("strategy"), consultant),
        ("dashboard", reverse("dashboard"), consultant),
        ("min_institution", reverse("institution_progress", args=[school.pk]), leader),
    ]
    row_ids = list(
        Progress.objects.exclude(institution=school)
        .filter(institution__is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:50]
    )
    quiet = _read_for(seconds, pages)
    ticker = subprocess.Popen(  # noqa: S603 - this interpreter, our own script  # nosec B603
        [
            sys.executable,
            "-c",
            TICKER_SCRIPT.format(row_ids=row_ids, seconds=seconds, municipality=tenancy.current()),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_process_env(),
        cwd=settings.BASE_DIR,
    )
    ticking = _read_for(seconds, pages)
    output, _errors = ticker.communicate(timeout=seconds + 60)
    if ticker.returncode:
        raise RuntimeError("The ticking process failed.")

    def summary(times: list[float]) -> dict:
        return {
            "requests": len(times),
            "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(_percentile(times, 0.95), 1),
        }

    return {
        "seconds": seconds,
        "ticks": int(output.split()[-1]),
        "pages": {
            name: {"quiet": summary(quiet[name]), "ticking": summary(ticking[name])}
            for name in quiet
        },
    }


def _build_part(report_id: int) -> None:
    report_build(report_id=report_id)


def _run_batch(report_ids: list[int], processes: int) -> float:
    connections.close_all()  # each process opens its own connection
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=processes) as pool:
        list(pool.map(_build_part, report_ids))
    return time.perf_counter() - started


def bench_batch(*, strategy, people, limit: int) -> dict:
    """The local handleplaner, made by one and by two worker processes."""
    institutions = list(
        Institution.objects.local()
        .filter(is_active=True, action_plans__strategy=strategy)
        .order_by("name")[:limit]
    )
    timings = {}
    # One untimed round first, so neither timed round pays for cold caches alone.
    for processes in (2, 1, 2):
        parts = Report.objects.bulk_create(
            Report(
                kind=Report.Kind.ACTION_PLAN,
                strategy=strategy,
                institution=institution,
                requested_by=people["consultant"],
            )
            for institution in institutions
        )
        timings[processes] = _run_batch([part.pk for part in parts], processes)
    # The first round (two workers) only warmed up; the last one is the timed one.
    return {
        "plans": len(institutions),
        "one_worker_s": round(timings[1], 2),
        "two_workers_s": round(timings[2], 2),
        "speedup": round(timings[1] / timings[2], 2),
    }


def data_summary(strategy) -> dict:
    return {
        "database": connection.vendor,
        "institutions": Institution.objects.count(),
        "actions": Action.objects.filter(goal__domain__strategy=strategy).count(),
        "progress_rows": Progress.objects.count(),
        "history_rows": Progress.history.count(),
        "handleplaner": ActionPlan.objects.filter(strategy=strategy).count(),
        # So a figure can be judged: how many cores, and how busy they were as it began.
        "cores": os.cpu_count(),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def bench_subjects() -> tuple[Strategy, Institution]:
    """The strategy in force, and the school whose pages are requested."""
    strategy = strategy_current()
    if strategy is None:
        raise RuntimeError("No strategy is in force; run load_strategy first.")
    school = (
        Institution.objects.filter(actor__code="skole", is_active=True, action_plans__isnull=False)
        .order_by("pk")
        .first()
        or Institution.objects.filter(actor__code="skole", is_active=True).order_by("pk").first()
    )
    return strategy, school


def bench_run(
    *,
    repeat: int = 20,
    report_repeat: int = 3,
    batch_limit: int = 40,
    batch: bool = True,
    worker: bool = True,
    mixed_seconds: float = 0,
    compare_with: str = "",
) -> BenchResult:
    """Measure everything, then remove what the benchmark made. With `compare_with` (another
    database's URL), the pages are measured on both, interleaved."""
    scale_vacuum()  # what earlier runs rolled back, cleared first
    strategy, school = bench_subjects()
    result = BenchResult(data=data_summary(strategy))
    media = tempfile.TemporaryDirectory(prefix="bench-media-")
    people = _people(school)
    try:
        with override_settings(
            ROOT_URLCONF="devtools.bench_urls",
            ALLOWED_HOSTS=["*"],
            MEDIA_ROOT=media.name,
            DEBUG=False,
        ):
            if compare_with:
                result.pages, result.compared = bench_sizes(
                    strategy=strategy,
                    school=school,
                    people=people,
                    database_url=compare_with,
                    repeat=repeat,
                )
            else:
                with transaction.atomic():
                    # The tick's changes and the page visits' side effects are rolled back.
                    result.pages = bench_pages(
                        strategy=strategy, school=school, people=people, repeat=repeat
                    )
                    transaction.set_rollback(True)
            if mixed_seconds:
                result.mixed = bench_mixed_load(school=school, people=people, seconds=mixed_seconds)
            reports = bench_reports(
                strategy=strategy, school=school, people=people, repeat=report_repeat
            )
            result.reports = [
                {**asdict(report), "ratio": round(report.ratio, 2)} for report in reports
            ]
            result.spreadsheets = bench_spreadsheets(strategy=strategy, people=people)
            if worker:
                revision = Report.objects.create(
                    kind="revision",
                    strategy=strategy,
                    parameters={"recommendations": ""},
                    requested_by=people["consultant"],
                )
                os.environ["MEDIA_ROOT"] = media.name
                result.worker_peak_mb = worker_peak_mb(report=revision)
            if batch:
                result.batch = bench_batch(strategy=strategy, people=people, limit=batch_limit)
    finally:
        _removed(people)
        media.cleanup()
    return result
