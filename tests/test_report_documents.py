"""What the committee gets: each report's first page is its summary with the right figures,
assessments in words, the changes since the chosen date, totals, nothing off the page, a
PDF/UA structure a screen reader can follow (checked with pikepdf over the whole tree), and
Word copies with real headings, tables and a described chart."""

import io
from collections import Counter

import docx
import pikepdf
import pytest
from django.utils import timezone
from pypdf import PdfReader

from actions.models import Action, ActionPlanItem, Progress
from actions.services import plan_item_add, progress_set
from reports.documents import budgets_by_domain, report_context, report_docx, report_html
from reports.models import Report
from reports.pdf import html_to_pdf
from tests.conftest import make_institutions

LONG_WORD = "Læringsplatformsintegrationsimplementeringskoordineringsarbejdsgruppemøderækken" * 2


@pytest.fixture
def progress_made(strategy, institutions, leader_school_a):
    """School A has done two actions (through the service, so the history says who) and
    says why a third is not relevant; a long word and a budget sit in its plan."""
    school = institutions["school_a"]
    rows = list(Progress.objects.filter(institution=school).order_by("pk"))
    for row, status, reason in (
        (rows[0], "done", ""),
        (rows[1], "done", ""),
        (rows[2], "not_relevant", "Varetages af naboskolen"),
    ):
        progress_set(
            progress_id=row.pk,
            status=status,
            reason=reason,
            note="",
            expected_version=row.version,
            by=leader_school_a,
        )
    for text, budget in ((LONG_WORD, 1_250_000), ("Kodeklub", 12_500)):
        plan_item_add(
            strategy=strategy,
            institution=school,
            item=ActionPlanItem(text=text, budget=budget, domain=strategy.domains.first()),
            by=leader_school_a,
        )
    return school


def render(kind, strategy, institution=None, **parameters):
    report = Report(kind=kind, strategy=strategy, institution=institution, parameters=parameters)
    context = report_context(report=report, today=timezone.localdate())
    html = report_html(report=report, context=context)
    word = report_docx(report=report, context=context) if report.has_word_copy else None
    return html_to_pdf(html).content, word, html


def page_texts(content: bytes) -> list[str]:
    return [
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(content)).pages
    ]


def expected_total(strategy) -> tuple[int, int]:
    """Done and counted, straight from the rows (not through the report's selectors)."""
    statuses = list(
        Progress.objects.filter(
            action__goal__domain__strategy=strategy,
            action__archived_at=None,
            institution__is_active=True,
        ).values_list("status", flat=True)
    )
    counted = [status for status in statuses if status != "not_relevant"]
    return counted.count("done"), len(counted)


# --- What is on the pages -----------------------------------------------------------------


def test_the_status_report_opens_with_its_summary_and_lists_the_changes(strategy, progress_made):
    content, _word, _html = render("status", strategy, since=timezone.localdate().isoformat())
    pages = page_texts(content)
    done, counted = expected_total(strategy)
    first = pages[0]
    assert "Sammenfatning" in first and "Indhold" in first  # short: contents on page 1 too
    assert f"{done} af {counted} handlinger på institutionerne" in first
    assert f"Strategien er {round(100 * done / counted)} % udført" in first
    assert "Vurdering: " in first
    assert "Siden " in first and "ændringer" in first and "procentpoint" in first
    everything = " ".join(pages)
    # The changes: when, where, who, and the status before and after.
    assert "Ikke startet → Udført" in everything
    assert "Ikke startet → Ikke relevant" in everything
    assert "Skole A · Leder af Skole A" in everything or "Skole A ·" in everything
    # Then and now per domain and per actor, with the change in percentage points.
    assert "Andel udført dengang og nu, pr. domæne" in everything
    assert "Andel udført dengang og nu, pr. aktør" in everything
    assert "pct.-point" in everything
    # Assessments are words, beside their symbol.
    assert any(word in everything for word in ("Bagud", "På rette spor", "Ikke startet"))


def test_the_revision_report_opens_with_summary_and_recommendations_and_totals_its_budget(
    strategy, progress_made
):
    content, word, _html = render("revision", strategy, recommendations="Styrk læremidlerne.")
    assert word is None  # the revision report is a PDF only
    pages = page_texts(content)
    done, counted = expected_total(strategy)
    assert "Sammenfatning" in pages[0]
    assert f"{done} af {counted} handlinger på institutionerne" in pages[0]
    assert "Anbefalinger til revisionen Styrk læremidlerne." in pages[0]
    everything = " ".join(pages)
    assert "Budget pr. domæne" in everything
    assert "I alt 1.262.500 kr." in everything.replace("I alt I alt", "I alt")
    # The not-done section says that it lists only rows with words, and how many have none.
    assert "Kun institutioner, der har skrevet en begrundelse eller en note, er med" in everything
    assert "Skole A · Ikke relevant: Varetages af naboskolen" in everything


