"""Spreadsheet import and export: Danish files, a preview first, all or nothing, and
hostile files refused with a Danish message and no change."""

import csv
import datetime as dt
import io
import os
import time
import zipfile

import openpyxl
import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.forms import ActionForm
from actions.models import Action, Progress
from actions.services import EditConflict, item_save
from administration.tasks import imports_discard_expired_task
from institutions.models import Institution, Membership, SecurityEvent, User
from tests.conftest import spreadsheet_made, visible_text, workbook_rows

FOCUS = "prioritere økonomi til investering i læringsteknologier."


def csv_upload(rows, *, encoding="cp1252", delimiter=";", name="institutioner.csv"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding), "text/csv")


def xlsx_upload(rows, name="institutioner.xlsx"):
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def preview(client, upload, kind="institutioner", institution=None):
    data = {"kind": kind, "file": upload}
    if institution:
        data["institution"] = institution.pk
    return client.post(reverse("spreadsheet_import"), data)


def state():
    """What a refused import must leave exactly as it was."""
    return (
        list(Institution.objects.order_by("pk").values()),
        list(Membership.objects.order_by("pk").values()),
        list(User.objects.order_by("pk").values_list("email", flat=True)),
        list(Progress.objects.order_by("pk").values()),
    )


DANISH_ROWS = [
    ["Navn", "Type", "Område", "Antal børn", "Leder (e-mail)"],
    ["Æblehavens Børnehus", "Dagtilbud", "Hobro", "1.234", "leder@aeblehaven.dk"],
    ["Skole A", "Skole", "Arden", "300", ""],
]


def test_a_danish_excel_csv_is_previewed_then_imported(
    client, strategy, institutions, consultant, django_capture_on_commit_callbacks
):
    client.force_login(consultant)
    before = state()
    with django_capture_on_commit_callbacks(execute=True):
        response = preview(client, csv_upload(DANISH_ROWS))
    assert response.status_code == 200
    page = visible_text(response.content)
    assert "1 ny 1 ændret 0 uændrede 0 fejl" in page
    assert "Æblehavens Børnehus Dagtilbud Hobro 1234" in page  # 1.234 read as a number
    assert state() == before  # the preview changed nothing
    token = response.context["token"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("spreadsheet_import_confirm", args=[token]))
    assert response.status_code == 302
    # Back and "Importér" again: the upload is gone, nothing is imported twice, and it says so.
    again = client.post(reverse("spreadsheet_import_confirm", args=[token]))
    assert again.status_code == 409
    assert "allerede importeret" in visible_text(again.content)
    new = Institution.objects.get(name="Æblehavens Børnehus")
    assert (new.actor.code, new.children_count) == ("dagtilbud", 1234)
    assert Institution.objects.get(name="Skole A").area == "Arden"
    leader = Membership.objects.get(institution=new, role="leader").user
    assert leader.email == "leder@aeblehaven.dk"
    assert Progress.objects.filter(institution=new).exists()
    # A leader new to the app is invited as in the browser: an e-mail with a link to set a
    # password (once, not for the preview), and an entry in the security log naming who.
    (invitation,) = mail.outbox
    assert invitation.to == ["leder@aeblehaven.dk"]
    assert "http://testserver/" in invitation.body
    assert not leader.has_usable_password()
    event = SecurityEvent.objects.get(kind="person_invited", subject=leader)
    assert event.actor == consultant


