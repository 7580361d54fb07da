import re
from dataclasses import asdict

import tablib
from allauth.account.views import LoginView
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.providers.saml import views as saml_views
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from actions.selectors import progress_export
from actions.services import strategy_import
from actions.strategy_sheet import strategy_export
from actions.workbook import strategy_workbook, workbook_read
from core.params import id_from, query_without
from core.spreadsheets import (
    SpreadsheetError,
    read_upload,
    read_workbook,
    spreadsheet_response,
    spreadsheet_stream,
    workbook_response,
)
from goals.selectors import strategy_current, strategy_current_or_404
from institutions.adapters import sign_in_refused
from institutions.forms import (
    PICKER_SEARCH,
    ActorForm,
    DirectorySettingsForm,
    ImportForm,
    InstitutionForm,
    InstitutionSearchForm,
    KombitSettingsForm,
    MunicipalityForm,
    PersonForm,
    SignInLimitLiftForm,
    UniloginSettingsForm,
    WorkbookForm,
    picker_answer,
    picker_searched,
)
from institutions.models import Actor, Institution, Membership, Municipality, User
from institutions.permissions import AFTER_TWO_FACTOR, consultant_required, institution_for
from institutions.privacy import person_anonymise
from institutions.selectors import (
    INSTITUTION_HEADINGS,
    actor_next_order,
    actors_with_use,
    institution_rows,
    institutions_listed,
    municipality_current,
    operators_admitted,
    sign_in_limits,
)
from institutions.services import (
    getting_started_mark,
    kombit_configure,
    municipality_name,
    operators_admit,
    person_deactivate,
    person_invite,
    person_join,
    person_update,
    sign_in_configure,
    sign_in_limit_lift,
)
from institutions.sign_in import (
    ALLAUTH_PROVIDERS,
    DIRECTORIES,
    KOMBIT,
    SIGN_IN_TEST,
    SIGN_IN_TEST_RESULT,
    UNILOGIN,
    UNILOGIN_DEFAULTS,
    directory_app,
    municipality_apps,
    saml_service_keys,
    sign_in_app,
    sign_in_origins,
)
from reports.models import TABLE_TITLES, Report
from reports.services import report_request

from . import imports
from .selectors import DONE, GETTING_STARTED, SKIPPED, getting_started_steps
from .services import actor_save, institution_save


@consultant_required
def getting_started(request):
    """A new installation's steps, each showing what is still missing: the municipality's
    name (saved here), its kinds of institution, the strategy, institutions and people."""
    municipality = municipality_current()
    form = MunicipalityForm(request.POST or None, instance=municipality)
    if request.method == "POST" and form.is_valid():
        municipality_name(municipality=form.instance)
        messages.success(request, _("The municipality's name is saved."))
        return redirect("getting_started")
    steps = getting_started_steps(municipality=municipality)
    return render(
        request,
        "institutions/getting_started.html",
        {
            "form": form,
            "steps": steps,
            "missing": [step for step in steps if step.open],
            "finished": municipality.getting_started_finished,
        },
        status=400 if form.errors else 200,
    )


@consultant_required
@require_POST
def getting_started_mark_view(request, step):
    """Mark a step done or skipped, open it again, or put "Kom i gang" away."""
    states = {"done": DONE, "skipped": SKIPPED, "open": None}
    state = request.POST.get("state", "")
    if step not in (*GETTING_STARTED, Municipality.FINISHED) or state not in states:
        raise BadRequest(_("Unknown step or state."))
    getting_started_mark(step=step, state=states[state])
    if step == Municipality.FINISHED and state == "done":
        messages.success(
            request, _("“Getting started” has left the menu; you find it under Institutions.")
        )
        return redirect("strategy")
    return redirect("getting_started")


INSTITUTIONS_PER_PAGE = 50


@consultant_required
@require_GET
def institution_list(request):
    """The institutions a page at a time, searched and sorted in the database. Four queries,
    however many institutions there are."""
    form = InstitutionSearchForm(request.GET or None)
    choices = form.cleaned_data if form.is_valid() else {}
    institutions = institutions_listed(search=choices.get("q", ""), actor=choices.get("actor"))
    return render(
        request,
        "institutions/institution_list.html",
        {
            "form": form,
            "institutions": Paginator(institutions, INSTITUTIONS_PER_PAGE).get_page(
                request.GET.get("side")
            ),
            "query": query_without(request, "side"),
        },
    )


