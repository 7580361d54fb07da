"""Paging a table too large to count on every page."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

# Up to this many rows an exact count is cheap enough (a few milliseconds).
ESTIMATE_ABOVE = 100_000


def table_rows(queryset: QuerySet) -> int | None:
    """The rows of the queryset's whole table, in one query: PostgreSQL's estimate (kept by
    ANALYZE and autovacuum) when it is over ESTIMATE_ABOVE, else counted. None on another
    database."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    table = queryset.model._meta.db_table
    # The count, a subquery of the other branch, runs only when the estimate is small.
    statement = (
        "SELECT CASE WHEN reltuples > %s THEN reltuples::bigint "  # noqa: S608  # nosec B608
        f"ELSE (SELECT count(*) FROM {connection.ops.quote_name(table)}) END "  # a model's table
        "FROM pg_class WHERE oid = %s::regclass"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [ESTIMATE_ABOVE, table])
        return cursor.fetchone()[0]


class EstimatedCountPaginator(Paginator):
    """Pages a whole large table by the database's estimate of its rows instead of counting
    them (at 3,000 institutions Django admin's list of every progress row counted 333,200
    rows in 30 ms on every page). A list narrowed by a filter or a search is counted, and so
    is a municipality's share of a table that other municipalities' rows share (core.tenancy):
    `table_is_one_municipality` says whether its rows are all the one municipality's."""

    @staticmethod
    def table_is_one_municipality() -> bool:
        return True

    @cached_property
    def count(self) -> int:
        # Unfiltered: no condition but those of the model's manager (its municipality's).
        whole = self.object_list.model._default_manager.all().query.where
        unfiltered = len(self.object_list.query.where.children) == len(whole.children)
        if unfiltered and self.table_is_one_municipality():
            rows = table_rows(self.object_list)
            if rows is not None:
                return rows
        return super().count
