"""A new installation's tables are analysed during its first import
(`core.sql.statistics_ensure`, ADR 17 amended 2026-12-04): on PostgreSQL,
only a table never analysed, inside the caller's transaction and counting
its rows; nothing on SQLite."""

from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from relance.core.sql import statistics_ensure

pytestmark = pytest.mark.django_db

TABLE = "relance_test_statistics"
Model = SimpleNamespace(_meta=SimpleNamespace(db_table=TABLE))


def analysed(sql_log) -> list[str]:
    return [q["sql"] for q in sql_log if q["sql"].startswith("ANALYZE")]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"
)
def test_a_table_never_analysed_is_analysed_once_with_the_rows_written_so_far():
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, company int)")
        cursor.execute(
            f"INSERT INTO {TABLE} SELECT n, n % 3 FROM generate_series(1, 2500) n"
        )
        reltuples = f"SELECT reltuples FROM pg_class WHERE oid = '{TABLE}'::regclass"
        cursor.execute(reltuples)
        assert cursor.fetchone()[0] == -1  # never analysed
        with CaptureQueriesContext(connection) as first:
            statistics_ensure(Model)
        cursor.execute(reltuples)
        assert cursor.fetchone()[0] == 2500  # the transaction's own rows
        with CaptureQueriesContext(connection) as second:
            statistics_ensure(Model)
    assert analysed(first.captured_queries) == [f'ANALYZE "{TABLE}"']
    assert analysed(second.captured_queries) == []


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"
)
def test_statistics_rolled_back_with_a_check_are_made_again_by_the_import():
    """A file's check (« Vérifier ») rolls back its ANALYZE's statistics but
    not the row count ANALYZE wrote in place: the import after it must
    analyse again."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, company int)")
        with transaction.atomic():  # the check
            cursor.execute(
                f"INSERT INTO {TABLE} SELECT n, n % 3 FROM generate_series(1, 2500) n"
            )
            statistics_ensure(Model)
            transaction.set_rollback(True)
        cursor.execute(f"SELECT reltuples FROM pg_class WHERE relname = '{TABLE}'")
        assert cursor.fetchone()[0] == 2500  # kept by the rollback
        cursor.execute(f"SELECT COUNT(*) FROM pg_stats WHERE tablename = '{TABLE}'")
        assert cursor.fetchone()[0] == 0  # gone with it
        cursor.execute(  # the import
            f"INSERT INTO {TABLE} SELECT n, n % 3 FROM generate_series(1, 2500) n"
        )
        with CaptureQueriesContext(connection) as log:
            statistics_ensure(Model)
        cursor.execute(f"SELECT COUNT(*) FROM pg_stats WHERE tablename = '{TABLE}'")
        assert cursor.fetchone()[0] == 2  # its two columns
    assert analysed(log.captured_queries) == [f'ANALYZE "{TABLE}"']


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_nothing_is_done_on_sqlite():
    with CaptureQueriesContext(connection) as log:
        statistics_ensure(Model)
    assert log.captured_queries == []
