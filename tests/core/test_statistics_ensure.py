"""A new installation's tables are analysed during its first import
(`core.sql.statistics_ensure`, ADR 17 amended 2026-12-04): on PostgreSQL,
only a table never analysed, inside the caller's transaction and counting
its rows; nothing on SQLite."""

from types import SimpleNamespace

import pytest
from django.db import connection
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


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite only")
def test_nothing_is_done_on_sqlite():
    with CaptureQueriesContext(connection) as log:
        statistics_ensure(Model)
    assert log.captured_queries == []
