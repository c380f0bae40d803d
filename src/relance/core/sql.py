"""UPDATE statements written directly, for the few run once per message sent.

Django's `QuerySet.update()` spends about ten times longer building its SQL
than the database spends running it, and PostgreSQL plans each statement
anew; at hundreds of messages a second that is most of the time. Here values
still go through each field's own conversion, and on PostgreSQL the statement
is prepared once per connection (server-side binding).
"""

import datetime
import enum
import functools
from collections.abc import Callable, Sequence
from contextlib import nullcontext

from django.db import connection
from django.db.models import Model


class Sql(str):
    """A value given as SQL, such as `attempts + 1`."""


def db_value(model: type[Model], name: str, value):
    """`value` as the database stores the field `name`."""
    return model._meta.get_field(name).get_db_prep_value(value, connection)


def null_safe_equal(column: str) -> str:
    """`column` equals a parameter, NULL equal to NULL."""
    if connection.vendor == "postgresql":
        return f"{column} IS NOT DISTINCT FROM %s"
    return f"{column} IS %s"


def any_of(column: str, values: list) -> tuple[str, list]:
    """A condition `column` is one of `values`, and its parameters (on
    PostgreSQL one array, so that the statement is the same for any count)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _update_sql(model, values: dict, where: str, params: Sequence):
    columns = tuple(
        (name, value if isinstance(value, Sql) else None)
        for name, value in values.items()
    )
    arguments = [
        _prepared(model, name, value)
        for name, value in values.items()
        if not isinstance(value, Sql)
    ]
    return _statement(model, columns, where), [*arguments, *params]


@functools.lru_cache(maxsize=128)
def _statement(model, columns: tuple, where: str) -> str:
    quote = connection.ops.quote_name
    assignments = [
        f"{quote(model._meta.get_field(name).column)} = {sql or '%s'}"
        for name, sql in columns
    ]
    table = quote(model._meta.db_table)
    return f"UPDATE {table} SET {', '.join(assignments)} WHERE {where}"


def _prepared(model, name: str, value):
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, datetime.date):  # dates and times: the same ones recur
        return _prepared_moment(model, name, value)
    return model._meta.get_field(name).get_db_prep_save(value, connection)


@functools.lru_cache(maxsize=256)
def _prepared_moment(model, name: str, value):
    return model._meta.get_field(name).get_db_prep_save(value, connection)


def rows_update(
    model: type[Model], values: dict, where: str, params: Sequence = ()
) -> int:
    """UPDATE the model's table SET `values` (by field name) WHERE `where`;
    returns the number of rows changed."""
    return _execute_all([_update_sql(model, values, where, params)])[0]


class Updates:
    """UPDATEs run together, on PostgreSQL in one round trip (pipeline mode),
    each with what to do with its row count."""

    def __init__(self):
        self.statements: list[tuple[str, list]] = []
        self.then: list[Callable[[int], None] | None] = []

    def add(
        self,
        model: type[Model],
        values: dict,
        where: str,
        params: Sequence = (),
        then: Callable[[int], None] | None = None,
    ) -> None:
        self.statements.append(_update_sql(model, values, where, params))
        self.then.append(then)

    def run(self) -> None:
        counts = _execute_all(self.statements) if self.statements else []
        then, self.statements, self.then = self.then, [], []
        for callback, count in zip(then, counts, strict=True):
            if callback:
                callback(count)


def _execute_all(statements: list[tuple[str, list]]) -> list[int]:
    if connection.vendor != "postgresql":
        counts = []
        with connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
                counts.append(cursor.rowcount)
        return counts
    import psycopg

    connection.ensure_connection()
    native = connection.connection
    cursors = []
    with connection.wrap_database_errors:
        with native.pipeline() if len(statements) > 1 else nullcontext():
            for statement, params in statements:
                cursor = psycopg.Cursor(native)
                cursor.execute(statement, params, prepare=True)
                cursors.append(cursor)
        counts = [cursor.rowcount for cursor in cursors]
    for cursor in cursors:
        cursor.close()
    return counts


ROWS_PER_STATEMENT = 200


def rows_set(
    model: type[Model], objects: Sequence[Model], names: Sequence[str]
) -> None:
    """Write the fields `names` of each of `objects` (saved rows, by primary
    key), ROWS_PER_STATEMENT rows a statement: UPDATE … FROM a VALUES list.
    Django's bulk_update writes one CASE per field instead, which SQLite runs
    in time growing with the square of the rows."""
    fields = [model._meta.get_field(name) for name in names]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    pk = model._meta.pk
    columns = [pk.column, *(field.column for field in fields)]
    aliases = [f"c{n}" for n in range(len(columns))]
    assignments = ", ".join(
        f"{quote(column)} = v.{alias}"
        for column, alias in zip(columns[1:], aliases[1:], strict=True)
    )
    if connection.vendor == "postgresql":  # the first row gives the types
        first = (
            "("
            + ", ".join(f"%s::{field.db_type(connection)}" for field in (pk, *fields))
            + ")"
        )
    else:
        first = "(" + ", ".join(["%s"] * len(columns)) + ")"
    other = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), ROWS_PER_STATEMENT):
            chunk = objects[start : start + ROWS_PER_STATEMENT]
            values = ", ".join([first] + [other] * (len(chunk) - 1))
            params = [
                value
                for obj in chunk
                for value in (
                    pk.get_db_prep_save(obj.pk, connection),
                    *(
                        field.get_db_prep_save(getattr(obj, field.attname), connection)
                        for field in fields
                    ),
                )
            ]
            cursor.execute(
                f"WITH v({', '.join(aliases)}) AS (VALUES {values}) "
                f"UPDATE {table} SET {assignments} FROM v "
                f"WHERE {table}.{quote(pk.column)} = v.c0",
                params,
            )
