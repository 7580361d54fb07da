"""A backup made with pg_dump restores into an empty database with the same data."""

import shutil
import subprocess
import uuid

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from actions.models import Progress
from actions.services import progress_set
from goals.models import Strategy
from institutions.models import User

TABLES = {
    "goals_strategy": "SELECT title, status FROM goals_strategy ORDER BY id",
    "actions_progress": "SELECT id, status, version FROM actions_progress ORDER BY id",
    "actions_historicalprogress": "SELECT history_id, id, status FROM actions_historicalprogress"
    " ORDER BY history_id",
    "institutions_user": "SELECT email FROM institutions_user ORDER BY id",
    "institutions_municipalrole": "SELECT user_id, role FROM institutions_municipalrole"
    " ORDER BY id",
}


def _connect(name: str):
    database = settings.DATABASES["default"]
    return psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=database["PORT"] or 5432,
        user=database["USER"],
        dbname=name,
        autocommit=True,
    )


def _rows(conn) -> dict:
    return {table: conn.execute(sql).fetchall() for table, sql in TABLES.items()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dump_restores_into_an_empty_database_with_the_same_data(
    tmp_path, strategy, institutions, leader_school_a
):
    row = Progress.objects.filter(institution=institutions["school_a"]).first()
    progress_set(
        progress_id=row.pk,
        status="done",
        reason="",
        note="",
        expected_version=1,
        by=leader_school_a,
    )
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    assert pg_dump and pg_restore, "the PostgreSQL client tools are needed for backups"
    database = settings.DATABASES["default"]
    source = connection.settings_dict["NAME"]
    target = f"restore_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "strategy.dump"
    where = ["-h", database["HOST"] or "127.0.0.1", "-p", str(database["PORT"] or 5432)]
    where += ["-U", database["USER"]]
    subprocess.run([pg_dump, *where, "-Fc", "-f", str(dump), source], check=True)  # noqa: S603
    with _connect(source) as conn:
        conn.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(  # noqa: S603 - the PostgreSQL tools on our own test database
            [pg_restore, *where, "--no-owner", "-d", target, str(dump)], check=True
        )
        with _connect(source) as original, _connect(target) as restored:
            before, after = _rows(original), _rows(restored)
        assert after == before
        assert after["goals_strategy"] == [(strategy.title, Strategy.Status.ADOPTED)]
        assert ("done",) in {(status,) for _id, _row, status in after["actions_historicalprogress"]}
        assert len(after["institutions_user"]) == User.objects.count()
    finally:
        with _connect(source) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{target}"')
