"""The kept count's update trigger called once a statement rather than
once a row (PostgreSQL; ADR 31, amended 2026-12-05): the daily job tags
thousands of invoices in one statement, and a plpgsql call a row cost
7 µs each (49 ms of a 0.45 s day at a million invoices). The statement's
old and new rows are joined, and one row a company is written with the
sum of what it tagged and untagged. SQLite keeps 0022's row trigger (its
triggers cost no call).

`tagged_count.triggers_ensure` applies 0022's triggers then these, when a
later migration dropped them."""

import importlib

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION dunning_tagged_count_changed() RETURNS trigger AS $$
BEGIN
  INSERT INTO dunning_taggedcount (company_id, n)
  SELECT company_id, SUM(n) FROM (
    SELECT o.company_id, -1 AS n FROM former o JOIN updated u ON u.id = o.id
    WHERE o.to_remind AND (NOT u.to_remind OR o.company_id <> u.company_id)
    UNION ALL
    SELECT u.company_id, 1 AS n FROM updated u JOIN former o ON o.id = u.id
    WHERE u.to_remind AND (NOT o.to_remind OR o.company_id <> u.company_id)
  ) AS changed GROUP BY company_id HAVING SUM(n) <> 0;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
DROP TRIGGER IF EXISTS dunning_tagged_count_update ON invoices_invoice
--
CREATE TRIGGER dunning_tagged_count_update AFTER UPDATE ON invoices_invoice
  REFERENCING OLD TABLE AS former NEW TABLE AS updated
  FOR EACH STATEMENT EXECUTE FUNCTION dunning_tagged_count_changed()
"""

def triggers_create(apps, schema_editor):
    """0022's update trigger replaced (PostgreSQL; nothing on SQLite). Its
    write and this one's give the same numbers: no count again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in POSTGRES.split("\n--\n"):
        schema_editor.execute(statement)


def triggers_back(apps, schema_editor):
    """0022's row trigger and its function again, as 0022 makes them."""
    if schema_editor.connection.vendor != "postgresql":
        return
    made = importlib.import_module("relance.dunning.migrations.0022_tagged_count")
    schema_editor.execute(
        "DROP TRIGGER IF EXISTS dunning_tagged_count_update ON invoices_invoice"
    )
    schema_editor.execute("DROP FUNCTION IF EXISTS dunning_tagged_count_changed()")
    for statement in made.POSTGRES.split("\n--\n"):
        if "dunning_tagged_count_changed" in statement:  # the function, the trigger
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("dunning", "0022_tagged_count")]

    operations = [migrations.RunPython(triggers_create, triggers_back)]