@consultant_required
def institution_edit(request, pk=None):
    institution = get_object_or_404(Institution, pk=pk) if pk else Institution()
    form = InstitutionForm(request.POST or None, instance=institution)
    if request.method == "POST" and form.is_valid():
        institution_save(institution=form.instance)
        messages.success(request, _("%(name)s is saved.") % {"name": form.instance.name})
        return redirect("institution_list")
    return render(
        request,
        "institutions/institution_form.html",
        {"form": form, "institution": institution},
        status=400 if form.errors else 200,
    )


@consultant_required
def actor_list(request):
    """The municipality's kinds of institution, and a form to add one."""
    form = ActorForm(request.POST or None, initial={"order": actor_next_order()})
    if request.method == "POST" and form.is_valid():
        actor_save(actor=form.instance)
        messages.success(request, _("%(name)s is added.") % {"name": form.instance.name})
        return redirect("actor_list")
    return render(
        request,
        "institutions/actor_list.html",
        {"actors": actors_with_use(), "form": form},
        status=400 if form.errors else 200,
    )


@consultant_required
def actor_edit(request, pk):
    actor = get_object_or_404(Actor, pk=pk)
    form = ActorForm(request.POST or None, instance=actor)
    if request.method == "POST" and form.is_valid():
        actor_save(actor=form.instance)
        messages.success(request, _("%(name)s is saved.") % {"name": form.instance.name})
        return redirect("actor_list")
    return render(
        request,
        "institutions/actor_form.html",
        {"form": form, "actor": actor},
        status=400 if form.errors else 200,
    )


@consultant_required
def person_list(request):
    people = User.objects.order_by("-is_active", "first_name", "last_name").prefetch_related(
        Prefetch("memberships", queryset=Membership.objects.select_related("institution"))
    )
    context = {"people": people, "operators": operators_admitted()}
    return render(request, "institutions/person_list.html", context)


@consultant_required
@require_POST
def operators_admit_view(request):
    """Give the platform's operators read access to the municipality, or take it back."""
    admitted = request.POST.get("admitted")
    if admitted not in ("yes", "no"):
        return HttpResponseBadRequest(_("Choose whether the operators may read."))
    if not operators_admitted().exists():
        raise Http404(_("The platform has no operators."))
    operators_admit(admitted=admitted == "yes", by=request.user)
    if admitted == "yes":
        messages.success(request, _("The platform's operators can now read everything here."))
    else:
        messages.success(request, _("The platform's operators no longer have access."))
    return redirect("person_list")


@consultant_required
@require_GET
def sign_in_limit_list(request):
    """Who must wait before trying a password again, and a way to lift it."""
    limits = sign_in_limits(now=timezone.now())
    return render(request, "institutions/sign_in_limits.html", {"limits": limits})


@consultant_required
@require_POST
def sign_in_limit_lift_view(request):
    form = SignInLimitLiftForm(request.POST)
    email = form.cleaned_data["email"] if form.is_valid() else None
    if email is None or not sign_in_limits(emails=[email], now=timezone.now()):
        raise Http404(_("That address does not have to wait."))
    sign_in_limit_lift(email=email, by=request.user)
    messages.success(request, _("%(email)s can sign in again now.") % {"email": email})
    return redirect("sign_in_limits")


@consultant_required
@require_GET
def institution_choices(request):
    """An institution picker's search, as htmx asks for it while the consultant types: the
    boxes ticked so far stay, and up to 25 matching institutions follow."""
    name = request.GET.get("felt", "")
    if not re.fullmatch(r"[a-z_]{1,40}", name):
        raise BadRequest(_("Unknown field."))
    picker = picker_answer(
        name=name,
        chosen=request.GET.getlist(name)[:500],
        search=request.GET.get(PICKER_SEARCH, ""),
        one=request.GET.get("type") == "radio",
    )
    return render(request, "includes/institution_choices.html", {"picker": picker})