def test_xlsx_with_danish_headings_and_a_formula_that_is_read_not_run(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    before = state()
    upload = xlsx_upload(
        [
            ["Institution", "Aktør", "Distrikt", "Børnetal"],
            ["Bakkehuset", "Skole", "Hadsund", 412],
            ['=HYPERLINK("http://127.0.0.1:9/","Klik")', "Skole", "Hadsund", "=2*200"],
        ]
    )
    response = preview(client, upload)
    page = visible_text(response.content)
    problems = response.context["preview"].problems
    # The formula's value was never calculated, so the name is empty: refused, not run.
    assert [(p.row, p.column) for p in problems] == [(3, "Navn")]
    assert "HYPERLINK" not in page
    assert "Bakkehuset Skole Hadsund 412" in page
    assert response.context["preview"].can_confirm is False
    assert state() == before


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (["Ny skole", "Børnehave", "Hobro", "10", ""], "Type", "Ukendt aktør “børnehave”."),
        (
            ["Ny skole", "Skole", "Hobro", "-4", ""],
            "Antal børn",
            "Antallet kan ikke være negativt.",
        ),
        (
            ["Ny skole", "Skole", "Hobro", "mange", ""],
            "Antal børn",
            "Skriv antallet af børn som et helt tal.",
        ),
        (["Ny skole", "Skole", "Hobro", "10", "ikke en adresse"], "", "er ikke en e-mailadresse."),
    ],
)
def test_row_errors_name_row_column_and_reason_and_nothing_is_imported(
    client, strategy, institutions, consultant, row, column, message
):
    client.force_login(consultant)
    before = state()
    good = ["God skole", "Skole", "Hobro", "100", ""]
    response = preview(client, csv_upload([DANISH_ROWS[0], good, row]))
    problems = response.context["preview"].problems
    assert [(p.row, p.column) for p in problems] == [(3, column)]
    assert message in problems[0].message
    assert response.context["preview"].can_confirm is False
    failed = client.get(reverse("spreadsheet_failed_rows", args=[response.context["token"]]))
    lines = failed.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 2 and lines[1].startswith("Ny skole;") and message[:10] in lines[1]
    # Confirming anyway imports nothing, not even the good row.
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    assert state() == before


def zip_bomb() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (100 * 1024 * 1024))
    return SimpleUploadedFile("bombe.xlsx", buffer.getvalue())


@pytest.mark.parametrize(
    ("make_upload", "message"),
    [
        (lambda: SimpleUploadedFile("plan.pdf", b"%PDF-1.7 ..."), "Vælg en CSV- eller XLSX-fil."),
        (lambda: SimpleUploadedFile("tom.csv", b""), "Den indsendte fil er tom."),
        (lambda: SimpleUploadedFile("tom.csv", b"   \n"), "Filen er tom."),
        (lambda: csv_upload([["Navn", "Område"], ["X", "Y"]]), "Filen mangler kolonnerne: Type."),
        (lambda: csv_upload([["Navn", "Type"]]), "Filen har ingen rækker under overskrifterne."),
        (
            lambda: SimpleUploadedFile("forkert.csv", b"Navn;Type\n\x81\x8d\x90;Skole\n"),
            "Filens tegn kan ikke læses.",
        ),
        (lambda: SimpleUploadedFile("falsk.xlsx", b"PK\x03\x04 ikke en zip"), "ikke en læsbar"),
        (zip_bomb, "pakkes ud til langt mere"),
        (
            lambda: csv_upload([["Navn", "Type"]] + [[f"S{n}", "Skole"] for n in range(60)]),
            "Filen har mere end 50 rækker.",
        ),
        (
            lambda: SimpleUploadedFile("stor.csv", b"Navn;Type\n" + b"x;Skole\n" * 40_000),
            "Filen er for stor",
        ),
        (
            lambda: csv_upload([["Navn", "Type"], ["x" * 10_001, "Skole"]]),
            "Række 2 har en celle med mere end 10000 tegn.",
        ),
        (
            # Past the csv module's own limit of 131,072 characters a field.
            lambda: csv_upload([["Navn", "Type"], ["Skole A", "Skole"], ["x" * 131_073, "Skole"]]),
            "Række 3 har en celle med mere end 10000 tegn.",
        ),
        (
            lambda: xlsx_upload([["Navn", "Type"], ["x" * 10_001, "Skole"]], name="lang.xlsx"),
            "Række 2 har en celle med mere end 10000 tegn.",
        ),
    ],
)
def test_hostile_and_broken_files_are_refused_in_danish_with_no_change(
    client, settings, strategy, institutions, consultant, make_upload, message
):
    settings.IMPORT_MAX_ROWS = 50
    settings.IMPORT_MAX_BYTES = 300_000
    client.force_login(consultant)
    before = state()
    texts_before = sorted(Action.objects.values_list("text", flat=True))
    response = preview(client, make_upload())
    assert response.status_code == 400
    assert message in visible_text(response.content)
    assert state() == before
    assert sorted(Action.objects.values_list("text", flat=True)) == texts_before


