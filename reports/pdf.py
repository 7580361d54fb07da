"""HTML to tagged PDF with WeasyPrint, fetching nothing but our own static files, and the
tagging WeasyPrint leaves undone finished with pikepdf."""

import io
import logging
import mimetypes
import re
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
    """What WeasyPrint leaves for PDF/UA-1: a table, list or section that crosses pages
    becomes one structure element again (a repeated table head is an artifact); running
    headers and footers (marked content outside the structure tree) become artifacts; the
    headings, tables, figures, lists and sections get IDs in an ID tree; and each link's
    alternative text is the words it shows, not its target's id."""
    with pikepdf.open(io.BytesIO(content)) as pdf:
        root = pdf.Root.StructTreeRoot
        for element in _elements(root.K):
            _merge_split(element)
        tagged = _reachable(root.K, set())
        _add_id_tree(pdf, root)
        numbers = root.ParentTree.Nums
        parents = {int(numbers[n]): numbers[n + 1] for n in range(0, len(numbers), 2)}
        for page in pdf.pages:
            owners = parents.get(int(page.obj.get("/StructParents", -1)))
            if owners is not None:
                _untagged_as_artifacts(pdf, page, owners, tagged)
            for annotation in page.obj.get("/Annots", []):
                target = str(annotation.get("/Dest", ""))
                if annotation.get("/Subtype") == "/Link" and target in texts:
                    annotation.Contents = pikepdf.String(texts[target])
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def _kids(element) -> list:
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _elements(kids) -> list:
    """The structure elements among `kids` (not marked-content ids or references)."""
    if not isinstance(kids, pikepdf.Array | list):
        kids = [kids]
    return [kid for kid in kids if isinstance(kid, pikepdf.Dictionary) and "/S" in kid]


# What WeasyPrint splits into one element per page when it crosses a page break.
SPLIT_KINDS = ("/Table", "/L", "/Sect")


def _unwrapped(element):
    """A Div around exactly one element (the page's scroll box around a table) is that
    element."""
    kids = _kids(element)
    if element.S == "/Div" and len(kids) == 1 and _elements(kids):
        return kids[0]
    return element


def _page(element):
    page = element.get("/Pg")
    return page.objgen if page is not None else None


def _last_page(element):
    """The page the element's last part is on."""
    page = _page(element)
    while True:
        kids = _elements(_kids(element))
        if not kids:
            return page
        element = kids[-1]
        page = _page(element) or page


def _continues(before, after) -> bool:
    """`after` is the rest of `before` on a following page: the same kind, starting on a
    page after the one `before` ends on, and (for a table) without a caption of its own."""
    if str(before.S) != str(after.S) or str(before.S) not in SPLIT_KINDS:
        return False
    if _page(after) is None or _last_page(before) == _page(after):
        return False
    return not (after.S == "/Table" and any(kid.S == "/Caption" for kid in _elements(_kids(after))))


def _join(before, after) -> None:
    """Move `after`'s parts into `before`. A repeated table head is left out of the tree,
    so its content becomes an artifact."""
    kids = _kids(before)
    for kid in _elements(_kids(after)):
        if kid.S == "/THead":
            continue
        bodies = [one for one in _elements(kids) if one.S == "/TBody"]
        if kid.S == "/TBody" and bodies:
            rows = _kids(bodies[-1]) + _kids(kid)
            for row in _elements(rows):
                row.P = bodies[-1]
            bodies[-1].K = pikepdf.Array(rows)
            continue
        kid.P = before
        kids.append(kid)
    before.K = pikepdf.Array(kids)


def _merge_split(element) -> None:
    """Join the fragments of split elements among `element`'s children, all the way down."""
    stack = [element]
    while stack:
        element = stack.pop()
        kids = _kids(element)
        joined: list = []
        for kid in kids:
            previous = joined[-1] if joined else None
            if (
                previous is not None
                and _elements([kid])
                and _elements([previous])
                and _continues(_unwrapped(previous), _unwrapped(kid))
            ):
                _join(_unwrapped(previous), _unwrapped(kid))
                continue
            joined.append(kid)
        if len(joined) != len(kids):
            element.K = pikepdf.Array(joined)
        stack.extend(_elements(joined))


# The elements a reader jumps between get IDs, listed in the structure tree's ID tree.
NAMED_KINDS = ("/H1", "/H2", "/H3", "/H4", "/H5", "/H6", "/Table", "/Figure", "/L", "/Sect")


def _add_id_tree(pdf, root) -> None:
    names = []
    stack = list(reversed(_elements(root.K)))
    while stack:
        element = stack.pop()
        if str(element.S) in NAMED_KINDS:
            key = f"{str(element.S)[1:].lower()}-{len(names) + 1:06d}"
            element.ID = pikepdf.String(key)
            names.append((key, element))
        stack.extend(reversed(_elements(_kids(element))))
    entries = []
    for key, element in sorted(names, key=lambda pair: pair[0]):
        entries += [pikepdf.String(key), element]
    root.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array(entries)))


# A marked-content sequence that names its structure element: "/Span <</MCID 12>> BDC".
_MARKED = re.compile(rb"/[A-Za-z0-9]+\s*<<\s*/MCID\s+(\d+)\s*>>\s*BDC")


def _untagged_as_artifacts(pdf, page, owners, tagged: set) -> None:
    """Marked content whose structure element is not in the tree becomes an artifact. The
    content stream is edited as bytes: parsing every operator of a 100-page report costs
    seconds, and only these operators change."""
    untagged = {n for n in range(len(owners)) if owners[n].objgen not in tagged}
    if not untagged:
        return
    page.contents_coalesce()
    stream = page.obj.Contents

    def artifact(match):
        return b"/Artifact BMC" if int(match.group(1)) in untagged else match.group(0)

    stream.write(_MARKED.sub(artifact, stream.read_bytes()))
