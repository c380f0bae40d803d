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
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from decimal import Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
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


def day_number(column: str) -> str:
    """A date column as a number of days (their differences are days)."""
    if connection.vendor == "postgresql":
        return f"({column} - DATE '1970-01-01')"
    return f"CAST(julianday({column}) AS INTEGER)"


def days_after(day: str, days: str) -> str:
    """The date `days` (an integer expression) after the date `day`."""
    if connection.vendor == "sqlite":
        return f"date({day}, '+' || {days} || ' days')"
    return f"({day} + {days})"


def tables_tended(tables: Sequence[str], *, vacuum: bool) -> None:
    """PostgreSQL: `tables` analysed now (the planner then knows rows a
    build just wrote), and vacuumed too with `vacuum` (the rows it replaced
    would stay as dead rows that reads go through until autovacuum comes),
    unless in a transaction, where VACUUM cannot run. Nothing on SQLite."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        command = "VACUUM (ANALYZE)" if vacuum else "ANALYZE"
        with connection.cursor() as cursor:
            cursor.execute(f"{command} {', '.join(tables)}")


@contextmanager
def temporary_rows(
    name: str, select: str, params: Sequence, *, index: str | None = None
) -> Iterator[str]:
    """The rows of the statement `select` in the temporary table `name`
    (indexed on the column `index`, if given), made outside any write
    transaction of the caller's, dropped after; yields its name, never a
    table of the database's own."""
    pg = connection.vendor == "postgresql"
    table = f"{'pg_temp' if pg else 'temp'}.{name}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        cursor.execute(f"CREATE TEMPORARY TABLE {name} AS {select}", params)
        if index:
            cursor.execute(
                f"CREATE INDEX ON {table} ({index})"
                if pg
                else f"CREATE INDEX {table}_{index} ON {name} ({index})"
            )
    try:
        yield table
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")