def test_the_municipal_plan_is_titled_once_and_a_local_plan_sums_its_items(strategy, progress_made):
    content, _word, _html = render("action_plan", strategy)
    assert page_texts(content)[0].count("Kommunal handleplan") >= 1
    assert "Handleplan: Kommunal handleplan" not in " ".join(page_texts(content))

    content, _word, _html = render("action_plan", strategy, institution=progress_made)
    first = page_texts(content)[0]
    rows = Progress.objects.filter(institution=progress_made).exclude(status="not_relevant")
    assert "Sammenfatning" in first
    assert f"{rows.filter(status='done').count()} af {rows.count()} handlinger udført" in first
    assert "Planen har 2 punkter og koster 1.262.500 kr. over perioden." in first


def test_with_no_institutions_a_report_says_so_in_a_sentence(strategy):
    content, _word, _html = render("status", strategy, since="2026-01-01")
    everything = " ".join(page_texts(content))
    assert "Ingen institution har endnu nogen af strategiens handlinger" in everything
    assert "0 af 0" not in everything
    assert "Kommunen har endnu ingen aktive institutioner." in everything


# --- Nothing off the page -------------------------------------------------------------------


def text_off_the_page(content: bytes) -> list[str]:
    """Text that starts outside its page, or whose estimated width runs past the edge."""
    off = []
    for page in PdfReader(io.BytesIO(content)).pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)

        def visit(text, cm, tm, _font, size, width=width, height=height):
            if not text.strip():
                return
            scale = tm[0] * cm[0]
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            end = x + len(text.strip()) * size * abs(scale) * 0.45
            if x < 0 or y < 0 or y > height or end > width + 1:
                off.append(text.strip()[:40])

        page.extract_text(visitor_text=visit)
    return off


@pytest.mark.parametrize("kind", ["status", "revision", "action_plan"])
def test_long_words_break_inside_the_page(kind, strategy, progress_made):
    Action.objects.filter(pk=Action.objects.filter(goal__domain__strategy=strategy)[0].pk).update(
        text=LONG_WORD
    )
    progress_made.name = LONG_WORD[:120]
    progress_made.save()
    parameters = {"since": "2026-01-01"} if kind == "status" else {}
    institution = progress_made if kind == "action_plan" else None
    content, _word, _html = render(kind, strategy, institution=institution, **parameters)
    assert LONG_WORD[:12] in " ".join(page_texts(content))
    assert text_off_the_page(content) == []


# --- The structure a screen reader reads ----------------------------------------------------


def structure_problems(content: bytes, html: str) -> list[str]:
    """Walk the whole structure tree: figures without alternative text, tables inside
    tables, a table or list split into one element per page, headings without an ID in the
    ID tree, marked content that is neither in the tree nor an artifact, and links whose
    alternative text is an id rather than their words."""
    problems = []
    with pikepdf.open(io.BytesIO(content)) as pdf:
        root = pdf.Root.StructTreeRoot
        assert pdf.Root.MarkInfo.Marked and str(pdf.Root.Lang) == "da"
        tagged, kinds, headings = set(), Counter(), []
        stack = [(root.K, ())]
        while stack:
            node, ancestors = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend((kid, ancestors) for kid in node)
                continue
            if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
                continue
            if node.is_indirect:
                if node.objgen in tagged:
                    continue
                tagged.add(node.objgen)
            kind = str(node.S)
            kinds[kind] += 1
            if kind == "/Figure" and not str(node.get("/Alt", "")).strip():
                problems.append("figure without alternative text")
            if kind == "/Table" and "/Table" in ancestors:
                problems.append("table inside a table")
            if kind in ("/H1", "/H2", "/H3"):
                headings.append(str(node.get("/ID", "")))
            if "/K" in node:
                stack.append((node.K, (*ancestors, kind)))
        if kinds["/Table"] != html.count("<table"):
            problems.append(f"{kinds['/Table']} table elements for {html.count('<table')} tables")
        lists = sum(html.count(tag) for tag in ("<ul", "<ol", "<dl"))
        if kinds["/L"] != lists:
            problems.append(f"{kinds['/L']} list elements for {lists} lists")
        names = root.IDTree.Names
        ids = {str(names[n]) for n in range(0, len(names), 2)}
        if not headings or not all(heading in ids for heading in headings):
            problems.append("a heading without an ID in the ID tree")
        numbers = root.ParentTree.Nums
        owners = {int(numbers[n]): numbers[n + 1] for n in range(0, len(numbers), 2)}
        for number, page in enumerate(pdf.pages, start=1):
            page_owners = owners[int(page.obj.StructParents)]
            for operands, operator in pikepdf.parse_content_stream(page):
                if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
                    mcid = int(operands[1].MCID)
                    if page_owners[mcid].objgen not in tagged:
                        problems.append(f"untagged content on page {number}")
            for annotation in page.obj.get("/Annots", []):
                if str(annotation.get("/Contents", "")) == str(annotation.get("/Dest", "")):
                    problems.append(f"link named by its id on page {number}")
    return problems


@pytest.mark.parametrize("kind", ["status", "revision", "action_plan"])
def test_every_report_has_a_whole_structure(kind, strategy, progress_made):
    parameters = {"since": "2026-01-01"} if kind == "status" else {}
    institution = progress_made if kind == "action_plan" else None
    content, _word, html = render(kind, strategy, institution=institution, **parameters)
    assert structure_problems(content, html) == []