@consultant_required
def person_edit(request, pk=None):
    person = get_object_or_404(User, pk=pk) if pk else User()
    form = PersonForm(request.POST or None, instance=person)
    if picker_searched(form, request.POST):
        return render(request, "institutions/person_form.html", {"form": form, "person": person})
    if request.method == "POST" and form.is_valid():
        options = {
            "person": form.instance,
            "institutions": form.cleaned_data["institutions"],
            "membership_role": form.cleaned_data["membership_role"],
        }
        base_url = request.build_absolute_uri("/")[:-1]
        if pk:
            person_update(**options, changed_by=request.user)
            messages.success(request, _("%(name)s is saved.") % {"name": form.instance})
        elif form.elsewhere is not None:
            options["person"] = form.elsewhere
            person_join(
                **options,
                role=form.cleaned_data["role"],
                invited_by=request.user,
                base_url=base_url,
            )
            messages.success(
                request,
                _("%(email)s already has a user; they have access here now and are told by e-mail.")
                % {"email": form.elsewhere.email},
            )
        else:
            person_invite(**options, invited_by=request.user, base_url=base_url)
            messages.success(
                request, _("%(email)s has been invited by e-mail.") % {"email": form.instance.email}
            )
        return redirect("person_list")
    return render(
        request,
        "institutions/person_form.html",
        {"form": form, "person": person},
        status=400 if form.errors else 200,
    )


@consultant_required
@require_POST
def person_deactivate_view(request, pk):
    person = get_object_or_404(User, pk=pk)
    if person == request.user:
        messages.error(request, _("You cannot deactivate yourself."))
    else:
        person_deactivate(person=person, by=request.user)
        messages.success(request, _("%(name)s can no longer sign in.") % {"name": person})
    return redirect("person_list")


# --- Spreadsheets -------------------------------------------------------------------------


def _import_options(kind_slug, institution, request) -> dict:
    user = request.user
    if kind_slug == "institutioner":
        # Leaders new to the app are invited by e-mail, with a link back to this site.
        return {"by": user, "base_url": request.build_absolute_uri("/")[:-1]}
    strategy = strategy_current()
    if strategy is None:
        raise SpreadsheetError(
            _("There is no strategy to import into yet. Create it first, under Strategy.")
        )
    if kind_slug == "strategi":
        return {"strategy": strategy, "by": user}
    return {"institution": institution, "strategy": strategy, "by": user}


def _import_context(form, workbook_form=None) -> dict:
    return {
        "form": form,
        "kinds": imports.KINDS.values(),
        "workbook_form": workbook_form or WorkbookForm(),
        "strategy_in_force": strategy_current(),
    }


@consultant_required
def spreadsheet_import(request):
    """Upload a spreadsheet and see, row by row, what importing it would do."""
    # "Kom i gang" links here with the kind of file chosen.
    initial = {"kind": request.GET.get("kind")} if request.GET.get("kind") in imports.KINDS else {}
    form = ImportForm(
        request.POST or None, request.FILES or None, kinds=imports.KINDS, initial=initial
    )
    context = _import_context(form)
    if picker_searched(form, request.POST):
        return render(request, "institutions/import.html", context)
    if request.method == "POST" and form.is_valid():
        kind = imports.KINDS[form.cleaned_data["kind"]]
        institution = form.cleaned_data["institution"]
        try:
            data = read_upload(form.cleaned_data["file"])
            preview = imports.import_preview(
                kind=kind,
                data=tablib.Dataset(*data, headers=data.headers),
                **_import_options(kind.slug, institution, request),
            )
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            context |= {
                "preview": preview,
                "token": imports.stash(
                    data=data,
                    kind=kind,
                    user_id=request.user.pk,
                    institution_id=institution.pk if institution else None,
                ),
            }
            return render(request, "institutions/import_preview.html", context)
    return render(request, "institutions/import.html", context, status=400 if form.errors else 200)


def _stashed(request, token):
    """The person's upload waiting for confirmation, its kind and options; None when it has
    been imported or has expired."""
    payload = imports.unstash(token=token, user_id=request.user.pk)
    if payload is None:
        return None
    kind = imports.KINDS[payload["kind"]]
    institution = (
        get_object_or_404(Institution, pk=payload["institution"])
        if payload["institution"]
        else None
    )
    try:
        return payload, kind, _import_options(kind.slug, institution, request)
    except SpreadsheetError:  # the strategy it was for is gone
        return None