def test_progress_for_one_institution_imports_danish_status_words(
    client, strategy, institutions, consultant
):
    school = institutions["school_a"]
    client.force_login(consultant)
    other = Action.objects.filter(actors__code="skole").exclude(text=FOCUS).first()
    rows = [
        ["Handling", "Status", "Note", "Begrundelse"],
        [FOCUS, "Udført", "Robotter indkøbt", ""],
        [other.text, "Ikke relevant", "", "Varetages centralt"],
    ]
    changes_url = reverse("institution_changes", args=[school.pk])
    assert "Robotter indkøbt" not in visible_text(client.get(changes_url).content)
    response = preview(client, csv_upload(rows, encoding="utf-8"), "status", school)
    assert response.context["preview"].count_update == 2
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    row = Progress.objects.get(institution=school, action__text=FOCUS)
    assert (row.status, row.note, row.updated_by, row.version) == (
        "done",
        "Robotter indkøbt",
        consultant,
        2,
    )
    assert row.history.latest().history_user == consultant
    assert Progress.objects.get(institution=school, action=other).reason == "Varetages centralt"
    # The institution's recent changes, kept since the look above, show the imported ones.
    assert "Note: Robotter indkøbt" in visible_text(client.get(changes_url).content)


def test_not_relevant_without_a_reason_and_unknown_actions_are_row_errors(
    client, strategy, institutions, consultant
):
    school = institutions["school_a"]
    client.force_login(consultant)
    before = state()
    rows = [
        ["Handling", "Status"],
        [FOCUS, "ikke relevant"],
        ["en handling der ikke findes", "udført"],
        [FOCUS, "halvt færdig"],
    ]
    response = preview(client, csv_upload(rows), "status", school)
    problems = response.context["preview"].problems
    assert [p.row for p in problems] == [2, 3, 4]
    assert "Skriv status som" in problems[2].message
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    assert state() == before


def test_exports_neutralise_formulas_and_import_back(
    client, media, strategy, institutions, consultant
):
    Institution.objects.filter(pk=institutions["school_b"].pk).update(
        name='=HYPERLINK("http://evil","x")', children_count=250
    )
    client.force_login(consultant)
    response = client.get(reverse("spreadsheet_export", args=["institutioner", "csv"]))
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    content = spreadsheet_made(client, "register")  # by a worker
    names = [row[0] for row in workbook_rows(content)[1:]]
    assert '\'=HYPERLINK("http://evil","x")' in names
    # The export is a valid import: every row comes back unchanged.
    upload = SimpleUploadedFile("eksport.xlsx", content)
    result = preview(client, upload).context["preview"]
    assert result.count_skip == Institution.objects.count() - 1
    assert result.count_new == 1  # the neutralised name is now plain text


def test_a_leader_exports_only_their_own_institutions_progress(
    client, strategy, institutions, leader_school_a
):
    client.force_login(leader_school_a)
    own = client.get(
        reverse("spreadsheet_export", args=["status", "csv"]),
        {"institution": institutions["school_a"].pk},
    )
    assert own.status_code == 200
    assert FOCUS in own.content.decode("utf-8-sig")
    other = client.get(
        reverse("spreadsheet_export", args=["status", "csv"]),
        {"institution": institutions["school_b"].pk},
    )
    assert other.status_code == 404
    assert client.get(reverse("spreadsheet_import")).status_code == 403


def strategy_snapshot(strategy):
    return sorted(
        (
            action.goal.domain.name,
            action.goal.domain.order,
            action.goal.text,
            action.goal.scope,
            action.text,
            action.parent.text if action.parent else "",
            tuple(sorted(actor.code for actor in action.actors.all())),
            action.deadline,
            action.deadline_label,
            action.budget,
            action.responsible,
            tuple(sorted(p.text for p in action.goal.principles.all())),
        )
        for action in Action.objects.filter(goal__domain__strategy=strategy).select_related(
            "goal__domain", "parent"
        )
    )


def test_the_strategy_round_trips_through_a_spreadsheet(client, strategy, institutions, consultant):
    focus = Action.objects.get(text=FOCUS)
    focus.deadline, focus.budget, focus.responsible = dt.date(2026, 6, 30), 160_000, "PLC"
    focus.save()
    first, _second, third, *_rest = strategy.principles.order_by("order", "pk")
    focus.goal.principles.set([first, third])
    other = Action.objects.exclude(pk=focus.pk).filter(parent=None).first()
    # A deadline in words, with the date it means (as the form and the import store it).
    Action.objects.filter(pk=other.pk).update(
        deadline_label="Efteråret 2026", deadline=dt.date(2026, 11, 30)
    )
    before = strategy_snapshot(strategy)
    client.force_login(consultant)
    exported = client.get(reverse("spreadsheet_export", args=["strategi", "xlsx"])).content
    strategy.domains.all().delete()  # an empty strategy to import into
    assert not Action.objects.exists()

    response = preview(client, SimpleUploadedFile("strategi.xlsx", exported), "strategi")
    result = response.context["preview"]
    assert result.problems == []
    assert result.count_new == len(before)
    assert not Action.objects.exists()  # the preview wrote nothing
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    assert strategy_snapshot(strategy) == before
    assert Progress.objects.filter(action__goal__domain__strategy=strategy).count() > 0