def any_of(column: str, values: list) -> tuple[str, list]:
    """A condition `column` is one of `values`, and its parameters (on
    PostgreSQL one array, so that the statement is the same for any count;
    given as one literal, as rows_write's columns)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [_array_param(values)]
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


def _logged(sql: str, started: float) -> None:
    """A statement run outside Django's cursor logged as Django logs its
    own when queries are (tests count them)."""
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": sql, "time": f"{time.monotonic() - started:.3f}"}
        )


def _native(sql: str, params: Sequence, *, fetch: bool = False):
    """One statement on PostgreSQL through psycopg's own cursor: parameters
    bound by the server (an array is one parameter, not thousands of
    literals in the SQL text). Logged like Django's when queries are
    (tests count them). The rows when `fetch`, else the row count."""
    import psycopg

    connection.ensure_connection()
    started = time.monotonic()
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
    ):
        cursor.execute(sql, params)
        result = cursor.fetchall() if fetch else cursor.rowcount
    _logged(sql, started)
    return result


def _copy(statement: str, rows: Sequence[Sequence]) -> None:
    """PostgreSQL's COPY … FROM STDIN of `rows`: each value written by
    psycopg's C code, where an INSERT of arrays had psycopg build each array
    in Python (a third of a 100,000-row import's client time, ADR 25).
    Logged like _native."""
    import psycopg

    connection.ensure_connection()
    started = time.monotonic()
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
        cursor.copy(statement) as copy,
    ):
        for row in rows:
            copy.write_row(row)
    _logged(statement, started)


def _array_type(field) -> str:
    return f"{field.db_type(connection)}[]"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():  # NaN, sNaN, Infinity: the list, as psycopg sends
        raise KeyError(value)
    return str(value)


# How each kind of prepared value is written in an array literal: text
# always quoted (so « NULL », a comma or a brace stay text), the others in
# their own text form, which holds none of the characters a literal
# reserves. A subclass (a choice's enum) is written as its base. An aware
# datetime keeps its offset, which a `timestamp with time zone` column
# reads (the project has no column without a time zone).
_ELEMENT: dict[type, Callable] = {
    type(None): lambda value: "NULL",
    bool: lambda value: "t" if value else "f",
    int: int.__repr__,
    float: float.__repr__,
    Decimal: _decimal_text,
    str: _quoted,
    datetime.datetime: datetime.datetime.isoformat,
    datetime.date: datetime.date.isoformat,
    datetime.time: datetime.time.isoformat,
}


def _array_param(values: Sequence):
    """A column's values as ONE text parameter, a PostgreSQL array literal
    (`{1,NULL,"a \\"b\\""}`) made by str.join, for a cast to the column's
    array type: psycopg adapts a list value by value in Python (0.14 s for
    20,000 rows of seven columns, against 0.03 s). The list itself when a
    value is of another kind."""
    writers = {}
    for kind in set(map(type, values)):
        base = next((base for base in kind.__mro__ if base in _ELEMENT), None)
        if base is None:
            return list(values)
        writers[kind] = _ELEMENT[base]
    try:
        return "{" + ",".join([writers[type(value)](value) for value in values]) + "}"
    except KeyError:  # a value with no text of its own (a non-finite amount)
        return list(values)


class _Prepared:
    """Values as a field stores them, each distinct date, time or amount
    converted once (10,000 rows hold a few hundred distinct ones), and a
    text, a whole number or a boolean given as is to a field of that kind
    (its conversion would return it unchanged): a file's 100,000 rows of
    ten values each spent seconds there."""

    CACHED = ("DateField", "DateTimeField", "DecimalField")
    PLAIN = {
        **dict.fromkeys(("CharField", "TextField", "EmailField", "SlugField"), str),
        **dict.fromkeys(
            (
                "IntegerField",
                "BigIntegerField",
                "SmallIntegerField",
                "PositiveIntegerField",
                "PositiveBigIntegerField",
                "PositiveSmallIntegerField",
                "AutoField",
                "BigAutoField",
                "ForeignKey",
            ),
            int,
        ),
        "BooleanField": bool,
    }

    def __init__(self, fields):
        self.fields = fields
        self.memos = [
            {} if field.get_internal_type() in self.CACHED else None for field in fields
        ]
        self.plain = [
            # A foreign key stores its target's type (an integer id here).
            self.PLAIN.get(
                field.target_field.get_internal_type()
                if field.get_internal_type() == "ForeignKey"
                else field.get_internal_type()
            )
            for field in fields
        ]

    def row(self, values) -> list:
        return self.rows([values])[0]

    def rows(self, rows) -> list[tuple]:
        """Every row converted, column by column."""
        if not rows:
            return []
        columns = [
            self._column(field, memo, plain, column)
            for field, memo, plain, column in zip(
                self.fields,
                self.memos,
                self.plain,
                zip(*rows, strict=True),
                strict=True,
            )
        ]
        return list(zip(*columns, strict=True))

    @staticmethod
    def _column(field, memo, plain, values) -> list:
        save = field.get_db_prep_save
        if plain is not None:  # others (a choice's enum) converted once each
            converted: dict = {}

            def convert(value):
                try:
                    return converted[value]
                except KeyError:
                    converted[value] = save(value, connection)
                    return converted[value]
                except TypeError:  # not hashable
                    return save(value, connection)

            return [
                value if type(value) is plain or value is None else convert(value)
                for value in values
            ]
        if memo is None:
            return [
                None if value is None else save(value, connection) for value in values
            ]
        prepared = []
        for value in values:
            if value is None:
                prepared.append(None)
                continue
            try:
                prepared.append(memo[value])
            except KeyError:
                memo[value] = save(value, connection)
                prepared.append(memo[value])
        return prepared


def rows_write(model: type[Model], names: Sequence[str], rows: Sequence) -> None:
    """UPDATE rows by primary key: each of `rows` is (pk, value of each field
    in `names`; a key given twice takes its last). On SQLite a statement for each
    ROWS_PER_INSERT rows, joined to them as a VALUES list; on PostgreSQL
    one statement, the values as arrays joined by unnest. Django's
    bulk_update writes one CASE per field instead, which SQLite runs in time
    growing with the square of the rows."""
    if not rows:
        return
    pk = model._meta.pk
    fields = [pk, *(model._meta.get_field(name) for name in names)]
    prepared = _Prepared(fields)
    # A key given twice: its last row, as one UPDATE a row would leave it
    # (an UPDATE … FROM takes any one of the rows a key matches).
    values = prepared.rows(list({row[0]: row for row in rows}.values()))
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    aliases = [f"c{n}" for n in range(len(fields))]
    assignments = ", ".join(
        f"{quote(field.column)} = v.{alias}"
        for field, alias in zip(fields[1:], aliases[1:], strict=True)
    )
    if connection.vendor == "postgresql":
        arrays = ", ".join(f"%s::{_array_type(field)}" for field in fields)
        _native(
            f"UPDATE {table} SET {assignments} "
            f"FROM unnest({arrays}) AS v({', '.join(aliases)}) "
            f"WHERE {table}.{quote(pk.column)} = v.c0",
            [_array_param(column) for column in zip(*values, strict=True)],
        )
        return
    # SQLite: UPDATE … FROM a VALUES list of many rows a statement (see
    # ROWS_PER_INSERT: one statement a row journals each page again).
    _sqlite_many(
        values,
        len(fields),
        lambda marks: (
            f"WITH v({', '.join(aliases)}) AS (VALUES {marks}) UPDATE {table} SET "
            f"{assignments} FROM v WHERE {table}.{quote(pk.column)} = v.c0"
        ),
    )


def rows_set(
    model: type[Model], objects: Sequence[Model], names: Sequence[str]
) -> None:
    """Write the fields `names` of each of `objects` (saved rows, by primary
    key): see rows_write."""
    attnames = [model._meta.get_field(name).attname for name in names]
    rows_write(
        model,
        names,
        [[obj.pk, *(getattr(obj, attname) for attname in attnames)] for obj in objects],
    )


# SQLite: rows of one multi-row INSERT. One statement a row (executemany)
# costs three times more once the table has triggers: SQLite copies each
# page a statement writes to its statement journal, again for each row.
ROWS_PER_INSERT = 500


def _rows_per_statement(width: int) -> int:
    """Rows of `width` values one SQLite statement takes: ROWS_PER_INSERT,
    fewer if the library binds fewer variables (999 before SQLite 3.32)."""
    import sqlite3

    connection.ensure_connection()
    limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(ROWS_PER_INSERT, limit // width))


def rows_insert(
    model: type[Model],
    names: Sequence[str],
    rows: Sequence[Sequence],
    *,
    returning: bool = False,
) -> list[int]:
    """INSERT `rows` (each the values of the fields `names`, by attname or
    name), the model's other fields given their defaults (`auto_now_add`
    ones the current time); the new primary keys in the rows' order when
    `returning`. Multi-row INSERTs (… RETURNING on SQLite ≥ 3.35); on
    PostgreSQL one COPY (the ids, when wanted, taken from the table's
    sequence first, in one statement): no model object is built, where
    bulk_create spends seconds on 10,000 of them."""
    if not rows:
        return []
    from django.utils import timezone

    meta = model._meta
    given = [meta.get_field(name) for name in names]
    others = [
        field
        for field in meta.concrete_fields
        if field not in given and not field.primary_key
    ]
    now = timezone.now()
    defaults = [
        now
        if getattr(field, "auto_now_add", False) or getattr(field, "auto_now", False)
        else field.get_default()
        for field in others
    ]
    fields = [*given, *others]
    prepared = _Prepared(fields)
    values = prepared.rows([(*row, *defaults) for row in rows])
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    pk = quote(meta.pk.column)
    ids: list[int] = []
    if connection.vendor == "postgresql":
        if returning:  # the ids taken first, then given with the rows
            ids = sorted(
                row[0]
                for row in _native(  # the sequence found once (OFFSET 0), not a row
                    "SELECT nextval(q.s) FROM (SELECT pg_get_serial_sequence(%s, %s)"
                    "::regclass AS s OFFSET 0) q, generate_series(1, %s)",
                    [meta.db_table, meta.pk.column, len(values)],
                    fetch=True,
                )
            )
            columns = f"{pk}, {columns}"
            values = [(id_, *row) for id_, row in zip(ids, values, strict=True)]
        _copy(f"COPY {table} ({columns}) FROM STDIN", values)
        return ids
    returned = f" RETURNING {pk}" if returning else ""
    return _sqlite_many(
        values,
        len(fields),
        lambda marks: f"INSERT INTO {table} ({columns}) VALUES {marks}{returned}",
        ids=returning,
    )


def _sqlite_many(
    values: Sequence[Sequence],
    width: int,
    statement: Callable[[str], str],
    *,
    ids: bool = False,
) -> list[int]:
    """SQLite: `statement(marks)` run for each _rows_per_statement rows of
    `values`, `marks` their placeholders (`(?, ?), (?, ?)`); with `ids`, the
    ids each INSERT … RETURNING gives, sorted by statement (SQLite gives
    rowids in the VALUES' order but returns them in an order it does not
    promise), so in the rows' order. Through sqlite3's own cursor, with `?`
    marks: Django's turns every `%s` of a statement of thousands into `?`
    first, as long again as the INSERT. Checked and logged as Django checks
    and logs its own."""
    one = "(" + ", ".join(["?"] * width) + ")"
    per = _rows_per_statement(width)
    made: list[int] = []
    connection.validate_no_broken_transaction()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        cursor = connection.connection.cursor()
        try:
            for start in range(0, len(values), per):
                chunk = values[start : start + per]
                sql = statement(", ".join([one] * len(chunk)))
                started = time.monotonic()
                cursor.execute(sql, [value for row in chunk for value in row])
                if ids:
                    made += sorted(row[0] for row in cursor.fetchall())
                _logged(sql, started)
        finally:
            cursor.close()
    return made


def ids_condition(
    column: str, ids: Sequence[int], *, name: str | None = None
) -> tuple[str, list]:
    """A condition `column` is one of `ids`, as ONE parameter whatever their
    number: a JSON list on SQLite, an array on PostgreSQL (for `_native` or
    `rows_read`, or Django's cursor). With `name`, the placeholder is
    `%(name)s`, for a statement whose parameters are a dictionary."""
    mark = f"%({name})s" if name else "%s"
    # One text parameter, the ids joined by commas, made in C: a list
    # parameter of thousands of ints was adapted one int at a time (a tenth
    # of a plan's client CPU on PostgreSQL, ADR 24 amended 2026-12-04).
    # `string_to_array` and the cast are immutable: with the parameter
    # inlined (Django's client-side binding) the planner folds them into the
    # same constant array as before.
    text = ",".join(map(str, map(int, ids)))
    if connection.vendor == "postgresql":
        return f"{column} = ANY(string_to_array({mark}, ',')::bigint[])", [text]
    return f"{column} IN (SELECT value FROM json_each({mark}))", [f"[{text}]"]


def rows_read(sql: str, params: Sequence) -> list[tuple]:
    """The rows of a SELECT (its parameters bound by the server on
    PostgreSQL: see ids_condition)."""
    if connection.vendor == "postgresql":
        return _native(sql, params, fetch=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def values_read(queryset, *, repeated: Sequence[str] = ()) -> list[tuple]:
    """The rows of a `values_list` queryset, the values Django would give
    (its converters: dates and amounts read from SQLite), read at once
    (rows_read) rather than through Django's row iterator, which converts
    value by value. Each distinct value of a converted column, or of a
    column named in `repeated` (« open », « EUR »…), is made once and that
    one object given to every row holding it (the driver makes one per row):
    a plan's 100,000 rows hold a few hundred distinct dates (ADR 24)."""
    compiler = queryset.query.get_compiler(queryset.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    selected = [column[0] for column in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(selected)
    if connection.vendor == "sqlite":
        sql = _undeclared(sql, compiler, selected)
    rows = rows_read(sql, params)
    if not rows:
        return rows
    names = list(queryset.query.values_select)
    positions = set(converters) | {names.index(name) for name in repeated}
    columns = list(zip(*rows, strict=True))
    for position in positions:
        functions, expression = converters.get(position, ((), None))
        made = {}
        for value in set(columns[position]):
            made[value] = value
            for convert in functions:
                made[value] = convert(made[value], expression, connection)
        columns[position] = map(made.__getitem__, columns[position])
    return list(zip(*columns, strict=True))


# The columns whose declared type makes Python's sqlite3 parse each value
# (Django registers a converter per declared type: `date`, `datetime`…).
_PARSED_TYPES = frozenset({"DateField", "DateTimeField", "TimeField"})


def _undeclared(sql: str, compiler, selected) -> str:
    """`sql` with each date, datetime or time column of its SELECT list read
    as `+column`: SQLite's unary plus gives the same value with no declared
    type, so the driver hands the text as it is, and `values_read` converts
    each distinct value once, with Django's own converter, instead of the
    driver parsing every row's value (200,000 dates in a plan of 100,000
    invoices, ADR 24 amended 2026-12-04). Left as it is when the SELECT list
    is not the one expected."""
    head, found, tail = sql.partition(" FROM ")
    if not found or not head.startswith("SELECT "):
        return sql
    for column in selected:
        # The types whose Django converter parses a text (`get_db_converters`).
        if column.output_field.get_internal_type() not in _PARSED_TYPES:
            continue
        text, params = compiler.compile(column)
        if params or head.count(text) != 1:
            return sql
        head = head.replace(text, f"+{text}")
    return head + found + tail


def statistics_ensure(*models: type[Model]) -> None:
    """On PostgreSQL, ANALYZE the tables of `models` that have never been
    analysed (inside the caller's transaction, which ANALYZE allows: it sees
    and counts the transaction's own rows). A new installation's first
    imports write into such tables, and until autovacuum analyses them the
    planner finds a few invoices by number through the index on the company,
    reading the company's every row: each chunk of a million-row import got
    slower than the last (ADR 17, amended 2026-12-04). Once analysed, the
    planner scales the row counts with the table's size by itself.

    « Never analysed » is « no column statistics », not only `reltuples <
    0`: ANALYZE writes the row count in place, kept when its transaction
    rolls back (a file's check, « Vérifier »), while the statistics go with
    it; the import that follows the check would otherwise have none."""
    if connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.oid IN "
            "(SELECT to_regclass(name) FROM unnest(%s::text[]) AS name) "
            "AND (c.reltuples < 0 OR NOT EXISTS (SELECT 1 FROM pg_stats s "
            "WHERE s.schemaname = current_schema() AND s.tablename = c.relname))",
            [tables],
        )
        never = sorted(row[0] for row in cursor.fetchall())
        for table in never:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def triggers_named(database, prefix: str) -> set[str]:
    """The names of `database`'s triggers that start with `prefix` (those
    a migration made, which `triggers_ensure` functions put back)."""
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
                " AND starts_with(tgname, %s)",
                [prefix],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
                " AND substr(name, 1, length(%s)) = %s",
                [prefix, prefix],
            )
        return {row[0] for row in cursor.fetchall()}


@contextmanager
def settings_local(**values: str) -> Iterator[None]:
    """PostgreSQL's settings `values` for the statements run within (in a
    transaction, or a savepoint of the caller's), then those before again:
    `jit="off"` for a read of a few hundred milliseconds that JIT would
    compile for a hundred more. Not a connection option: PgBouncer in
    transaction mode refuses those. Nothing on SQLite."""
    if connection.vendor != "postgresql":
        yield
        return
    names = list(values)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + ", ".join("current_setting(%s)" for _ in names), names
        )
        before = cursor.fetchone()

        def applied(settings) -> None:
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
                [each for pair in zip(names, settings, strict=True) for each in pair],
            )

        applied([values[name] for name in names])
        yield  # an error rolls the transaction or savepoint back, settings too
        applied(before)
