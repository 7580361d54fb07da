"""Page parts made from the strategy and the institutions' progress, cached until those change.

A part is cached under the current *token* of each kind of data it is made from. Any change
retires the token (at once and again when its transaction commits): the service that makes
the change calls `changed()` with the kinds it touched, in the same function, so what a change
retires is read where it is made (docs/architecture.md lists them). Django admin retires every
kind after any change (strategy_tracker/admin.py). The next request makes the part afresh, and
entries under old tokens expire. When the cache cannot be reached, tokens are new on every
request and every request makes the part itself.
"""

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from core import tenancy

T = TypeVar("T")

STRATEGY = "strategy"  # the strategies' texts, goals, actions and indicators; institutions
PROGRESS = "progress"  # any institution's progress
MEASUREMENTS = "measurements"  # any institution's indicator values
GOALS = "goals"  # which institutions have reached their local goals
EVERY_INSTITUTION = "institutions"  # retired with PROGRESS by bulk writes, which touch any
PEOPLE = "people"  # names, as history shows who changed what
PLANS = "plans"  # the handleplaner's items and the central pool's shares
KINDS = (STRATEGY, PROGRESS, MEASUREMENTS, GOALS, EVERY_INSTITUTION, PEOPLE, PLANS)

# Long enough to serve the many readings between changes; short enough that an entry made
# while the cache missed a change (it was unreachable) does not outlive the hour.
FRAGMENT_SECONDS = 60 * 60


def _key(kind: str) -> str:
    return f"fresh:{kind}"


def institution(pk: int) -> str:
    """One institution's progress and measurements: its page need not wait for the others."""
    return f"institution-{pk}"


def institution_kinds(pk: int) -> list[str]:
    """What an institution's own page is made from."""
    return [STRATEGY, PEOPLE, EVERY_INSTITUTION, institution(pk)]


def tokens(*kinds: str) -> list[str]:
    """The current token of each kind, made on first use."""
    keys = [_key(kind) for kind in kinds]
    found = cache.get_many(keys)
    made = {key: uuid.uuid4().hex for key in keys if key not in found}
    if made:
        cache.set_many(made, timeout=None)
    return [found.get(key) or made[key] for key in keys]


def changed(*kinds: str) -> None:
    """Retire the tokens of what changed: now, and again once the change is committed, as a
    request in between may have cached a part from the data as it was before."""
    keys = [_key(kind) for kind in kinds]
    cache.delete_many(keys)
    tenancy.on_commit(lambda: cache.delete_many(keys))


def form_owner(request) -> str:
    """The browser's CSRF secret, for a part with forms: the tokens in those forms are valid
    only for that browser, so the part is cached for it alone."""
    get_token(request)
    return request.META["CSRF_COOKIE"]


def fragment(
    request,
    name: str,
    *,
    kinds: Iterable[str],
    vary_on: Iterable[object],
    template: str,
    context: Callable[[], dict],
) -> SafeString:
    """The template rendered with `context()`, or the same part cached since nothing it is
    made from changed. `vary_on` names everything else the part shows differently."""
    key = make_template_fragment_key(
        name, [*tokens(*kinds), get_language(), *(str(value) for value in vary_on)]
    )
    html = cache.get(key)
    if html is None:
        html = _compacted(render_to_string(template, context(), request=request))
        cache.set(key, html, FRAGMENT_SECONDS)
    return html


def rows(
    request,
    name: str,
    items: Sequence[T],
    *,
    kinds: Iterable[str],
    key: Callable[[T], Iterable[object]],
    template: str,
    context: Callable[[Any], dict],
    read: Callable[[list[T]], Sequence[Any]] | None = None,
) -> list[SafeString]:
    """Each of `items` drawn with `template` and `context(item)`, or as it was drawn before:
    `key(item)` names everything its row shows that `kinds` do not (a history record, which
    never changes, by its id), so a long list draws only the rows it has not drawn before.
    One round trip to the cache for them all, and one to keep the new ones. With `read`, the
    items are only what their keys need, and `read(items)` gives what the rows not drawn
    before show, in the same order: read once for those alone."""
    names = [*tokens(*kinds), get_language()]
    keys = [
        make_template_fragment_key(name, [*names, *(str(value) for value in key(item))])
        for item in items
    ]
    found = cache.get_many(keys)
    missing = [
        (row_key, item) for row_key, item in zip(keys, items, strict=True) if row_key not in found
    ]
    if read is not None and missing:
        shown = read([item for _row_key, item in missing])
        missing = list(zip([row_key for row_key, _item in missing], shown, strict=True))
    made = {
        row_key: _compacted(render_to_string(template, context(item), request=request))
        for row_key, item in missing
    }
    if made:
        cache.set_many(made, FRAGMENT_SECONDS)
    return [found.get(row_key) or made[row_key] for row_key in keys]


def kept(name: str, *, kinds: Iterable[str], vary_on: Iterable[object], make: Callable[[], T]) -> T:
    """`make()`, or the same value cached since nothing it is made from changed: for a
    figure summed over every institution that a page shows beside a page of them."""
    key = make_template_fragment_key(name, [*tokens(*kinds), *(str(value) for value in vary_on)])
    value = cache.get(key)
    if value is None:
        value = make()
        cache.set(key, value, FRAGMENT_SECONDS)
    return value


# What keeps its white space (inside <pre>, <textarea> and <script>, and in attribute values,
# the only place a literal '"' appears in escaped HTML), or else a run of white space.
_SPACE = re.compile(r'(<(pre|textarea|script)\b.*?</\2>|"[^"]*")|\s+', re.DOTALL | re.IGNORECASE)


def _compacted(html: SafeString) -> SafeString:
    """Each run of white space as one space, as a browser shows it anyway, so a big part is
    sent and kept lighter; text that keeps its white space is left as it is."""
    compact = _SPACE.sub(lambda match: match[1] or " ", html)
    return SafeString(compact)  # nosec B703 - safe HTML with less white space


# --- Holes: what changes more often than the part around it ---------------------------------

_HOLE = re.compile(r"<!--hole:(\w+):(\w+)-->")


def hole(kind: str, key: object) -> SafeString:
    """A place in a cached part that each request fills in (`filled`), for what changes more
    often than the part: the counts in a document that is cached until its text changes.
    Nothing a person writes can make one, as escaped text has no "<"."""
    return format_html("<!--hole:{}:{}-->", kind, key)


def filled(html: SafeString, fills: Mapping[str, Mapping[str, str]]) -> SafeString:
    """The part with each hole replaced by its fill, `fills[kind][key]` (nothing where there
    is none). A fill that is not safe HTML already is escaped."""

    def fill(hole: re.Match) -> str:
        return conditional_escape(fills.get(hole[1], {}).get(hole[2], ""))

    # A safe part with escaped or safe fills is safe.
    return SafeString(_HOLE.sub(fill, html))  # nosec B703