@consultant_required
@require_POST
def spreadsheet_import_confirm(request, token):
    """Import every row of the previewed file, or none. Confirming again (after Back) finds the
    upload gone and says so, instead of importing twice."""
    stashed = _stashed(request, token)
    if stashed is None:
        # 409: the upload is used up (imported) or gone (expired); the upload form says so.
        messages.warning(
            request,
            _("This upload has already been imported, or it has expired. Upload the file again."),
        )
        form = ImportForm(kinds=imports.KINDS)
        context = _import_context(form)
        return render(request, "institutions/import.html", context, status=409)
    payload, kind, options = stashed
    try:
        count = imports.import_confirm(kind=kind, data=payload["data"], **options)
    except SpreadsheetError as error:
        messages.error(request, str(error))
        return redirect("spreadsheet_import")
    imports.discard(token)
    messages.success(request, _("%(count)s rows imported.") % {"count": count})
    return redirect("spreadsheet_import")


@consultant_required
@require_GET
def spreadsheet_failed_rows(request, token):
    """The rows with errors as a CSV, each with its message, to fix and upload again."""
    stashed = _stashed(request, token)
    if stashed is None:
        raise Http404(_("The upload has expired. Upload the file again."))
    payload, kind, options = stashed
    data = imports.failed_rows(kind=kind, data=payload["data"], **options)
    return spreadsheet_response(data, "csv", f"fejl-{kind.slug}")


@consultant_required
@require_GET
def spreadsheet_template(request, slug):
    if slug not in imports.KINDS:
        raise Http404
    kind = imports.KINDS[slug]
    return spreadsheet_response(imports.template(kind), "xlsx", f"skabelon-{kind.slug}")


@require_GET
def spreadsheet_export(request, slug, fmt):
    """The strategy or the institutions (consultants), or one institution's progress (its
    members too)."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    if slug in ("institutioner", "strategi"):
        return _consultant_export(request, slug, fmt)
    if slug != "status":
        raise Http404
    institution = institution_for(request.user, id_from(request.GET.get("institution")) or 0)
    data = progress_export(institution=institution, strategy=strategy_current_or_404())
    return spreadsheet_response(data, fmt, slug)


@consultant_required
def _consultant_export(request, slug, fmt):
    if slug == "institutioner" and fmt == "csv":
        return spreadsheet_stream(INSTITUTION_HEADINGS, institution_rows(), slug)
    if slug == "institutioner":
        # The workbook of every institution is made by a worker: say so, and ask for it.
        context = {"table": "register", "title": TABLE_TITLES["register"]}
        return render(request, "reports/spreadsheet_request.html", context)
    return spreadsheet_response(strategy_export(strategy=strategy_current_or_404()), fmt, slug)


# --- Data protection ------------------------------------------------------------------------


@consultant_required
def data_export(request):
    """All the municipality's data as one ZIP of JSON files, made by a worker like a report:
    at scale it takes minutes, longer than a request may."""
    if request.method != "POST":
        return render(request, "institutions/data_export.html")
    report = report_request(
        kind=Report.Kind.DATA_EXPORT, strategy=strategy_current_or_404(), by=request.user
    )
    return redirect(report)


@consultant_required
def person_anonymise_view(request, pk):
    """Ask first, saying what goes and what stays; then make the person anonymous."""
    person = get_object_or_404(User, pk=pk)
    if person == request.user:
        messages.error(request, _("You cannot anonymise yourself."))
        return redirect("person_edit", pk=pk)
    if request.method == "POST":
        person_anonymise(person=person, by=request.user)
        messages.success(request, _("The person is anonymised."))
        return redirect("person_list")
    return render(request, "institutions/person_anonymise.html", {"person": person})


@require_GET
def two_factor_continue(request):
    """On to the page a person asked for before setting up two-factor authentication."""
    target = request.session.pop(AFTER_TWO_FACTOR, "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("home")
    return redirect(target)


# --- The whole strategy as one workbook ------------------------------------------------------


@consultant_required
@require_GET
def strategy_workbook_export(request):
    """The strategy in force as one workbook, a sheet per part, to edit and import again."""
    book = strategy_workbook(strategy=strategy_current_or_404())
    return workbook_response(book, "strategi")


def _import_page(request, *, workbook_form=None, status=200):
    context = _import_context(ImportForm(kinds=imports.KINDS), workbook_form)
    return render(request, "institutions/import.html", context, status=status)


@consultant_required
@require_POST
def strategy_workbook_import(request):
    """Upload a workbook and see what it would create, with every error by sheet, row and
    column; nothing is created yet."""
    form = WorkbookForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            sheets = read_workbook(form.cleaned_data["file"])
        except SpreadsheetError as error:
            form.add_error("file", str(error))
        else:
            reading = workbook_read(sheets=sheets)
            payload = {
                "workbook": reading.document,
                "errors": [asdict(error) for error in reading.errors],
            }
            token = imports.stash_payload(payload, user_id=request.user.pk)
            context = {"reading": reading, "token": token, "adopted": strategy_current()}
            return render(request, "institutions/workbook_preview.html", context)
    return _import_page(request, workbook_form=form, status=400)


@consultant_required
@require_POST
def strategy_workbook_confirm(request, token):
    """Create the previewed strategy, all of it or nothing."""
    payload = imports.unstash_payload(token=token, user_id=request.user.pk)
    if payload is None or "workbook" not in payload or payload["errors"]:
        messages.warning(
            request,
            _("This upload has already been imported, or it has expired. Upload the file again."),
        )
        return _import_page(request, status=409)
    try:
        strategy = strategy_import(document=payload["workbook"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _import_page(request, status=400)
    imports.discard(token)
    messages.success(request, _("“%(title)s” is imported.") % {"title": strategy.title})
    if strategy.is_draft:
        return redirect("strategy_version", pk=strategy.pk)
    return redirect("strategy")


@consultant_required
@require_GET
def strategy_workbook_errors(request, token):
    """The workbook's errors as a spreadsheet: sheet, row, column and why."""
    payload = imports.unstash_payload(token=token, user_id=request.user.pk)
    if payload is None or "workbook" not in payload:
        raise Http404(_("The upload has expired. Upload the file again."))
    data = tablib.Dataset(headers=[_("Sheet"), _("Row"), _("Column"), _("Error")])
    for error in payload["errors"]:
        data.append([error["sheet"], error["row"], error["column"], error["message"]])
    return spreadsheet_response(data, "csv", "fejl-strategi")


