"""The task queue (Huey). Tasks carry ids only: the database stays the truth.

Storage, by RELANCE_QUEUE: a SQLite file in the data folder (one machine),
Redis, or the PostgreSQL server of DATABASE_URL (several machines).
"""

import functools

from django.conf import settings
from django.db import close_old_connections, connection
from huey import PostgresHuey, RedisHuey, SqliteHuey


def _build():
    kind = settings.RELANCE_QUEUE
    if kind == "redis":
        return RedisHuey("relance", url=settings.REDIS_URL)
    if kind == "postgres":
        database = settings.DATABASES["default"]
        if "postgresql" not in database["ENGINE"]:
            raise ValueError("RELANCE_QUEUE=postgres needs a PostgreSQL DATABASE_URL")
        return PostgresHuey(
            "relance",
            host=database["HOST"] or None,
            port=database["PORT"] or None,
            dbname=database["NAME"],
            user=database["USER"] or None,
            password=database["PASSWORD"] or None,
            table_prefix="relance_queue",
        )
    if kind == "sqlite":
        return SqliteHuey("relance", filename=str(settings.RELANCE_QUEUE_FILE))
    raise ValueError(f"RELANCE_QUEUE must be sqlite, redis or postgres, not {kind!r}")


huey = _build()


def _fresh_connections(function):
    """Database connections are closed around each run of a task."""

    def tidy():
        # Never inside a transaction (a task run in place, a test).
        if not huey.immediate and not connection.in_atomic_block:
            close_old_connections()

    @functools.wraps(function)
    def run(*args, **kwargs):
        tidy()
        try:
            return function(*args, **kwargs)
        finally:
            tidy()

    return run


def db_task(*args, **kwargs):
    """A task that uses the database."""
    return lambda function: huey.task(*args, **kwargs)(_fresh_connections(function))


def db_periodic_task(validate_datetime, **kwargs):
    """A task the scheduler runs on its own (`relance worker --scheduler`)."""
    return lambda function: huey.periodic_task(validate_datetime, **kwargs)(
        _fresh_connections(function)
    )
