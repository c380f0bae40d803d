"""On PostgreSQL, a writer's mark holds until it commits (ADR 29, amended
2026-12-05).

0001's triggers wrote a mark with `ON CONFLICT DO NOTHING`: when the
customer was marked already, the writer left nothing of its own. A build
starting before the writer committed deleted that mark and read the sums
without the writer's row: the snapshot kept the old amounts, unmarked,
until the next day's roll (reproduced by
tests/reports/test_aged_snapshot.py).

Now each mark goes through `reports_aged_mark`: it inserts the mark, or,
when one is there, takes a FOR KEY SHARE lock on it until the writer's
transaction ends. The build deletes only the marks nobody holds (`FOR
UPDATE SKIP LOCKED`): a held mark stays, and its customer is read live.
The build never waits for a writer; a writer waits for a build only when
that build has deleted its customer's mark, then marks again. Writers do
not wait for each other (their locks are shared).

This relies on the writers' READ COMMITTED (each statement of the
function sees what committed before it), as 0001 did. SQLite has one
writer at a time: its triggers stay as 0002 made them."""

import importlib

from django.db import migrations

base = importlib.import_module("relance.reports.migrations.0001_aged_snapshot")

POSTGRES = """
CREATE OR REPLACE FUNCTION reports_aged_mark(mark_customer bigint, mark_company bigint)
RETURNS void AS $$
BEGIN
  LOOP
    INSERT INTO reports_agedstale (customer_id, company_id)
    VALUES (mark_customer, mark_company) ON CONFLICT DO NOTHING;
    EXIT WHEN FOUND;
    -- Marked already: held until this transaction ends, unless a build
    -- deleted it meanwhile (then marked again).
    PERFORM 1 FROM reports_agedstale WHERE customer_id = mark_customer
    FOR KEY SHARE;
    EXIT WHEN FOUND;
  END LOOP;
END $$ LANGUAGE plpgsql
--
CREATE OR REPLACE FUNCTION reports_aged_invoice_stale() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    PERFORM reports_aged_mark(OLD.customer_id, OLD.company_id);
  END IF;
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE'
      AND NEW.customer_id IS DISTINCT FROM OLD.customer_id) THEN
    PERFORM reports_aged_mark(NEW.customer_id, NEW.company_id);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE OR REPLACE FUNCTION reports_aged_payment_stale() RETURNS trigger AS $$
DECLARE
  owner record;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    FOR owner IN SELECT DISTINCT customer_id, company_id FROM invoices_invoice
        WHERE id IN (OLD.invoice_id, OLD.credit_note_id) LOOP
      PERFORM reports_aged_mark(owner.customer_id, owner.company_id);
    END LOOP;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    FOR owner IN SELECT DISTINCT customer_id, company_id FROM invoices_invoice
        WHERE id IN (NEW.invoice_id, NEW.credit_note_id) LOOP
      PERFORM reports_aged_mark(owner.customer_id, owner.company_id);
    END LOOP;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE OR REPLACE FUNCTION reports_aged_customer_stale() RETURNS trigger AS $$
BEGIN
  PERFORM reports_aged_mark(NEW.id, NEW.company_id);
  RETURN NULL;
END $$ LANGUAGE plpgsql
"""


def triggers_create(apps, schema_editor):
    """The functions replaced; 0001's triggers call them by name."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES.split("\n--\n"):
        schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    """Back to 0001's functions."""
    if schema_editor.connection.vendor != "postgresql":
        return
    base.triggers_drop(apps, schema_editor)
    base.triggers_create(apps, schema_editor)
    schema_editor.execute("DROP FUNCTION IF EXISTS reports_aged_mark(bigint, bigint)")


class Migration(migrations.Migration):
    dependencies = [("reports", "0004_indicator_snapshot_per_day")]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