_allauth_login = LoginView.as_view()


@login_not_required
def sign_in_page(request):
    """allauth's sign-in page, whose buttons may send the browser on to the configured
    identity providers (the content security policy otherwise stops such a form)."""
    response = _allauth_login(request)
    if origins := sign_in_origins(get_social_adapter().list_apps(request)):
        response._csp_update = {"form-action": origins}
    return response


@login_not_required
def sign_in_saml_finish(request, organization_slug):
    """allauth's end of a SAML sign-in, where an answer this browser did not ask for, or has
    used already, is refused and logged like any other refusal."""
    try:
        return saml_views.finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        return sign_in_refused(
            request,
            provider="saml",
            reason="unrequested or replayed",
            refusal=_(
                "The answer from the login was not asked for by this browser, or it has been "
                "used before. Start again from the sign-in page."
            ),
        )


def _sign_in_settings_page(
    request, *, kombit_form=None, unilogin_form=None, directory_form=None, status=200
):
    apps = list(municipality_apps().order_by("pk"))  # every provider's, in one query
    kombit = next((app for app in apps if app.provider == "saml" and app.client_id == KOMBIT), None)
    unilogin = next((app for app in apps if app.provider == UNILOGIN), None)
    directories = []
    for provider in DIRECTORIES:
        app = next((app for app in apps if app.provider == provider), None)
        if directory_form is not None and directory_form.provider == provider:
            form = directory_form
        else:
            form = DirectorySettingsForm(provider=provider, app=app)
        redirect_uri = request.build_absolute_uri(reverse(f"{provider}_callback"))
        directories.append({"app": app, "form": form, "redirect_uri": redirect_uri})
    stored = kombit.settings if kombit else {}
    metadata_url = request.build_absolute_uri(reverse("saml_metadata", args=[KOMBIT]))
    unilogin_settings = {**UNILOGIN_DEFAULTS, **(unilogin.settings if unilogin else {})}
    context = {
        "kombit": kombit,
        "unilogin": unilogin,
        "kombit_form": kombit_form
        or KombitSettingsForm(stored=stored, cvr=municipality_current().cvr),
        "unilogin_form": unilogin_form or UniloginSettingsForm(app=unilogin),
        "service_keys_set": saml_service_keys() is not None,
        "metadata_url": metadata_url,
        "acs_url": request.build_absolute_uri(reverse("saml_acs", args=[KOMBIT])),
        "unilogin_redirect": request.build_absolute_uri(reverse("unilogin_callback")),
        "kombit_roles": [
            (label, stored.get("roles", {}).get(role, [])) for role, label in User.Role.choices
        ],
        "unilogin_roles": [
            (Membership.Role.LEADER.label, unilogin_settings["leader_types"]),
            (Membership.Role.RESOURCE_PERSON.label, unilogin_settings["resource_person_types"]),
        ],
        "unilogin_settings": unilogin_settings,
        "directories": directories,
    }
    return render(request, "institutions/sign_in_settings.html", context, status=status)


