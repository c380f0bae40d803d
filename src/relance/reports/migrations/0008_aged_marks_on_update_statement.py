"""PostgreSQL: the marks of the invoices a statement updates written once a
statement (ADR 29, amended 2026-12-05, night). 0001's row trigger, called
for each invoice whose balance columns change, cost about 20 µs a row: 2 s
of an import of 100,000 payments, which writes each invoice's amount due.
The rule is unchanged: the customer the row had is marked, and the one it
has when that changed, unless this transaction (or one of its savepoints)
marked it already (0007's check). An UPDATE that changes none of the
balance's columns (the daily job's tags) marks nobody; one that matches no
row returns before it asks for its transaction's id (which would give a
read-only transaction one, and a commit record). Payments' updates and
customers' keep their row triggers; SQLite keeps its own.

`aged_snapshot.triggers_ensure` applies 0001's, 0002's, 0005's, 0007's then
these."""

import importlib

from django.db import migrations

base = importlib.import_module("relance.reports.migrations.0001_aged_snapshot")
inserts = importlib.import_module(
    "relance.reports.migrations.0007_aged_marks_on_insert_statement"
)

CHANGED = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in base.READ)

POSTGRES = f"""
CREATE OR REPLACE FUNCTION reports_aged_invoices_changed() RETURNS trigger AS $$
DECLARE
  mine bigint;
BEGIN
  -- An UPDATE that matched no row (the daily job's with nothing to tag)
  -- is left without a transaction id: pg_current_xact_id() would give it one.
  IF NOT EXISTS (SELECT 1 FROM updated) THEN
    RETURN NULL;
  END IF;
  mine := pg_current_xact_id()::text::bigint;
  INSERT INTO reports_agedmark (customer_id, company_id)
  WITH changed AS MATERIALIZED (
    SELECT o.customer_id, o.company_id,
      n.customer_id AS new_customer, n.company_id AS new_company
    FROM former o JOIN updated n ON n.id = o.id
    WHERE {CHANGED}
  ), owners AS (
    SELECT customer_id, company_id FROM changed
    UNION
    SELECT new_customer, new_company FROM changed
    WHERE new_customer IS DISTINCT FROM customer_id
  )
  SELECT w.customer_id, w.company_id FROM owners w
  WHERE NOT EXISTS ({inserts.OWN.format(customer="w.customer_id")});
  RETURN NULL;
END $$ LANGUAGE plpgsql SET jit = off
--
DROP TRIGGER IF EXISTS reports_aged_invoice_update ON invoices_invoice
--
CREATE TRIGGER reports_aged_invoice_update AFTER UPDATE ON invoices_invoice
  REFERENCING OLD TABLE AS former NEW TABLE AS updated
  FOR EACH STATEMENT EXECUTE FUNCTION reports_aged_invoices_changed()
"""


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES.split("\n--\n"):
        schema_editor.execute(statement)


def triggers_back(apps, schema_editor):
    """0001's row trigger on update again (its function is 0005's)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS reports_aged_invoice_update ON invoices_invoice"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS reports_aged_invoices_changed()")
    sql = base.POSTGRES.format(
        invoice_changed=base._changed(base.READ, "IS DISTINCT FROM"),
        payment_changed=base._changed(base.PAID, "IS DISTINCT FROM"),
    )
    for statement in sql.split("\n--\n"):
        if "reports_aged_invoice_update" in statement:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0007_aged_marks_on_insert_statement")]

    operations = [migrations.RunPython(triggers_create, triggers_back)]
