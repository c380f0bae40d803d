"""The number of each company's invoices « à relancer », kept by the
database (ADR 31) rather than counted: reading it costs a company's few
rows in dunning_taggedcount, not its tagged invoices (540,000 at a million
invoices took 0.36 s of each daily run on PostgreSQL).

The triggers of migration dunning 0022 write ± what each write of
invoices_invoice tags or untags; `tagged_counts` folds a company's rows into
one as it reads them; `tagged_counts_reset` counts the invoices again (a
full daily run, the triggers put back by `triggers_ensure`, a number gone
below zero)."""

import importlib

from django.db import connection, connections, transaction

from relance.core.sql import ids_condition, triggers_named
from relance.invoices.dunning_index import applied

# The migrations that made the triggers, in order: 0022 made them, 0023
# made the update's once a statement (PostgreSQL).
MIGRATIONS = ("0022_tagged_count", "0023_tagged_count_statement")
TRIGGERS = ("insert", "delete", "update")


def _migration(name: str = MIGRATIONS[0]):
    return importlib.import_module(f"relance.dunning.migrations.{name}")


def _folds_locked(cursor) -> None:
    """Folds and resets of the counts, one at a time (PostgreSQL): a reset's
    count and a fold's sum each read their snapshot, and two at once would
    add a company's number twice. Writers never take the lock; the
    migration's first count does."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_migration().LOCK])


def tagged_counts(*, company_ids: list[int], fold: bool = True) -> dict[int, int]:
    """Each company's number of invoices « à relancer », by id (every
    company given): the sum of its rows. With `fold`, the rows of a
    company that has several are then replaced by their sum, so that the
    next reading stays a row or two (the daily job folds, once a day)."""
    if not company_ids:
        return {}
    condition, params = ids_condition("company_id", company_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT company_id, SUM(n), COUNT(*), MAX(id) FROM dunning_taggedcount"
            f" WHERE {condition} GROUP BY company_id",
            params,
        )
        rows = cursor.fetchall()
    counts = {pk: int(n) for pk, n, _, _ in rows}
    wrong = [pk for pk, n in counts.items() if n < 0]
    if wrong:  # a write the triggers did not see (ADR 31): counted again
        tagged_counts_reset(company_ids=wrong)
        return tagged_counts(company_ids=company_ids, fold=fold)
    several = [(pk, last) for pk, _, count, last in rows if count > 1]
    if fold and several:
        counts |= _fold(several)
    return {pk: counts.get(pk, 0) for pk in company_ids}


def _fold(several: list[tuple[int, int]]) -> dict[int, int]:
    """The rows of these companies replaced by their sum; returns the sums.

    PostgreSQL: one statement, after the lock (a fold waiting for another
    would otherwise sum without the row the other wrote); a row a writer has
    not committed is not deleted, and counts at the next reading. SQLite:
    the rows up to the last one read (ids grow in the order writers
    commit), in a transaction."""
    condition, params = ids_condition("company_id", [pk for pk, _ in several])
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _folds_locked(cursor)
            cursor.execute(
                f"""WITH gone AS (DELETE FROM dunning_taggedcount WHERE {condition}
                    RETURNING company_id, n)
                INSERT INTO dunning_taggedcount (company_id, n)
                SELECT company_id, SUM(n) FROM gone GROUP BY company_id
                RETURNING company_id, n""",
                params,
            )
            return dict(cursor.fetchall())
        last = max(last for _, last in several)
        cursor.execute(
            "INSERT INTO dunning_taggedcount (company_id, n)"
            " SELECT company_id, SUM(n) FROM dunning_taggedcount"
            f" WHERE {condition} AND id <= %s GROUP BY company_id",
            [*params, last],
        )
        cursor.execute(
            f"DELETE FROM dunning_taggedcount WHERE {condition} AND id <= %s",
            [*params, last],
        )
    return {}


def tagged_counts_reset(
    *, company_ids: list[int] | None = None, using: str = "default"
) -> None:
    """The companies' numbers (all, and the rows of companies gone, when
    None) counted again from their invoices, in one statement: what it
    deletes and what it counts are of the same snapshot, after the lock
    folds take (a fold committing meanwhile would otherwise keep its sum
    beside the count)."""
    database = connections[using]
    postgres = database.vendor == "postgresql"
    if company_ids is None:
        condition, params = "TRUE" if postgres else "1", []
    else:
        condition, params = ids_condition("company_id", company_ids)
    with transaction.atomic(using=using), database.cursor() as cursor:
        if postgres:
            _folds_locked(cursor)
        # The tags as DunningIndex's partial index holds them (the invoices'
        # table has no index on the tag: 0.8–1.2 s for 500,000 invoices on
        # SQLite, 28 ms from the index); before that table was made, as the
        # invoices do (an upgrade's steps). A write both tables' triggers
        # missed is put right by `relance daily --full`, which repairs the
        # index first (`dunning_index_repair`).
        table = "invoices_dunningindex" if applied(using) else "invoices_invoice"
        counted = (
            f"SELECT company_id, COUNT(*) FROM {table}"
            f" WHERE {condition} AND to_remind GROUP BY company_id"
        )
        if postgres:
            cursor.execute(
                f"""WITH gone AS (DELETE FROM dunning_taggedcount WHERE {condition})
                INSERT INTO dunning_taggedcount (company_id, n) {counted}""",
                params * 2,
            )
        else:
            cursor.execute(f"DELETE FROM dunning_taggedcount WHERE {condition}", params)
            cursor.execute(
                f"INSERT INTO dunning_taggedcount (company_id, n) {counted}", params
            )


def triggers_ensure(using="default", **kwargs) -> bool:
    """After each `migrate` (and `flush`): the rows of companies gone
    deleted (SQLite's flush may empty this table before the invoices, whose
    deletion then writes its rows again); the count's triggers put back
    when a later migration of the invoices dropped them (SQLite rebuilds a
    table to alter it, and its triggers go with it), then every number
    counted again. Returns whether they had to be put back."""
    from django.db.migrations.recorder import MigrationRecorder

    database = connections[using]
    applied = MigrationRecorder(database).applied_migrations()
    made = [name for name in MIGRATIONS if ("dunning", name) in applied]
    if not made:
        return False
    with database.cursor() as cursor:
        cursor.execute(
            "DELETE FROM dunning_taggedcount WHERE company_id NOT IN"
            " (SELECT id FROM core_company)"
        )
    present = triggers_named(database, "dunning_tagged_count_")
    if present >= {f"dunning_tagged_count_{event}" for event in TRIGGERS}:
        return False
    with database.schema_editor() as editor:
        _migration().triggers_drop(None, editor)
        for name in made:
            _migration(name).triggers_create(None, editor)
    tagged_counts_reset(using=using)
    return True