@consultant_required
@require_GET
def sign_in_settings(request):
    """How people sign in: Context Handler and Unilogin, their mapping to roles here, and
    the addresses to register with KOMBIT and STIL."""
    return _sign_in_settings_page(request)


@consultant_required
@require_POST
def sign_in_kombit_save(request):
    app = sign_in_app(KOMBIT)
    form = KombitSettingsForm(request.POST, request.FILES, stored=app.settings if app else {})
    if not form.is_valid():
        return _sign_in_settings_page(request, kombit_form=form, status=400)
    kombit_configure(cvr=form.cleaned_data["cvr"], settings=form.cleaned_data["settings"])
    messages.success(request, _("Context Handler's settings are saved."))
    return redirect("sign_in_settings")


@consultant_required
@require_POST
def sign_in_unilogin_save(request):
    form = UniloginSettingsForm(request.POST, app=sign_in_app(UNILOGIN))
    if not form.is_valid():
        return _sign_in_settings_page(request, unilogin_form=form, status=400)
    sign_in_configure(
        provider=UNILOGIN,
        name="Unilogin",
        client_id=form.cleaned_data["client_id"],
        secret=form.cleaned_data["secret"] or None,
        settings=form.cleaned_data["settings"],
    )
    messages.success(request, _("Unilogin's settings are saved."))
    return redirect("sign_in_settings")


@consultant_required
@require_POST
def sign_in_directory_save(request, provider):
    """The municipality's own Microsoft Entra ID tenant or Google Workspace domains."""
    if provider not in DIRECTORIES:
        raise Http404
    form = DirectorySettingsForm(request.POST, provider=provider, app=directory_app(provider))
    if not form.is_valid():
        return _sign_in_settings_page(request, directory_form=form, status=400)
    sign_in_configure(
        provider=provider,
        name=DIRECTORIES[provider],
        client_id=form.cleaned_data["client_id"],
        secret=form.cleaned_data["secret"] or None,
        settings=form.cleaned_data["settings"],
    )
    messages.success(
        request, _("The settings of %(provider)s are saved.") % {"provider": DIRECTORIES[provider]}
    )
    return redirect("sign_in_settings")


@consultant_required
@require_POST
def sign_in_test_start(request, provider):
    """Sign in at Context Handler or Unilogin to see what comes back and how it maps; the
    answer is shown, never used to sign anybody in (institutions.adapters)."""
    if provider not in ALLAUTH_PROVIDERS:
        raise Http404
    app = get_social_adapter().get_app(
        request,
        provider=ALLAUTH_PROVIDERS[provider],
        client_id=KOMBIT if provider == KOMBIT else None,
    )
    request.session[SIGN_IN_TEST] = provider
    request.session.pop(SIGN_IN_TEST_RESULT, None)
    return app.get_provider(request).redirect(request, process="login")


@consultant_required
@require_GET
def sign_in_test_result(request):
    result = request.session.get(SIGN_IN_TEST_RESULT)
    if result is None:
        return redirect("sign_in_settings")
    return render(request, "institutions/sign_in_test.html", {"result": result})
