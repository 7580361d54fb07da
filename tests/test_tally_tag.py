"""The "x af N" every table shows, with its bar on screen and its background in a PDF."""

from django.template import Context, Template

from actions.rollup import Tally
from tests.conftest import visible_text

TALLY = Template("{% load charts %}{% tally item %}")


def test_a_tally_says_x_of_n_beside_a_bar_that_is_not_read_aloud():
    html = TALLY.render(Context({"item": Tally(1500, 2000)}))
    assert visible_text(html) == "1.500 af 2.000 (75 %)"
    assert 'aria-hidden="true"' in html
    assert 'class="bar-fill" fill="#0059b3" x="0" y="0" width="75"' in html
    assert visible_text(TALLY.render(Context({"item": Tally()}))) == "0 af 0 (0 %)"


def test_in_a_pdf_the_bar_is_a_background():
    html = TALLY.render(Context({"item": Tally(1, 4), "for_print": True}))
    assert "<svg" not in html
    assert 'class="print-bar-fill" style="width: 25%"' in html
    assert visible_text(html) == "1 af 4 (25 %)"


def test_a_tally_text_alone():
    html = Template("{% load charts %}{% tally_text item %}").render(Context({"item": Tally(2, 3)}))
    assert html == "2\xa0af\xa03 (67\xa0%)"  # kept on one line
