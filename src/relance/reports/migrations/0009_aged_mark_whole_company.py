"""PostgreSQL: a statement that changes more customers of a company than a
read would name one by one marks the whole company, in one row (ADR 29,
amended 2026-12-05, thirteenth round).

A read names the marked customers only up to `selectors.STALE_MOST`
(10,000); beyond, it computes the company's balance live. So a statement
marking more than that many customers of one company changes no read's
result by writing one mark of the company (`customer_id` NULL) instead of
one a customer: a file of 100,000 payments wrote 200,000 marks (its
payments' customers, then its invoices'), 0.45 s of its 10 s. The rule for
one customer is 0007's and 0008's: a mark unless this transaction (or one
of its savepoints) wrote one already; a company marked so by this
transaction takes no mark of a customer after it. Deletes and the row
triggers of payments' and customers' updates write customers' marks as
before; SQLite keeps its row triggers (one customer each) and never writes
a company's mark.

`customer_id` becomes nullable: SQLite rebuilds the table, so its triggers,
which name it, go first and come back after (as in 0006). Back to 0008:
each company marked whole has its snapshots dropped (its balance read live
until the next roll, as the mark said) before the column is NOT NULL
again.

`aged_snapshot.triggers_ensure` applies 0001's, 0002's, 0005's, 0007's,
0008's then these."""

import importlib

from django.db import migrations, models

days = importlib.import_module("relance.reports.migrations.0006_aged_snapshot_days")
inserts = importlib.import_module(
    "relance.reports.migrations.0007_aged_marks_on_insert_statement"
)
updates = importlib.import_module(
    "relance.reports.migrations.0008_aged_marks_on_update_statement"
)

# selectors.STALE_MOST as it is at this migration.
MANY = 10_000

# A mark this transaction (or one of its savepoints) wrote: at or after its
# id, and not committed (0007's test).
MINE = (
    "m.xmin::text::bigint >= (mine & 4294967295)"
    " AND pg_xact_status((((mine >> 32) << 32) | m.xmin::text::bigint)::text::xid8)"
    " = 'in progress'"
)


def _marks(owners: str) -> str:
    """The INSERT of a statement's marks, `owners` its distinct (customer_id,
    company_id): a company's own mark when it has more than MANY customers
    there, else each customer's; none for a company this transaction marked
    whole already. Each company looked up once; each customer by its key
    (OFFSET 0, as in 0007)."""
    return f"""
  INSERT INTO reports_agedmark (customer_id, company_id)
  WITH owners AS MATERIALIZED ({owners}
  ), companies AS MATERIALIZED (
    SELECT o.company_id, count(*) > {MANY} AS many, EXISTS (
      SELECT 1 FROM reports_agedmark m
      WHERE m.customer_id IS NULL AND m.company_id = o.company_id AND {MINE}
    ) AS whole
    FROM owners o GROUP BY o.company_id
  )
  SELECT NULL, c.company_id FROM companies c WHERE c.many AND NOT c.whole
  UNION ALL
  SELECT w.customer_id, w.company_id FROM owners w
  JOIN companies c ON c.company_id = w.company_id
  WHERE NOT c.many AND NOT c.whole AND NOT EXISTS (
    SELECT 1 FROM reports_agedmark m WHERE m.customer_id = w.customer_id
    AND {MINE} OFFSET 0
  );"""


INVOICES_ADDED = """
    SELECT DISTINCT a.customer_id, a.company_id FROM added a"""
PAYMENTS_ADDED = """
    SELECT DISTINCT i.customer_id, i.company_id FROM added a
    JOIN invoices_invoice i ON i.id IN (a.invoice_id, a.credit_note_id)"""
INVOICES_CHANGED = f"""
    WITH changed AS MATERIALIZED (
      SELECT o.customer_id, o.company_id,
        n.customer_id AS new_customer, n.company_id AS new_company
      FROM former o JOIN updated n ON n.id = o.id
      WHERE {updates.CHANGED}
    )
    SELECT customer_id, company_id FROM changed
    UNION
    SELECT new_customer, new_company FROM changed
    WHERE new_customer IS DISTINCT FROM customer_id"""

# An UPDATE that matched no row (the daily job's with nothing to tag) is
# left without a transaction id: pg_current_xact_id() would give it one.
NO_ROW_UPDATED = """
  IF NOT EXISTS (SELECT 1 FROM updated) THEN
    RETURN NULL;
  END IF;"""


def _function(name: str, owners: str, first: str = "") -> str:
    """The trigger function `name`, writing the marks of its statement's
    `owners`; `first` runs before it asks for its transaction's id."""
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
DECLARE
  mine bigint;
BEGIN{first}
  mine := pg_current_xact_id()::text::bigint;{_marks(owners)}
  RETURN NULL;
END $$ LANGUAGE plpgsql SET jit = off"""


POSTGRES = "\n--\n".join(
    [
        _function("reports_aged_invoices_added", INVOICES_ADDED),
        _function("reports_aged_payments_added", PAYMENTS_ADDED),
        _function("reports_aged_invoices_changed", INVOICES_CHANGED, NO_ROW_UPDATED),
    ]
)


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES.split("\n--\n"):
        schema_editor.execute(statement)


def triggers_back(apps, schema_editor):
    """0007's and 0008's functions again (PostgreSQL); on both databases
    the companies marked whole read live until the next roll (their
    snapshots dropped), their marks gone."""
    if schema_editor.connection.vendor == "postgresql":
        inserts.triggers_create(apps, schema_editor)
        updates.triggers_create(apps, schema_editor)
    AgedMark = apps.get_model("reports", "AgedMark")
    AgedSnapshot = apps.get_model("reports", "AgedSnapshot")
    whole = AgedMark.objects.filter(customer_id__isnull=True)
    AgedSnapshot.objects.filter(
        company_id__in=list(whole.values_list("company_id", flat=True))
    ).delete()
    whole.delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0008_aged_marks_on_update_statement")]

    operations = [
        migrations.RunPython(days.sqlite_triggers_drop, days.sqlite_triggers_create),
        migrations.AlterField(
            model_name="agedmark",
            name="customer_id",
            field=models.BigIntegerField(db_index=True, null=True),
        ),
        migrations.RunPython(days.sqlite_triggers_create, days.sqlite_triggers_drop),
        migrations.RunPython(triggers_create, triggers_back),
    ]
