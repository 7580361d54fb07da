"""Write the Danish error pages a reverse proxy shows for what it answers itself: the app
down or too slow, an upload too large, a request it cannot read (docs/nginx.conf)."""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management.base import BaseCommand
from django.template.loader import render_to_string
from django.utils import translation

PAGES = {
    400: "400.html",
    413: "errors/too_large.html",
    502: "errors/not_answering.html",
    503: "errors/not_answering.html",
    504: "errors/not_answering.html",
}
# The proxy refuses bodies above this (client_max_body_size in docs/nginx.conf); below it the
# app answers too-large imports itself, in its own words.
PROXY_BODY_LIMIT_MB = 10


class Command(BaseCommand):
    help = "Write the reverse proxy's Danish error pages (400, 413, 502, 503, 504) to a folder."

    def add_arguments(self, parser):
        parser.add_argument("directory", type=Path)

    def handle(self, *, directory: Path, **options) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        context = {
            "inline_css": Path(finders.find("css/proxy-errors.css")).read_text(encoding="utf-8"),
            "upload_limit_mb": PROXY_BODY_LIMIT_MB,
        }
        with translation.override(settings.LANGUAGE_CODE):
            for status, template in PAGES.items():
                page = render_to_string(template, context)
                (directory / f"{status}.html").write_text(page, encoding="utf-8")
        self.stdout.write(f"{len(PAGES)} error pages in {directory}")
