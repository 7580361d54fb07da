"""HTML to tagged PDF with WeasyPrint, fetching nothing but our own static files, and the
tagging WeasyPrint leaves undone finished with pikepdf."""

import io
import logging
import mimetypes
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pikepdf
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
            body = static_file(name)
            if body is not None:
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
        self.refused.append(url)
        logger.warning("Report rendering refused to fetch %s", url[:200])
        raise ValueError(f"Not fetched: {url[:200]}")


def static_file(name: str) -> bytes | None:
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
    content = finish_tagging(document.write_pdf(pdf_variant="pdf/ua-1"), link_texts(html))
    return RenderedPdf(content=content, page_count=len(document.pages), refused=fetcher.refused)


class _LinkTexts(HTMLParser):
    def __init__(self):
        super().__init__()
        self.texts: dict[str, str] = {}
        self._target: str | None = None
        self._words: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and href.startswith("#"):
            self._target, self._words = href[1:], []

    def handle_data(self, data):
        if self._target is not None:
            self._words.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._target is not None:
            self.texts.setdefault(self._target, " ".join("".join(self._words).split()))
            self._target = None


def link_texts(html: str) -> dict[str, str]:
    """Each in-document link's target and the words it shows ("#siden" → "Siden 1. juni")."""
    parser = _LinkTexts()
    parser.feed(html)
    return parser.texts


def _reachable(node, seen: set) -> set:
    """The structure elements under `node` (by object id)."""
    stack = [node]
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
        elif isinstance(node, pikepdf.Dictionary):
            if node.is_indirect:
                if node.objgen in seen:
                    continue
                seen.add(node.objgen)
            if "/K" in node:
                stack.append(node.K)
    return seen


def finish_tagging(content: bytes, texts: dict[str, str]) -> bytes:
    """What WeasyPrint leaves for PDF/UA-1: running headers and footers (marked content
    outside the structure tree) become artifacts, and each link's alternative text is the
    words it shows, not its target's id."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        root = pdf.Root.StructTreeRoot
        tagged = _reachable(root.K, set())
        numbers = root.ParentTree.Nums
        parents = {int(numbers[n]): numbers[n + 1] for n in range(0, len(numbers), 2)}
        for page in pdf.pages:
            owners = parents.get(int(page.obj.get("/StructParents", -1)))
            if owners is not None:
                _margins_as_artifacts(pdf, page, owners, tagged)
            for annotation in page.obj.get("/Annots", []):
                target = str(annotation.get("/Dest", ""))
                if annotation.get("/Subtype") == "/Link" and target in texts:
                    annotation.Contents = pikepdf.String(texts[target])
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _margins_as_artifacts(pdf, page, owners, tagged: set) -> None:
    """Marked content whose structure element is not in the tree becomes an artifact."""
    changed = False
    instructions = []
    for operands, operator in pikepdf.parse_content_stream(page):
        if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary):
            mcid = operands[1].get("/MCID")
            if mcid is not None and int(mcid) < len(owners):
                owner = owners[int(mcid)]
                if owner.objgen not in tagged:
                    instructions.append(([pikepdf.Name.Artifact], pikepdf.Operator("BMC")))
                    changed = True
                    continue
        instructions.append((operands, operator))
    if changed:
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
