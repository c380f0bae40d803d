"""The invoices' dunning state indexed outside their table (DunningIndex,
ADR 19 amended 2026-12-05), kept by the triggers of migration invoices
0018; after each `migrate`, `triggers_ensure` puts them back if a later
migration dropped them, and `dunning_index_repair` writes again what a
write they did not see left wrong (`relance daily --full`)."""

import importlib

from django.db import connection, connections

from relance.core.sql import ids_condition, triggers_named
from relance.invoices.models import DunningIndex

MIGRATION = "0018_dunning_index"


def applied(using: str = "default") -> bool:
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connections[using])
    return ("invoices", MIGRATION) in recorder.applied_migrations()


def triggers_ensure(using="default", **kwargs) -> bool:
    """After each `migrate` (and `flush`): the triggers put back when a later
    migration of the invoices dropped them (SQLite rebuilds a table to alter
    it, and its triggers go with it; PostgreSQL drops a column CASCADE),
    and the rows written again from the invoices. Returns whether they had
    to be put back."""
    if not applied(using):
        return False
    database = connections[using]
    made = importlib.import_module(f"relance.invoices.migrations.{MIGRATION}")
    present = triggers_named(database, "invoices_dunning_index_")
    if present >= {f"invoices_dunning_index_{event}" for event in made.TRIGGERS}:
        return False
    with database.schema_editor() as editor:
        made.triggers_drop(None, editor)
        made.filled(None, editor)
    return True


# The index's columns besides its invoice, as the model has them.
FIELDS = tuple(
    field.column for field in DunningIndex._meta.local_fields if not field.primary_key
)


def dunning_index_repair(*, company_ids: list[int]) -> int:
    """The companies' rows that disagree with their invoices deleted, and
    those missing written, from the invoices: after a write the triggers did
    not see (triggers turned off, a data-only restore). Returns how many
    rows were deleted or written.

    PostgreSQL, a writer meanwhile: a row it rewrote and this deletes is
    written again by the insert, whose statement sees the writer's commit;
    a row it inserts before committing is left to it (ON CONFLICT)."""
    postgres = connection.vendor == "postgresql"
    same = " AND ".join(
        f"d.{name} IS NOT DISTINCT FROM i.{name}"
        if postgres
        else f"d.{name} IS i.{name}"
        for name in FIELDS
    )
    kept = "(i.next_reminder_on IS NOT NULL OR i.to_remind)"
    columns = ", ".join(("invoice_id", *FIELDS))
    values = ", ".join(f"i.{name}" for name in ("id", *FIELDS))
    with connection.cursor() as cursor:
        condition, params = ids_condition("d.company_id", company_ids)
        cursor.execute(
            f"DELETE FROM invoices_dunningindex AS d WHERE {condition}"
            " AND NOT EXISTS (SELECT 1 FROM invoices_invoice i"
            f" WHERE i.id = d.invoice_id AND {kept} AND {same})",
            params,
        )
        deleted = cursor.rowcount
        condition, params = ids_condition("i.company_id", company_ids)
        cursor.execute(
            f"INSERT INTO invoices_dunningindex ({columns})"
            f" SELECT {values} FROM invoices_invoice i WHERE {condition} AND {kept}"
            " AND NOT EXISTS (SELECT 1 FROM invoices_dunningindex d"
            " WHERE d.invoice_id = i.id) ON CONFLICT (invoice_id) DO NOTHING",
            params,
        )
        return deleted + cursor.rowcount
