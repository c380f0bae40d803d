"""PostgreSQL: the marks of the rows a statement inserts written once a
statement (ADR 29, amended 2026-12-05, evening). 0005's trigger, called for
each invoice or payment inserted, cost about 20 µs a row: 2 s of an import
of 100,000 invoices. The rule is 0005's: a mark a customer unless this
transaction (or one of its savepoints) wrote one already; the statement's
customers are taken once each. Deletes and updates keep 0005's row
triggers; SQLite keeps its own (no call to pay, and one writer at a time).

`aged_snapshot.triggers_ensure` applies 0001's, 0002's, 0005's then these."""

import importlib

from django.db import migrations

base = importlib.import_module("relance.reports.migrations.0001_aged_snapshot")

# A row of this transaction for the customer, as 0005's reports_aged_mark
# looks for it: at or after this transaction's id, and not committed. Read
# by the customer's key for each customer (OFFSET 0: not made a join, which
# tested the status of every mark standing: 200 ms for 1,000 invoices
# beside 100,000 marks). Without JIT: the marks' statistics, stale in an
# import, made PostgreSQL expect a costly statement and compile it, 165 ms
# of a statement that runs in 3.
OWN = (
    "SELECT 1 FROM reports_agedmark m WHERE m.customer_id = {customer}"
    " AND m.xmin::text::bigint >= (mine & 4294967295)"
    " AND pg_xact_status((((mine >> 32) << 32) | m.xmin::text::bigint)::text::xid8)"
    " = 'in progress' OFFSET 0"
)

POSTGRES = f"""
CREATE OR REPLACE FUNCTION reports_aged_invoices_added() RETURNS trigger AS $$
DECLARE
  mine bigint := pg_current_xact_id()::text::bigint;
BEGIN
  INSERT INTO reports_agedmark (customer_id, company_id)
  SELECT DISTINCT a.customer_id, a.company_id FROM added a
  WHERE NOT EXISTS ({OWN.format(customer="a.customer_id")});
  RETURN NULL;
END $$ LANGUAGE plpgsql SET jit = off
--
CREATE OR REPLACE FUNCTION reports_aged_payments_added() RETURNS trigger AS $$
DECLARE
  mine bigint := pg_current_xact_id()::text::bigint;
BEGIN
  INSERT INTO reports_agedmark (customer_id, company_id)
  SELECT DISTINCT i.customer_id, i.company_id FROM added a
  JOIN invoices_invoice i ON i.id IN (a.invoice_id, a.credit_note_id)
  WHERE NOT EXISTS ({OWN.format(customer="i.customer_id")});
  RETURN NULL;
END $$ LANGUAGE plpgsql SET jit = off
--
DROP TRIGGER IF EXISTS reports_aged_invoice ON invoices_invoice
--
CREATE TRIGGER reports_aged_invoice AFTER DELETE ON invoices_invoice
  FOR EACH ROW EXECUTE FUNCTION reports_aged_invoice_stale()
--
DROP TRIGGER IF EXISTS reports_aged_invoice_insert ON invoices_invoice
--
CREATE TRIGGER reports_aged_invoice_insert AFTER INSERT ON invoices_invoice
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION reports_aged_invoices_added()
--
DROP TRIGGER IF EXISTS reports_aged_payment ON invoices_payment
--
CREATE TRIGGER reports_aged_payment AFTER DELETE ON invoices_payment
  FOR EACH ROW EXECUTE FUNCTION reports_aged_payment_stale()
--
DROP TRIGGER IF EXISTS reports_aged_payment_insert ON invoices_payment
--
CREATE TRIGGER reports_aged_payment_insert AFTER INSERT ON invoices_payment
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION reports_aged_payments_added()
"""

POSTGRES_BACK = """
DROP TRIGGER IF EXISTS reports_aged_invoice_insert ON invoices_invoice
--
DROP TRIGGER IF EXISTS reports_aged_payment_insert ON invoices_payment
--
DROP FUNCTION IF EXISTS reports_aged_invoices_added()
--
DROP FUNCTION IF EXISTS reports_aged_payments_added()
--
DROP TRIGGER IF EXISTS reports_aged_invoice ON invoices_invoice
--
DROP TRIGGER IF EXISTS reports_aged_payment ON invoices_payment
"""


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES.split("\n--\n"):
        schema_editor.execute(statement)


def triggers_back(apps, schema_editor):
    """0001's row triggers on insert and delete again (their functions are
    0005's, unchanged)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES_BACK.split("\n--\n"):
        schema_editor.execute(statement)
    for statement in base.POSTGRES.split("\n--\n"):
        if "AFTER INSERT OR DELETE" in statement:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reports", "0006_aged_snapshot_days")]

    operations = [migrations.RunPython(triggers_create, triggers_back)]
