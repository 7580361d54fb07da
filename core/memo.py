"""Values computed once for an object that lives for one request or one report."""

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def kept_on(owner: object, name: str, make: Callable[[], T]) -> T:
    """`make()`, computed the first time it is asked for and then kept on `owner` (the
    signed-in user, the strategy a page shows) under `name`."""
    kept = owner.__dict__.setdefault("_kept", {})
    if name not in kept:
        kept[name] = make()
    return kept[name]
