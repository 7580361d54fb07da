"""A real Chromium: a consultant finds an institution by typing, ticks it and saves; Enter in
another field saves rather than searches; the picker is accessible."""

import pytest
from django.urls import reverse

from institutions.models import Membership
from tests.browser import axe_violations, use_session_of
from tests.conftest import make_institutions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_consultant_finds_ticks_and_saves_an_institution(page, live_server, consultant, actors):
    made = make_institutions(actors, schools=60, daycare=60, prefix="By ")
    target = made[75]  # "By Dagtilbud 14"
    page.set_viewport_size({"width": 375, "height": 800})
    use_session_of(page, live_server, consultant)
    page.goto(live_server.url + reverse("person_create"))
    page.get_by_label("E-mailadresse").fill("pia@example.org")
    page.get_by_label("Fornavn").fill("Pia")
    page.get_by_label("Efternavn").fill("Pædagog")
    page.get_by_label("Find en institution").fill("Dagtilbud 14")
    page.get_by_label(f"{target.name} (Dagtilbud)").check()
    assert page.locator("input[name=institutions]").count() == 1
    assert axe_violations(page) == []
    # Another search keeps the box ticked.
    page.get_by_label("Find en institution").fill("Skole 3")
    page.get_by_label("By Skole 30 (Skole)").wait_for()
    assert page.get_by_label(f"{target.name} (Dagtilbud)").is_checked()
    page.get_by_label("Rolle på institutionerne").select_option(label="Leder")
    # Enter in a field saves; it does not search.
    page.get_by_label("Efternavn").press("Enter")
    page.wait_for_url(f"**{reverse('person_list')}")
    membership = Membership.objects.get(user__email="pia@example.org")
    assert (membership.institution, membership.role) == (target, Membership.Role.LEADER)