def test_a_danish_strategy_csv_is_understood(client, strategy, institutions, consultant):
    strategy.domains.all().delete()
    client.force_login(consultant)
    rows = [
        ["Domæne", "Mål", "Målniveau", "Handling", "Overpunkt", "Aktør", "Frist", "Budget (kr.)"],
        [
            "Kompetencer",
            "Alle kan kode.",
            "Lokalt mål",
            "afholde kodeuge.",
            "",
            "Skole og dagtilbud",
            "31-12-2026",
            "160.000",
        ],
        [
            "Kompetencer",
            "Alle kan kode.",
            "",
            "planlægge kurser:",
            "",
            "Dagtilbud/Skole",
            "2026-12-31",
            "",
        ],
        [
            "Kompetencer",
            "Alle kan kode.",
            "",
            "for pædagoger",
            "planlægge kurser:",
            "Dagtilbud",
            "Efteråret 2026",
            "",
        ],
        [
            "Læremidler",
            "Gode læremidler.",
            "Kommunalt mål",
            "vejlede om indkøb.",
            "",
            "Forvaltning",
            "primo 2027",
            "12.500 kr.",
        ],
    ]
    response = preview(client, csv_upload(rows, name="strategi.csv"), "strategi")
    page = visible_text(response.content)
    assert response.context["preview"].problems == []
    assert "afholde kodeuge. Skole og dagtilbud 31. december 2026 160.000 kr." in page
    assert "Efteråret 2026 (30. november 2026)" in page
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    week = Action.objects.get(text="afholde kodeuge.")
    assert (week.deadline.isoformat(), week.budget, week.goal.scope) == (
        "2026-12-31",
        160_000,
        "local",
    )
    assert sorted(a.code for a in week.actors.all()) == ["dagtilbud", "skole"]
    sub_item = Action.objects.get(text="for pædagoger")
    assert (sub_item.parent.text, sub_item.deadline_label) == (
        "planlægge kurser:",
        "Efteråret 2026",
    )
    purchase = Action.objects.get(text="vejlede om indkøb.")
    assert (purchase.deadline_label, purchase.budget) == ("primo 2027", 12_500)
    assert list(strategy.domains.values_list("name", flat=True)) == ["Kompetencer", "Læremidler"]


def test_an_xlsx_that_unpacks_to_more_than_30_mb_is_refused_though_it_packs_well_under_50(
    client, strategy, institutions, consultant
):
    """Like a 3.4 MB file that unpacks to 100 MB: within the ratio, over the absolute limit."""
    rows = b"".join(os.urandom(64).hex().encode() + b"0" * 896 for _ in range(31 * 1024))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", rows)
    packed = buffer.getvalue()
    assert 31 * 1024 * 1024 / len(packed) < 50
    client.force_login(consultant)
    response = preview(client, SimpleUploadedFile("stor.xlsx", packed))
    assert response.status_code == 400
    assert "pakkes ud til langt mere" in visible_text(response.content)


