"""The number of each company's invoices « à relancer », kept by the
database (ADR 31): triggers on invoices_invoice write ± the tags each
write adds or takes away into dunning_taggedcount, whatever wrote it (ORM,
queryset update, import, raw SQL); the rows a company's invoices hold now
are counted once here.

A later migration of the invoices that rebuilds their table on SQLite drops
the triggers with it: `tagged_count.triggers_ensure` puts them back and
counts again after each `migrate`. A later migration that rebuilds
dunning_taggedcount (SQLite), or changes the type of the invoices'
`to_remind` or `company_id` (PostgreSQL), fails while the triggers name
them: it drops them first (`triggers_drop`), and `triggers_ensure` puts
them back."""

from django.db import migrations, models

# PostgreSQL: a statement's inserted or deleted rows counted at once (an
# import inserts a thousand a statement); an update only for the rows whose
# tag (or company) changes, tested in C by the trigger's WHEN.
POSTGRES = """
CREATE FUNCTION dunning_tagged_count_added() RETURNS trigger AS $$
BEGIN
  INSERT INTO dunning_taggedcount (company_id, n)
  SELECT company_id, COUNT(*) FROM added WHERE to_remind GROUP BY company_id;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE FUNCTION dunning_tagged_count_removed() RETURNS trigger AS $$
BEGIN
  INSERT INTO dunning_taggedcount (company_id, n)
  SELECT company_id, -COUNT(*) FROM removed WHERE to_remind GROUP BY company_id;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE FUNCTION dunning_tagged_count_changed() RETURNS trigger AS $$
BEGIN
  IF OLD.to_remind THEN
    INSERT INTO dunning_taggedcount (company_id, n) VALUES (OLD.company_id, -1);
  END IF;
  IF NEW.to_remind THEN
    INSERT INTO dunning_taggedcount (company_id, n) VALUES (NEW.company_id, 1);
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE TRIGGER dunning_tagged_count_insert AFTER INSERT ON invoices_invoice
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION dunning_tagged_count_added()
--
CREATE TRIGGER dunning_tagged_count_delete AFTER DELETE ON invoices_invoice
  REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION dunning_tagged_count_removed()
--
CREATE TRIGGER dunning_tagged_count_update
  AFTER UPDATE OF to_remind, company_id ON invoices_invoice
  FOR EACH ROW WHEN (OLD.to_remind IS DISTINCT FROM NEW.to_remind
    OR (NEW.to_remind AND OLD.company_id IS DISTINCT FROM NEW.company_id))
  EXECUTE FUNCTION dunning_tagged_count_changed()
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS dunning_tagged_count_insert ON invoices_invoice;
DROP TRIGGER IF EXISTS dunning_tagged_count_delete ON invoices_invoice;
DROP TRIGGER IF EXISTS dunning_tagged_count_update ON invoices_invoice;
DROP FUNCTION IF EXISTS dunning_tagged_count_added();
DROP FUNCTION IF EXISTS dunning_tagged_count_removed();
DROP FUNCTION IF EXISTS dunning_tagged_count_changed();
"""

ADD = "INSERT INTO dunning_taggedcount (company_id, n) VALUES ({row}.company_id, {n});"
SQLITE = [
    "CREATE TRIGGER dunning_tagged_count_insert AFTER INSERT ON invoices_invoice"
    f" WHEN NEW.to_remind BEGIN {ADD.format(row='NEW', n=1)} END",
    "CREATE TRIGGER dunning_tagged_count_delete AFTER DELETE ON invoices_invoice"
    f" WHEN OLD.to_remind BEGIN {ADD.format(row='OLD', n=-1)} END",
    "CREATE TRIGGER dunning_tagged_count_update"
    " AFTER UPDATE OF to_remind, company_id ON invoices_invoice"
    " WHEN OLD.to_remind IS NOT NEW.to_remind"
    " OR (NEW.to_remind AND OLD.company_id IS NOT NEW.company_id) BEGIN"
    " INSERT INTO dunning_taggedcount (company_id, n)"
    " SELECT OLD.company_id, -1 WHERE OLD.to_remind;"
    " INSERT INTO dunning_taggedcount (company_id, n)"
    " SELECT NEW.company_id, 1 WHERE NEW.to_remind; END",
]
SQLITE_TRIGGERS = ("insert", "delete", "update")

# Every company's number as its invoices hold it: with the triggers made in
# the same transaction, no write falls between (PostgreSQL's CREATE TRIGGER
# holds off the table's writers until the commit).
COUNT = (
    "INSERT INTO dunning_taggedcount (company_id, n)"
    " SELECT company_id, COUNT(*) FROM invoices_invoice WHERE to_remind"
    " GROUP BY company_id"
)


def triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        statements = POSTGRES.split("\n--\n")
    else:
        statements = SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def triggers_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_DROP.strip().splitlines():
            schema_editor.execute(statement)
        return
    for event in SQLITE_TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS dunning_tagged_count_{event}")


# Folds and resets of the counts take this advisory lock (PostgreSQL), one at
# a time: "RELA". Owned here, since a migration's SQL stays as it ran;
# `dunning.tagged_count` reads it from this module.
LOCK = 0x52454C41


def counted(apps, schema_editor):
    """The triggers, then the invoices' tags counted as they stand (after
    the lock `tagged_count` takes to fold: none runs before this release,
    but a worker of it may be up already)."""
    triggers_create(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"SELECT pg_advisory_xact_lock({LOCK})")
    schema_editor.execute("DELETE FROM dunning_taggedcount")
    schema_editor.execute(COUNT)


class Migration(migrations.Migration):
    dependencies = [
        ("dunning", "0021_dunning_plans"),
        ("invoices", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="TaggedCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("company_id", models.BigIntegerField(db_index=True)),
                ("n", models.IntegerField()),
            ],
        ),
        migrations.RunPython(counted, triggers_drop),
    ]