def test_a_table_across_pages_stays_one_table_with_its_head_read_once(strategy, actors):
    make_institutions(actors, schools=80, daycare=0)
    content, _word, html = render("status", strategy, since="2026-01-01")
    pages = page_texts(content)
    first = next(n for n, text in enumerate(pages) if "Udførte handlinger pr. institution" in text)
    assert "Skole 79" not in pages[first]  # the table goes on over the next page
    assert any("Skole 79" in text for text in pages[first + 1 :])
    assert structure_problems(content, html) == []


def test_the_contents_links_are_read_by_their_danish_words(strategy, progress_made):
    content, _word, _html = render("status", strategy, since="2026-01-01")
    with pikepdf.open(io.BytesIO(content)) as pdf:
        names = {str(link.Contents) for link in pdf.pages[0].obj.Annots}
    assert "Domæner og aktører" in names and "Institutioner" in names


# --- Word -----------------------------------------------------------------------------------


def test_the_status_report_in_word_has_headings_tables_and_a_described_chart(
    strategy, progress_made
):
    _content, word, _html = render("status", strategy, since="2026-01-01")
    document = docx.Document(io.BytesIO(word))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:3] == ["Sammenfatning", "Domæner og aktører", "Udvikling over tid"]
    assert "Institutioner" in headings
    done, counted = expected_total(strategy)
    assert any(
        f"{done} af {counted} handlinger" in p.text for p in document.paragraphs
    )  # the summary, as in the PDF
    assert len(document.tables) >= 4
    head = [cell.text for cell in document.tables[0].rows[0].cells]
    assert head[0] == "Domæne" and head[-1] == "Vurdering"
    assert document.tables[0].rows[0]._tr.trPr.xml.count("tblHeader") == 1  # repeats
    # The changes' action text gets the room, in Word and in LibreOffice (the grid) alike.
    (changes,) = [t for t in document.tables if t.rows[0].cells[0].text == "Hvornår"]
    assert changes.columns[3].width > 2 * changes.columns[0].width
    (chart,) = document.inline_shapes
    description = chart._inline.docPr.get("descr")
    assert description.startswith("Andel udførte handlinger pr. domæne")
    assert document.core_properties.language == "da-DK"


def test_a_handleplan_in_word_lists_its_items_and_totals(strategy, progress_made):
    _content, word, _html = render("action_plan", strategy, institution=progress_made)
    document = docx.Document(io.BytesIO(word))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Sammenfatning", "Økonomisk overblik", "Planens punkter"]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    assert LONG_WORD in cells and "Kodeklub" in cells
    assert "1.262.500 kr." in cells  # the domain table's total
    assert document.paragraphs[0].text == strategy.municipality_name


def test_a_reason_many_institutions_share_is_one_line_naming_them(strategy, actors):
    make_institutions(actors, schools=4, daycare=0)
    action = (
        Action.objects.filter(goal__domain__strategy=strategy, actors=actors["skole"])
        .order_by("pk")
        .first()
    )
    rows = Progress.objects.filter(action=action, institution__name__startswith="Skole")
    rows.update(status="not_relevant", reason="Varetages centralt")
    rows.filter(institution__name="Skole 3").update(note="Aftalt med forvaltningen")
    content, _word, _html = render("revision", strategy)
    everything = " ".join(page_texts(content))
    assert "Ikke relevant: Varetages centralt (3 institutioner): Skole 0, Skole 1, Skole 2" in (
        everything
    )
    # A row with a note of its own keeps its line.
    assert "Skole 3 · Ikke relevant: Varetages centralt – Aftalt med forvaltningen" in everything


def test_the_domains_budgets_add_up_each_items_years(strategy, institutions, leader_school_a):
    """The revision report's budgets per domain, summed in the database, are what the items'
    own amounts by year add up to: a recurring item once per year of its plan."""
    school = institutions["school_a"]
    focus = Action.objects.filter(actors__code="skole").first()
    local_domain = strategy.domains.order_by("order").last()
    for item in (
        ActionPlanItem(action=focus, budget=100_000),
        ActionPlanItem(text="Kodeklub", budget=12_500, recurrence="recurring", domain=local_domain),
        ActionPlanItem(text="Robotter", budget=40_000, domain=local_domain),
    ):
        plan_item_add(strategy=strategy, institution=school, item=item, by=leader_school_a)
    expected = Counter()
    for item in ActionPlanItem.objects.select_related("plan", "action__goal"):
        domain_id = item.action.goal.domain_id if item.action_id else item.domain_id
        expected[domain_id] += sum(item.amounts_by_year(item.plan.years).values())
    years = len(school.action_plans.get().years)
    assert expected[local_domain.pk] == 12_500 * years + 40_000
    budgets = budgets_by_domain(strategy=strategy)
    domains = strategy.domains.order_by("order")
    assert [row.in_plans for row in budgets] == [expected[domain.pk] for domain in domains]
