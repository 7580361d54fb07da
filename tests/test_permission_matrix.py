"""Every URL of the project, for every role: the status each gets, and that refused writes
change nothing. Adding a URL without an entry here fails `test_every_url_has_an_entry`."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialApp
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from actions.models import Action, ActionPlan, ActionPlanItem, GoalProgress, PoolShare, Progress
from actions.services import plan_item_add
from goals.models import Goal, Indicator, Measurement, Strategy
from institutions.models import Actor, Institution, Membership, Municipality, User
from reports.models import Report
from tests.conftest import make_person, visible_text, with_totp
from tests.factories import PersonFactory

ROLES = ["anonymous", "committee", "leader_a", "leader_b", "resource_a", "consultant", "superuser"]


def all_routes(patterns=None, prefix="", namespace=""):
    """(route, full name) for every URL pattern, following includes."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            route = prefix + str(pattern.pattern)
            # Unnamed patterns (redirects kept by admin and allauth) are known by their route.
            yield route, namespace + pattern.name if pattern.name else f"{namespace}/{route}"


@pytest.fixture
def people(institutions):
    school_a, school_b = institutions["school_a"], institutions["school_b"]
    superuser = PersonFactory(email="super@example.org", superuser=True)
    return {
        "anonymous": None,
        "committee": make_person("udvalg@example.org", "Ulla Udvalg", User.Role.COMMITTEE),
        "leader_a": make_person(
            "leder.a@example.org", "Lise Leder", a=(school_a, Membership.Role.LEADER)
        ),
        "leader_b": make_person(
            "leder.b@example.org", "Bo Leder", b=(school_b, Membership.Role.LEADER)
        ),
        "resource_a": make_person(
            "ressource.a@example.org",
            "Rie Ressource",
            a=(school_a, Membership.Role.RESOURCE_PERSON),
        ),
        "consultant": with_totp(
            make_person("konsulent@example.org", "Karen Konsulent", User.Role.CONSULTANT)
        ),
        "superuser": with_totp(superuser),
    }


