"""The invoices' dunning state indexed outside their table (DunningIndex,
ADR 19 amended 2026-12-05), kept by the triggers of migration invoices
0018; after each `migrate`, `triggers_ensure` puts them back if a later
migration dropped them."""

import importlib

from django.db import connections

from relance.core.sql import triggers_named

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
