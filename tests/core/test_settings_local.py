"""core.sql.settings_local: PostgreSQL's settings for the statements within
only, then those before again, in the caller's transaction or not; an
error inside leaves none behind. Nothing on SQLite."""

import pytest
from django.db import connection, transaction

from relance.core.sql import settings_local


def jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('jit')")
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_the_settings_hold_within_only_in_a_transaction_or_not():
    if connection.vendor != "postgresql":
        with settings_local(jit="off"), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            assert cursor.fetchone() == (1,)
        return
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")
    with settings_local(jit="off"):
        assert jit() == "off"
    assert jit() == "on"
    with transaction.atomic():
        with settings_local(jit="off", work_mem="8MB"):
            assert jit() == "off"
        assert jit() == "on"  # the caller's transaction goes on as before
    with pytest.raises(ValueError), settings_local(jit="off"):
        assert jit() == "off"
        raise ValueError("a statement failed")
    assert jit() == "on"