def client_for(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# GET status per role, in the order of ROLES. Django admin's own URLs follow one rule below.
GET = {
    "home": [302, 302, 302, 302, 302, 302, 302],
    # After setting up two-factor authentication: on to the page asked for (home if none).
    "two_factor_continue": [302, 302, 302, 302, 302, 302, 302],
    "strategy": [302, 200, 200, 200, 200, 200, 200],
    "strategy_version": [302, 200, 200, 200, 200, 200, 200],
    "accessibility": [200, 200, 200, 200, 200, 200, 200],
    "institution_list": [302, 403, 403, 403, 403, 200, 200],
    "institution_create": [302, 403, 403, 403, 403, 200, 200],
    "institution_edit": [302, 403, 403, 403, 403, 200, 200],
    "actor_list": [302, 403, 403, 403, 403, 200, 200],
    # A picker's search asks for the field it fills; without one it is bad input.
    "institution_choices": [302, 403, 403, 403, 403, 400, 400],
    "getting_started": [302, 403, 403, 403, 403, 200, 200],
    "getting_started_mark": [302, 403, 403, 403, 403, 405, 405],
    "strategy_workbook_export": [302, 403, 403, 403, 403, 200, 200],
    "strategy_workbook_import": [302, 403, 403, 403, 403, 405, 405],
    "strategy_workbook_confirm": [302, 403, 403, 403, 403, 405, 405],
    # Nobody's upload has that token.
    "strategy_workbook_errors": [302, 403, 403, 403, 403, 404, 404],
    "actor_edit": [302, 403, 403, 403, 403, 200, 200],
    "person_list": [302, 403, 403, 403, 403, 200, 200],
    "person_create": [302, 403, 403, 403, 403, 200, 200],
    "person_edit": [302, 403, 403, 403, 403, 200, 200],
    "person_deactivate": [302, 403, 403, 403, 403, 405, 405],
    "sign_in_limits": [302, 403, 403, 403, 403, 200, 200],
    "sign_in_limit_lift": [302, 403, 403, 403, 403, 405, 405],
    "my_institution": [302, 302, 302, 302, 302, 302, 302],
    # School A's page: the committee reads every institution, leader B gets 404.
    "institution_progress": [302, 200, 200, 404, 200, 200, 200],
    "progress_update": [302, 405, 405, 405, 405, 405, 405],
    "goal_progress_update": [302, 405, 405, 405, 405, 405, 405],
    "progress_history": [302, 200, 200, 404, 200, 200, 200],
    "institution_changes": [302, 200, 200, 404, 200, 200, 200],
    "account_login": [200, 302, 302, 302, 302, 302, 302],
    "account_logout": [302, 200, 200, 200, 200, 200, 200],
    "account_inactive": [200, 200, 200, 200, 200, 200, 200],
    "account_signup": [200, 302, 302, 302, 302, 302, 302],
    "account_reauthenticate": [302, 200, 200, 200, 200, 200, 200],
    # Re-authentication by an e-mailed code needs a verified address to send it to. These people
    # have none, so they are sent on to the password (tests/test_accounts.py has both cases).
    "account_request_reauthentication_code": [302, 302, 302, 302, 302, 302, 302],
    "account_confirm_reauthentication_code": [302, 302, 302, 302, 302, 302, 302],
    "account_email": [302, 200, 200, 200, 200, 200, 200],
    "account_email_verification_sent": [200, 200, 200, 200, 200, 200, 200],
    "account_change_password": [302, 200, 200, 200, 200, 200, 200],
    "account_set_password": [302, 302, 302, 302, 302, 302, 302],
    "account_reset_password": [200, 200, 200, 200, 200, 200, 200],
    "account_confirm_login_code": [302, 302, 302, 302, 302, 302, 302],
    "account_confirm_email": [200, 200, 200, 200, 200, 200, 200],
    "account_reset_password_from_key_done": [200, 200, 200, 200, 200, 200, 200],
    "account_reset_password_from_key": [200, 200, 200, 200, 200, 200, 200],
    "account_reset_password_done": [200, 200, 200, 200, 200, 200, 200],
    "mfa_index": [302, 200, 200, 200, 200, 200, 200],
    "mfa_authenticate": [302, 302, 302, 302, 302, 302, 302],
    "mfa_reauthenticate": [302, 302, 302, 302, 302, 200, 200],
    "mfa_activate_totp": [302, 302, 302, 302, 302, 302, 302],
    "mfa_deactivate_totp": [302, 404, 404, 404, 404, 302, 302],
    "mfa_view_recovery_codes": [302, 404, 404, 404, 404, 404, 404],
    "mfa_generate_recovery_codes": [302, 302, 302, 302, 302, 302, 302],
    "mfa_download_recovery_codes": [302, 404, 404, 404, 404, 404, 404],
    "socialaccount_login_cancelled": [200, 200, 200, 200, 200, 200, 200],
    "socialaccount_login_error": [302, 401, 401, 401, 401, 401, 401],
    "socialaccount_signup": [302, 302, 302, 302, 302, 302, 302],
    "socialaccount_connections": [302, 200, 200, 200, 200, 200, 200],
    # Single sign-on is off unless configured (tests/test_sso.py covers it switched on).
    "google_login": [404, 404, 404, 404, 404, 404, 404],
    "google_callback": [404, 404, 404, 404, 404, 404, 404],
    "google_login_by_token": [404, 404, 404, 404, 404, 404, 404],
    "microsoft_login": [404, 404, 404, 404, 404, 404, 404],
    "microsoft_callback": [404, 404, 404, 404, 404, 404, 404],
    # Context Handler and Unilogin too (tests/test_sign_in_kombit.py and _unilogin.py). The
    # assertion consumer keeps what was posted and sends the browser on to finish it.
    "saml_login": [404, 404, 404, 404, 404, 404, 404],
    "saml_acs": [302, 302, 302, 302, 302, 302, 302],
    "saml_finish_acs": [404, 404, 404, 404, 404, 404, 404],
    "/konto/saml/<str:organization_slug>/acs/finish/": [404, 404, 404, 404, 404, 404, 404],
    "saml_sls": [404, 404, 404, 404, 404, 404, 404],
    "saml_metadata": [404, 404, 404, 404, 404, 404, 404],
    "unilogin_login": [404, 404, 404, 404, 404, 404, 404],
    "unilogin_callback": [404, 404, 404, 404, 404, 404, 404],
    # The sign-in page, let send the browser on to the identity providers configured.
    "/konto/login/": [200, 302, 302, 302, 302, 302, 302],
    # How people sign in is for consultants; a test result only after a test.
    "sign_in_settings": [302, 403, 403, 403, 403, 200, 200],
    "sign_in_kombit_save": [302, 403, 403, 403, 403, 405, 405],
    "sign_in_unilogin_save": [302, 403, 403, 403, 403, 405, 405],
    "sign_in_test_start": [302, 403, 403, 403, 403, 405, 405],
    "sign_in_directory_save": [302, 403, 403, 403, 403, 405, 405],
    "operators_admit": [302, 403, 403, 403, 403, 405, 405],
    "sign_in_test_result": [302, 403, 403, 403, 403, 302, 302],
    # allauth's old addresses, redirected to the new ones.
    "/konto/social/login/cancelled/": [302, 301, 301, 301, 301, 301, 301],
    "/konto/social/login/error/": [302, 301, 301, 301, 301, 301, 301],
    "/konto/social/signup/": [302, 301, 301, 301, 301, 301, 301],
    "/konto/social/connections/": [302, 301, 301, 301, 301, 301, 301],
    # School A's local plan: read like the institution, edited by its members and consultants.
    "local_plan": [302, 200, 200, 404, 200, 200, 200],
    "local_plan_approve": [302, 405, 405, 405, 405, 405, 405],
    "local_plan_item": [302, 403, 200, 404, 200, 200, 200],
    "local_plan_item_delete": [302, 405, 405, 405, 405, 405, 405],
    # The municipal plan: everyone reads it, consultants edit it.
    "municipal_plan": [302, 200, 200, 200, 200, 200, 200],
    "municipal_plan_approve": [302, 405, 405, 405, 405, 405, 405],
    "municipal_plan_item": [302, 403, 403, 403, 403, 200, 200],
    "municipal_plan_item_delete": [302, 405, 405, 405, 405, 405, 405],
    "plan_budgets": [302, 200, 403, 403, 403, 200, 200],
    "pool_allocation": [302, 403, 403, 403, 403, 200, 200],
    "measurement_add": [302, 405, 405, 405, 405, 405, 405],
    # The dashboard is for everyone signed in (leaders see it without links to others).
    "dashboard": [302, 200, 200, 200, 200, 200, 200],
    "dashboard_domain": [302, 200, 200, 200, 200, 200, 200],
    "dashboard_export": [302, 200, 200, 200, 200, 200, 200],
    # A status report: the committee and consultants see it, leaders get 404.
    "report_list": [302, 200, 200, 200, 200, 200, 200],
    "report_request": [302, 405, 405, 405, 405, 405, 405],
    "report_batch": [302, 403, 403, 403, 403, 405, 405],
    "report_detail": [302, 200, 404, 404, 404, 200, 200],
    "report_download": [302, 200, 404, 404, 404, 200, 200],
    "report_download_word": [302, 200, 404, 404, 404, 200, 200],
    "report_retry": [302, 405, 405, 405, 405, 405, 405],
    # Editing the strategy is for consultants.
    "strategy_create": [302, 403, 403, 403, 403, 405, 405],
    # Spreadsheets: consultants import; the token of someone else's upload is a 404.
    "spreadsheet_import": [302, 403, 403, 403, 403, 200, 200],
    "spreadsheet_import_confirm": [302, 403, 403, 403, 403, 405, 405],
    "spreadsheet_failed_rows": [302, 403, 403, 403, 403, 404, 404],
    "spreadsheet_template": [302, 403, 403, 403, 403, 200, 200],
    "spreadsheet_export": [302, 403, 403, 403, 403, 200, 200],
    "item_edit": [302, 403, 403, 403, 403, 200, 200],
    "item_create": [302, 403, 403, 403, 403, 200, 200],
    "item_move": [302, 403, 403, 403, 403, 405, 405],
    "item_delete": [302, 403, 403, 403, 403, 200, 200],
    "item_history": [302, 403, 403, 403, 403, 200, 200],
    # The revision: everyone reads the versions; a draft is for consultants and the committee.
    "strategy_versions": [302, 200, 200, 200, 200, 200, 200],
    "strategy_models": [302, 403, 403, 403, 403, 200, 200],
    "comparison": [302, 200, 403, 403, 403, 200, 200],
    "comparison_join": [302, 403, 403, 403, 403, 405, 405],
    # Not shared: an id no municipality publishes names nothing, whoever asks.
    "strategy_model_copy": [302, 404, 404, 404, 404, 405, 405],
    "strategy_share": [302, 403, 403, 403, 403, 405, 405],
    "strategy_dashboard": [302, 200, 200, 200, 200, 200, 200],
    "strategy_compare": [302, 200, 404, 404, 404, 200, 200],
    "revision_start": [302, 403, 403, 403, 403, 200, 200],
    "strategy_adopt": [302, 403, 403, 403, 403, 200, 200],
    "action_carry_over": [302, 403, 403, 403, 403, 405, 405],
    # Data protection: the note is public; exporting and anonymising are for consultants.
    "data_protection": [200, 200, 200, 200, 200, 200, 200],
    "data_export": [302, 403, 403, 403, 403, 200, 200],
    "person_anonymise": [302, 403, 403, 403, 403, 200, 200],
}


# The ids of a municipality's objects (core.tenancy.OwnedId), e.g. "<institution:pk>": numbers.
OWNED_ID = re.compile(r"<(?!slug:|str:|path:|int:)\w+:(\w+)>")


def url_for(name, route, data):
    if "/" in name:  # unnamed: fill its path converters by hand
        return "/" + re.sub(r"<[^>]+>", "0", route).replace("(?P<url>.*)$", "findes-ikke/")
    route = OWNED_ID.sub(r"<int:\1>", route)
    kwargs = {}
    if "<int:pk>" in route:
        school_a = data["institutions"]["school_a"].pk
        kwargs["pk"] = {
            "strategy_version": data["strategy"].pk,
            "institution_edit": school_a,
            "actor_edit": data["institutions"]["school_a"].actor_id,
            "institution_progress": school_a,
            "progress_update": school_a,
            "goal_progress_update": school_a,
            "progress_history": school_a,
            "institution_changes": school_a,
            "local_plan": school_a,
            "local_plan_approve": school_a,
            "local_plan_item": school_a,
            "local_plan_item_delete": school_a,
            "measurement_add": school_a,
            "dashboard_domain": data["action"].goal.domain_id,
            "report_detail": data["reports"]["done"].pk,
            "report_download": data["reports"]["done"].pk,
            "report_download_word": data["reports"]["done"].pk,
            "report_retry": data["reports"]["failed"].pk,
            "item_edit": data["action"].pk,
            "item_move": data["action"].pk,
            "item_delete": data["action"].pk,
            "item_history": data["action"].pk,
            "revision_start": data["strategy"].pk,
            "strategy_share": data["strategy"].pk,
            # Not shared: a strategy no municipality publishes cannot be copied.
            "strategy_model_copy": data["strategy"].pk,
            "strategy_compare": data["draft"].pk,
            "strategy_adopt": data["draft"].pk,
            "action_carry_over": data["draft_action"].pk,
        }.get(name, data["people"]["leader_b"].pk)
    if "<int:strategy_pk>" in route:
        kwargs["strategy_pk"] = data["strategy"].pk
    if "<int:action_pk>" in route:
        kwargs["action_pk"] = data["action"].pk
    if "<int:goal_pk>" in route:
        kwargs["goal_pk"] = data["action"].goal_id
    if "<int:item_pk>" in route:
        kwargs["item_pk"] = data["items"]["local" if name.startswith("local") else "municipal"].pk
    if "<slug:slug>" in route:
        kwargs["slug"] = "maal" if name == "item_create" else "handling"
        if name.startswith("spreadsheet_"):
            kwargs["slug"] = "institutioner"
    if name.startswith("spreadsheet_") and "<slug:fmt>" in route:
        kwargs["fmt"] = "csv"
    if "<str:token>" in route:
        kwargs["token"] = "findes-ikke"
    if "<int:parent_pk>" in route:
        kwargs["parent_pk"] = data["action"].goal.domain_id
    if "organization_slug" in route:
        kwargs["organization_slug"] = "kombit"
    if "<slug:provider>" in route:
        kwargs["provider"] = "microsoft" if name == "sign_in_directory_save" else "unilogin"
    if "<slug:step>" in route:
        kwargs["step"] = "people"
    if "<slug:kind>" in route:
        kwargs["kind"] = "status"
    if "<slug:table>" in route:
        kwargs |= {"table": "institutioner", "fmt": "csv"}
    if "<int:indicator_pk>" in route:
        kwargs["indicator_pk"] = data["indicator"].pk
    if "uidb36" in route:
        kwargs = {"uidb36": "1", "key": "x"}
    elif "(?P<key>" in route:
        kwargs = {"key": "x"}
    if "object_id" in route:
        kwargs["object_id"] = "0"
    if "<id>" in route:
        kwargs["id"] = "0"
    if "app_label" in route:
        kwargs["app_label"] = "goals"
    if "content_type_id" in route:
        kwargs["content_type_id"] = 1
    if "([^/]+)" in route:  # simple-history's unnamed groups: object and history ids
        return reverse(name, args=["0"] * route.count("([^/]+)"))
    return reverse(name, kwargs=kwargs)


def url_named(name, data):
    route = next(route for route, full_name in all_routes() if full_name == name)
    return url_for(name, route, data)


@pytest.fixture
def data(people, strategy, institutions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    action = Action.objects.get(text="prioritere økonomi til investering i læringsteknologier.")
    # A local goal, which each school marks reached on its own.
    Goal.objects.filter(pk=action.goal_id).update(scope=Goal.Scope.LOCAL)
    Institution.objects.filter(actor__code="skole").update(children_count=300)
    consultant = people["consultant"]
    items = {
        "local": plan_item_add(
            strategy=strategy,
            institution=institutions["school_a"],
            item=ActionPlanItem(action=action, budget=20_000),
            by=people["leader_a"],
        ),
        "municipal": plan_item_add(
            strategy=strategy,
            institution=None,
            item=ActionPlanItem(text="Fælles platform", budget=100_000),
            by=consultant,
        ),
    }
    indicator = Indicator.objects.create(goal=action.goal, name="Enheder pr. børnegruppe")
    indicator.actors.add(institutions["school_a"].actor)
    reports = {
        "done": Report.objects.create(
            kind="status",
            strategy=strategy,
            status="done",
            file=default_storage.save("reports/status.pdf", ContentFile(b"%PDF-1.7")),
            word_file=default_storage.save("reports/status.docx", ContentFile(b"PK")),
        ),
        "failed": Report.objects.create(
            kind="status", strategy=strategy, status="failed", attempts=3, error="x"
        ),
    }
    # A draft of the next version, with one continued action, as a revision would have it.
    draft = Strategy.objects.create(
        title="Næste strategi", municipality_name="Mariagerfjord Kommune", previous=strategy
    )
    draft_goal = Goal.objects.create(
        domain=draft.domains.create(name="Infrastruktur"), text="Udkastets mål"
    )
    draft_action = Action.objects.create(
        goal=draft_goal, text="Videreført handling", origin=action, carry_over="carry"
    )
    return {
        "draft": draft,
        "draft_action": draft_action,
        "people": people,
        "strategy": strategy,
        "institutions": institutions,
        "action": action,
        "items": items,
        "indicator": indicator,
        "reports": reports,
    }


def test_every_url_has_an_entry():
    missing = [name for route, name in all_routes() if not route.startswith("admin/")]
    assert sorted(set(missing) - set(GET)) == []
    assert sorted(set(GET) - set(missing)) == []


@pytest.mark.parametrize("name", list(GET))
def test_get_status_for_every_role(data, name):
    url = url_named(name, data)
    statuses = [client_for(data["people"][role]).get(url).status_code for role in ROLES]
    assert statuses == GET[name]


def test_admin_is_for_superusers_only(data):
    """Every Django admin URL: others are sent to the admin's login, the superuser gets in."""
    routes = [(route, name) for route, name in all_routes() if route.startswith("admin/")]
    assert len(routes) > 50
    clients = {role: client_for(data["people"][role]) for role in ROLES}
    for route, name in routes:
        url = url_for(name, route, data)
        for role in ROLES[:-1]:
            response = clients[role].get(url)
            if name == "admin:logout":
                assert response.status_code in {302, 405}, (url, role)
                continue
            assert response.status_code == 302, (url, role)
            assert response.url.startswith((reverse("admin:login"), reverse("account_login"))), (
                url,
                role,
            )
        response = clients["superuser"].get(url)
        assert response.status_code < 500, url
        assert not response.get("Location", "").startswith(
            (reverse("admin:login"), reverse("account_login"))
        ), url


def test_admin_login_form_does_not_accept_passwords(client, data):
    """The second factor cannot be skipped through admin's own login form."""
    superuser = data["people"]["superuser"]
    superuser.set_password("kodeord-2026")
    superuser.save()
    response = client.post(
        reverse("admin:login"), {"username": superuser.email, "password": "kodeord-2026"}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def snapshot():
    """What a refused write must leave exactly as it was."""
    return (
        list(Institution.objects.order_by("pk").values()),
        list(Actor.objects.order_by("pk").values()),
        list(Municipality.objects.order_by("pk").values()),
        list(SocialApp.objects.order_by("pk").values("pk", "provider", "client_id", "settings")),
        list(GoalProgress.objects.order_by("pk").values("pk", "reached")),
        list(User.objects.order_by("pk").values("pk", "email", "role_here", "is_active")),
        list(Membership.objects.order_by("pk").values()),
        list(Progress.objects.order_by("pk").values()),
        list(ActionPlan.objects.order_by("pk").values()),
        list(ActionPlanItem.objects.order_by("pk").values()),
        list(PoolShare.objects.order_by("pk").values()),
        list(Measurement.objects.order_by("pk").values()),
        list(Report.objects.order_by("pk").values("pk", "kind", "status", "attempts")),
        list(Action.objects.order_by("pk").values("pk", "text", "order", "version")),
        list(Goal.objects.order_by("pk").values("pk", "text", "order", "version")),
        list(Strategy.objects.order_by("pk").values("pk", "title", "status", "version")),
    )


def post_data(name, data):
    skole = data["institutions"]["school_a"].actor_id
    return {
        "institution_create": {"name": "Ny Skole", "actor": skole, "area": "Hobro"},
        "institution_edit": {"name": "Omdøbt Skole", "actor": skole, "area": "Hobro"},
        "actor_list": {"name": "Dagpleje", "order": "9"},
        "getting_started": {"name": "Viborg Kommune", "header_text": ""},
        "getting_started_mark": {"state": "skipped"},
        "strategy_workbook_import": {},
        "strategy_workbook_confirm": {},
        "sign_in_test_start": {},
        "actor_edit": {"name": "Skoler", "order": "2"},
        "person_create": {
            "email": "ny@example.org",
            "first_name": "Ny",
            "last_name": "Person",
            "role": User.Role.COMMITTEE,
        },
        "person_edit": {
            "email": "leder.b@example.org",
            "first_name": "Bo",
            "last_name": "Omdøbt",
            "role": User.Role.CONSULTANT,
        },
        "person_deactivate": {},
        "sign_in_limit_lift": {"email": "ingen@example.org"},
        "sign_in_kombit_save": {"cvr": "29189854", "consultant_privileges": "urn:rolle"},
        "operators_admit": {"admitted": "yes"},
        "sign_in_directory_save": {
            "microsoft-tenant": "0f0e0d0c-1111-2222-3333-444455556666",
            "microsoft-client_id": "entra-klient",
            "microsoft-secret": "hemmelig",
            "microsoft-domains": "example.org",
        },
        "sign_in_unilogin_save": {
            "server_url": "https://broker.unilogin.dk/auth/realms/broker",
            "client_id": "strategitrackeren",
            "secret": "hemmelig",
            "institution_claim": "institution_ids",
            "staff_type_claim": "funktionsmarkering",
            "leader_types": "Leder",
        },
        "progress_update": {"status": "done", "version": "1", "reason": "", "note": ""},
        "goal_progress_update": {"reached": "yes"},
        "local_plan": NEW_ITEM,
        "local_plan_approve": {"approved_on": "2026-11-22"},
        "local_plan_item": CHANGED_ITEM,
        "local_plan_item_delete": {},
        "municipal_plan": NEW_ITEM,
        "municipal_plan_approve": {"approved_on": "2026-11-22"},
        "municipal_plan_item": CHANGED_ITEM,
        "municipal_plan_item_delete": {},
        # The first step only shows the allocation; nothing is written before confirming.
        "pool_allocation": {"title": "Udviklingspulje", "amount": "315.000", "actors": [skole]},
        "measurement_add": {"value": "3,5", "measured_on": "2026-11-01"},
        "report_request": {"status-since": "2026-01-01"},
        "report_batch": {},
        "report_retry": {},
        "item_edit": {
            "text": "Ny tekst",
            "goal": data["action"].goal_id,
            "actors": [skole],
            "version": 1,
        },
        "item_create": {"text": "Nyt mål", "scope": "municipal"},
        "strategy_share": {"shared": "yes"},
        "strategy_model_copy": {},
        "comparison_join": {"compares": "yes"},
        "strategy_create": {
            "title": "Næste strategi",
            "municipality_name": "Mariagerfjord Kommune",
        },
        "spreadsheet_import": {
            "kind": "institutioner",
            "file": SimpleUploadedFile("i.csv", b"Navn;Type\nNy Skole;Skole\n"),
        },
        "spreadsheet_import_confirm": {},
        "item_move": {"retning": "ned"},
        "revision_start": {
            "title": "Endnu en",
            "period_start": "2027-01-01",
            "period_end": "2030-12-31",
        },
        "strategy_adopt": {"decided_on": "2026-11-20", "meeting": "Børne- og Familieudvalget"},
        "action_carry_over": {"carry_over": "reset"},
        "person_anonymise": {},
        "data_export": {},
        "item_delete": {},
        "item_history": {
            "history_id": data["action"].history.earliest().history_id,
            "version": 1,
        },
    }[name]


NEW_ITEM = {"text": "Lokalt initiativ", "budget": "10.000", "funding": "institution"}
NEW_ITEM |= {"recurrence": "one_off"}
CHANGED_ITEM = {**NEW_ITEM, "text": "Ændret initiativ", "funding": "central"}


# POST status per role for every URL that writes; refused ones must change nothing.
POST = {
    "institution_create": [302, 403, 403, 403, 403, 302, 302],
    "institution_edit": [302, 403, 403, 403, 403, 302, 302],
    "actor_list": [302, 403, 403, 403, 403, 302, 302],
    "getting_started": [302, 403, 403, 403, 403, 302, 302],
    "getting_started_mark": [302, 403, 403, 403, 403, 302, 302],
    # No file: the form says so. A token that is nobody's: upload again.
    "strategy_workbook_import": [302, 403, 403, 403, 403, 400, 400],
    "strategy_workbook_confirm": [302, 403, 403, 403, 403, 409, 409],
    "actor_edit": [302, 403, 403, 403, 403, 302, 302],
    "person_create": [302, 403, 403, 403, 403, 302, 302],
    "person_edit": [302, 403, 403, 403, 403, 302, 302],
    "person_deactivate": [302, 403, 403, 403, 403, 302, 302],
    # Context Handler cannot be saved without KOMBIT's metadata; Unilogin is saved as given.
    "sign_in_kombit_save": [302, 403, 403, 403, 403, 400, 400],
    "sign_in_unilogin_save": [302, 403, 403, 403, 403, 302, 302],
    "sign_in_directory_save": [302, 403, 403, 403, 403, 302, 302],
    # No operators in this data: there is nobody to give access to.
    "operators_admit": [302, 403, 403, 403, 403, 404, 404],
    # Nothing is configured to test.
    "sign_in_test_start": [302, 403, 403, 403, 403, 404, 404],
    # Nobody is waiting in this data: consultants are told there is nothing to lift.
    "sign_in_limit_lift": [302, 403, 403, 403, 403, 404, 404],
    "progress_update": [302, 403, 302, 404, 302, 302, 302],
    "goal_progress_update": [302, 403, 302, 404, 302, 302, 302],
    "local_plan": [302, 403, 302, 404, 302, 302, 302],
    "local_plan_approve": [302, 403, 302, 404, 302, 302, 302],
    "local_plan_item": [302, 403, 302, 404, 302, 302, 302],
    "local_plan_item_delete": [302, 403, 302, 404, 302, 302, 302],
    "municipal_plan": [302, 403, 403, 403, 403, 302, 302],
    "municipal_plan_approve": [302, 403, 403, 403, 403, 302, 302],
    "municipal_plan_item": [302, 403, 403, 403, 403, 302, 302],
    "municipal_plan_item_delete": [302, 403, 403, 403, 403, 302, 302],
    "pool_allocation": [302, 403, 403, 403, 403, 200, 200],
    "measurement_add": [302, 403, 302, 404, 302, 302, 302],
    "report_request": [302, 302, 403, 403, 403, 302, 302],
    "report_batch": [302, 403, 403, 403, 403, 302, 302],
    "report_retry": [302, 302, 404, 404, 404, 302, 302],
    "strategy_create": [302, 403, 403, 403, 403, 302, 302],
    "strategy_share": [302, 403, 403, 403, 403, 302, 302],
    "comparison_join": [302, 403, 403, 403, 403, 302, 302],
    "strategy_model_copy": [302, 404, 404, 404, 404, 404, 404],
    # The upload only shows what it would do; confirming a token that is not one's own (or is
    # used up) changes nothing and says to upload the file again.
    "spreadsheet_import": [302, 403, 403, 403, 403, 200, 200],
    "spreadsheet_import_confirm": [302, 403, 403, 403, 403, 409, 409],
    "item_edit": [302, 403, 403, 403, 403, 302, 302],
    "item_create": [302, 403, 403, 403, 403, 302, 302],
    "item_move": [302, 403, 403, 403, 403, 302, 302],
    "item_delete": [302, 403, 403, 403, 403, 302, 302],
    "item_history": [302, 403, 403, 403, 403, 302, 302],
    # A draft has already been started, so starting another is refused with a message.
    "revision_start": [302, 403, 403, 403, 403, 400, 400],
    "strategy_adopt": [302, 403, 403, 403, 403, 302, 302],
    "action_carry_over": [302, 403, 403, 403, 403, 302, 302],
    "person_anonymise": [302, 403, 403, 403, 403, 302, 302],
    # The archive is made by a worker, like a report.
    "data_export": [302, 403, 403, 403, 403, 302, 302],
}
READ_ONLY = [
    "comparison",
    "institution_choices",
    "strategy_workbook_export",
    "strategy_workbook_errors",
    "sign_in_limits",
    "sign_in_settings",
    "sign_in_test_result",
    "data_protection",
    "strategy",
    "strategy_versions",
    "strategy_dashboard",
    "strategy_compare",
    "strategy_version",
    "accessibility",
    "my_institution",
    "institution_progress",
    "plan_budgets",
    "dashboard",
    "dashboard_domain",
    "dashboard_export",
    "report_list",
    "report_detail",
    "report_download",
    "report_download_word",
]


@pytest.mark.parametrize("name", list(POST))
@pytest.mark.parametrize("role", ROLES)
def test_post_for_every_role_and_refused_writes_change_nothing(data, name, role):
    url = url_named(name, data)
    before = snapshot()
    response = client_for(data["people"][role]).post(url, post_data(name, data))
    expected = POST[name][ROLES.index(role)]
    assert response.status_code == expected
    allowed = expected == 302 and role != "anonymous"
    assert (snapshot() != before) == allowed
    if role == "anonymous":
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_pages_refuse_post(data, name):
    url = url_named(name, data)
    assert client_for(data["people"]["consultant"]).post(url).status_code == 405


# Reading everyone's reports and people's data, and making reports: a consultant or superuser
# without two-factor authentication is sent to set it up first, and nothing is made.
TWO_FACTOR_FIRST = [
    "report_list",
    "report_detail",
    "report_download",
    "report_request",
    "report_batch",
    "report_retry",
    "data_export",
    "person_list",
    "person_edit",
    "sign_in_limits",
    "sign_in_limit_lift",
    "sign_in_settings",
    "sign_in_unilogin_save",
    "sign_in_directory_save",
    "operators_admit",
]


@pytest.mark.parametrize("name", TWO_FACTOR_FIRST)
@pytest.mark.parametrize("role", ["consultant", "superuser"])
def test_consultants_without_two_factor_are_sent_to_set_it_up(data, role, name):
    person = data["people"][role]
    Authenticator.objects.filter(user=person).delete()
    client, url = client_for(person), url_named(name, data)
    before = (snapshot(), Report.objects.count())
    response = client.post(url, post_data(name, data)) if name in POST else client.get(url)
    assert (response.status_code, response.url) == (302, reverse("mfa_activate_totp"))
    assert (snapshot(), Report.objects.count()) == before


def test_admin_is_named_after_the_site_in_danish(data):
    page = client_for(data["people"]["superuser"]).get(reverse("admin:index")).content.decode()
    header = re.search(r'<div id="site-name">(.*?)</div>', page, re.S).group(1)
    assert visible_text(header) == "Strategitrackeren – administration"
    assert "<title>Website-administration | Strategitrackeren – administration</title>" in page
