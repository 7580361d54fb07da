"""Which municipality a request, task or command acts for, and the one mechanism that scopes
every query of a municipality's data to it.

A model that belongs to a municipality says how (`municipality_path`: "municipality" for one
that points to it, or the way through its parent, "institution__municipality") and takes
`ScopedManager` as its default manager. Every query through it, and through the related
managers Django derives from it, carries "… = the chosen municipality"; the value is read when
the query runs, not when it is written, so querysets made at import time (a form's choices) are
scoped by the request that runs them. With no municipality chosen the query raises
`NoMunicipality` instead of returning every municipality's rows.

The request's municipality is chosen by its host name (strategy_tracker.middleware); a Celery
task runs for the municipality that enqueued it (strategy_tracker.celery); a command for the one
it names, or the only one there is. The cache's keys carry it too (`cache_key`).
"""

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Expression, IntegerField, Manager, Model, QuerySet

_chosen: contextvars.ContextVar[int | None] = contextvars.ContextVar("municipality", default=None)


class NoMunicipality(RuntimeError):
    """A municipality's data was asked for with no municipality chosen."""


def chosen() -> int | None:
    """The primary key of the municipality acted for, or None."""
    return _chosen.get()


def current() -> int:
    """The primary key of the municipality acted for; raises when none is chosen. It is also
    the default of every `municipality` field, so a row is made for the municipality acting."""
    pk = _chosen.get()
    if pk is None:
        raise NoMunicipality("No municipality is chosen for this request, task or command.")
    return pk


@contextmanager
def acting_for(pk: int) -> Iterator[None]:
    """Act for municipality `pk` within the block."""
    token = _chosen.set(pk)
    try:
        yield
    finally:
        _chosen.reset(token)


@contextmanager
def for_the_platform() -> Iterator[None]:
    """Act for no municipality within the block: the platform's own cache keys, say."""
    token = _chosen.set(None)
    try:
        yield
    finally:
        _chosen.reset(token)


def on_commit(func: Callable[[], object]) -> None:
    """`transaction.on_commit`, with `func` run acting for the municipality acted for now:
    the transaction may commit after the block that chose it has ended (a municipality
    added from the platform's page)."""
    pk = _chosen.get()

    def run() -> None:
        token = _chosen.set(pk)
        try:
            func()
        finally:
            _chosen.reset(token)

    transaction.on_commit(run)


def begin(pk: int | None) -> contextvars.Token:
    """Act for municipality `pk` until `end` (for a middleware or a task's signals)."""
    return _chosen.set(pk)


def end(token: contextvars.Token) -> None:
    _chosen.reset(token)


class CurrentMunicipality(Expression):
    """The chosen municipality's key, read when the query is turned into SQL."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection):
        return "%s", [current()]


def scoped(queryset: QuerySet, path: str) -> QuerySet:
    """`queryset` narrowed to the chosen municipality along `path`. A row reached through its
    parents is narrowed by "parent IN (the municipality's parents)", not by a join: a
    conditional UPDATE (a version check, a report taken by one worker) then stays one
    statement on its own table, whose condition PostgreSQL checks again on a row that a
    concurrent transaction changed."""
    field, _, rest = path.partition("__")
    if not rest:
        return queryset.filter(**{field: CurrentMunicipality()})
    parent = queryset.model._meta.get_field(field).related_model
    return queryset.filter(**{f"{field}__in": _parents(parent, rest)})


@functools.cache
def _parents(model: type[Model], path: str) -> QuerySet:
    """The chosen municipality's rows of `model` along `path`, as the subquery of a scope.
    Made once for each model, as it names the municipality only by `CurrentMunicipality`:
    a page's related managers (a prefetch makes one for every row) each ask for it."""
    return scoped(model._base_manager.all(), path)


class ScopedManager(Manager):
    """The default manager of a model that belongs to a municipality."""

    def get_queryset(self) -> QuerySet:
        return scoped(super().get_queryset(), self.model.municipality_path)


def cache_key(key: str, key_prefix: str, version: int) -> str:
    """Django's cache key with the municipality acted for ("-": none, the platform's own)."""
    return f"{key_prefix}:{version}:{_chosen.get() or '-'}:{key}"


class EveryMunicipalityManager(Manager):
    """Every municipality's rows, for the platform's own work only (counting, removing a
    municipality): never for a page of a municipality."""


class OwnedId:
    """The path converter of a municipality's object's id: a number in the address, which
    also says what it names. A page refused to a role (403) answers 404 instead where an id
    in its address is not one the municipality can see, so another municipality's objects
    answer as if they did not exist on every page (strategy_tracker.errors).

    `objects` is the model, or, where the address's other parts decide it (a strategy item's
    kind), a function of the address's values that returns the model or the queryset of what
    the municipality can see (model strategies: every municipality's shared ones)."""

    regex = "[0-9]+"
    objects = None

    @classmethod
    def of(cls, objects) -> type["OwnedId"]:
        """The converter class for `objects` (Django's register_converter takes a class)."""
        return type("OwnedId", (cls,), {"objects": staticmethod(objects)})

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(int(value))

    def names_visible(self, value: int, values: dict) -> bool:
        """Whether `value` is the id of an object the municipality acted for can see."""
        objects = self.objects
        if not isinstance(objects, type):
            objects = objects(values)
        if objects is None:
            return False
        if isinstance(objects, type):
            objects = objects._default_manager.all()
        return objects.filter(pk=value).exists()
