"""HTML to tagged PDF with WeasyPrint, fetching nothing but our own static files."""

import logging
import mimetypes
from dataclasses import dataclass, field

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from weasyprint import HTML, URLFetcher
from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

# Documents are rendered against this made-up origin, so `{% static %}` paths resolve to it and
# nothing else can: the fetcher answers only for it (and data: URLs).
BASE_URL = "http://report.invalid/"
STATIC_PREFIX = BASE_URL + "static/"


class StaticOnlyFetcher(URLFetcher):
    """Serves our static files and data: URLs; refuses every other URL (network, file://)."""

    def __init__(self):
        super().__init__(allowed_protocols=["data", "http"], allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(STATIC_PREFIX):
            name = url.removeprefix(STATIC_PREFIX).split("?")[0].split("#")[0]
            body = _static_file(name)
            if body is not None:
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        self.refused.append(url)
        logger.warning("Report rendering refused to fetch %s", url[:200])
        raise ValueError(f"Not fetched: {url[:200]}")


def _static_file(name: str) -> bytes | None:
    """A static file by its name, from the finders (development) or the collected files."""
    try:
        path = finders.find(name)
        if path:
            with open(path, "rb") as file:
                return file.read()
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as file:
                return file.read()
    except (SuspiciousFileOperation, ValueError, OSError):
        return None
    return None


@dataclass
class RenderedPdf:
    content: bytes
    page_count: int
    refused: list[str] = field(default_factory=list)


def html_to_pdf(html: str) -> RenderedPdf:
    """A tagged PDF (PDF/UA-1) of the document, and what it was refused."""
    fetcher = StaticOnlyFetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        pdf_variant="pdf/ua-1"
    )
    content = document.write_pdf(pdf_variant="pdf/ua-1")
    return RenderedPdf(content=content, page_count=len(document.pages), refused=fetcher.refused)