def test_an_upload_is_deleted_after_an_hour_confirmed_or_not(
    client, settings, tmp_path, strategy, institutions, consultant, municipality
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(consultant)
    old = preview(client, csv_upload(DANISH_ROWS)).context["token"]
    new = preview(client, csv_upload(DANISH_ROWS)).context["token"]
    two_hours_ago = time.time() - 7200
    folder = tmp_path / "imports" / str(municipality.pk)  # each municipality's own
    os.utime(folder / f"{old}.json", (two_hours_ago, two_hours_ago))
    before = state()
    response = client.post(reverse("spreadsheet_import_confirm", args=[old]))
    assert response.status_code == 409
    assert "Upload filen igen" in visible_text(response.content)  # expired: say so
    assert state() == before
    assert imports_discard_expired_task.apply().get() == 1
    assert sorted(path.name for path in folder.iterdir()) == [f"{new}.json"]


def test_a_strategy_spreadsheet_with_bad_rows_gets_the_row_by_row_preview(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    good = ["Kompetencer", "Alle kan kode.", "Lokale mål", "afholde kodeuge.", "", "Skole"]
    rows = [
        ["Domæne", "Mål", "Målniveau", "Handling", "Overpunkt", "Aktør", "Budget (kr.)"],
        [*good, "160.000"],
        ["Kompetencer", "Alle kan kode.", "", "ukendt aktør.", "", "Ukendt", ""],
        ["Kompetencer", "Alle kan kode.", "", "negativt budget.", "", "Skole", "-5"],
        ["Kompetencer", "", "", "uden mål.", "", "Skole", ""],
        ["Kompetencer", "Et mål.", "Regionalt mål", "forkert niveau.", "", "Skole", ""],
    ]
    before = Action.objects.count()
    response = preview(client, csv_upload(rows, name="strategi.csv"), "strategi")
    assert response.status_code == 200
    problems = response.context["preview"].problems
    assert [problem.row for problem in problems] == [3, 4, 5, 6]
    page = visible_text(response.content)
    assert "3 Ukendt aktør “ukendt”. 4 Budget (kr.) Budgettet kan ikke være negativt." in page
    assert "5 Skriv målet. 6 Skriv målniveauet som “kommunalt” eller “lokalt”." in page
    assert "2 Ny Kompetencer Alle kan kode. Lokalt mål afholde kodeuge." in page
    # The refused rows come back as they were written, each with its error, to be fixed;
    # nothing was written.
    failed = client.get(reverse("spreadsheet_failed_rows", args=[response.context["token"]]))
    lines = failed.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Domæne;Mål;Målniveau;Handling;Overpunkt;Aktør;Budget (kr.);Fejl"
    assert lines[1] == "Kompetencer;Alle kan kode.;;ukendt aktør.;;Ukendt;;Ukendt aktør “ukendt”."
    assert len(lines) == 5
    assert Action.objects.count() == before


def test_an_edit_form_opened_before_an_import_meets_a_conflict(
    client, strategy, institutions, consultant
):
    focus = Action.objects.get(text=FOCUS)
    opened_at = focus.version  # a consultant opens the action's edit form
    client.force_login(consultant)
    exported = client.get(reverse("spreadsheet_export", args=["strategi", "xlsx"])).content
    workbook = openpyxl.load_workbook(io.BytesIO(exported))
    sheet = workbook.active
    headings = [cell.value for cell in sheet[1]]
    row = next(
        r for r in sheet.iter_rows(min_row=2) if r[headings.index("Handling")].value == FOCUS
    )
    row[headings.index("Ansvarlig")].value = "Skolechefen"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = preview(client, SimpleUploadedFile("strategi.xlsx", buffer.getvalue()), "strategi")
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    focus.refresh_from_db()
    assert (focus.responsible, focus.version) == ("Skolechefen", opened_at + 1)

    form = ActionForm(
        data={
            "text": FOCUS,
            "goal": focus.goal_id,
            "actors": [actor.pk for actor in focus.actors.all()],
            "responsible": "PLC",
            "version": opened_at,
        },
        instance=Action.objects.get(pk=focus.pk),
        strategy=strategy,
    )
    assert form.is_valid(), form.errors
    with pytest.raises(EditConflict):
        item_save(form=form, siblings=("goal",), expected_version=opened_at, by=consultant)
    focus.refresh_from_db()
    assert focus.responsible == "Skolechefen"  # the import's word stands


def test_institution_numbers_are_imported_for_unilogin_and_a_clash_is_refused(
    client, strategy, institutions, consultant
):
    client.force_login(consultant)
    rows = [
        ["Navn", "Type", "Institutionsnummer"],
        ["Skole A", "Skole", "280123"],
        ["Skole B", "Skole", "280124"],
    ]
    response = preview(client, csv_upload(rows))
    client.post(reverse("spreadsheet_import_confirm", args=[response.context["token"]]))
    numbers = dict(Institution.objects.values_list("name", "institution_number"))
    assert (numbers["Skole A"], numbers["Skole B"]) == ("280123", "280124")

    before = state()
    clash = [["Navn", "Type", "Institutionsnummer"], ["Dagtilbud A", "Dagtilbud", "280123"]]
    response = preview(client, csv_upload(clash))
    assert "En anden institution har allerede dette institutionsnummer." in visible_text(
        response.content
    )
    assert response.context["preview"].can_confirm is False
    assert state() == before
