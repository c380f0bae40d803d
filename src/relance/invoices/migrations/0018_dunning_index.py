"""The invoices' dunning state indexed outside their table (ADR 19, amended
2026-12-05): invoices_dunningindex holds, for each invoice dated or « à
relancer », its company, tag, planned date and the two dates the list
sorts by; triggers on invoices_invoice keep it, whatever wrote (ORM,
queryset update, import, raw SQL). The three indexes on the invoices'
table that named the tag or the planned date are dropped, so that a change
of the state alone can be a HOT update on PostgreSQL (the table also keeps
10 % of each page free for them).

A later migration that rebuilds invoices_invoice on SQLite drops the
triggers with it: `dunning_index.triggers_ensure` puts them back and fills
the table again after each `migrate`."""

from django.db import migrations, models

FIELDS = ("company_id", "to_remind", "next_reminder_on", "issue_date", "due_date")
COLUMNS = ", ".join(("invoice_id", *FIELDS))
VALUES = ", ".join(f"{{row}}.{column}" for column in ("id", *FIELDS))
KEPT = "{row}next_reminder_on IS NOT NULL OR {row}to_remind"
CHANGED = " OR ".join(
    f"{{old}}.{column} IS DISTINCT FROM {{new}}.{column}" for column in FIELDS
)
SQLITE_CHANGED = CHANGED.format(old="OLD", new="NEW").replace(
    "IS DISTINCT FROM", "IS NOT"
)
SQLITE_SET = ", ".join(f"{column} = NEW.{column}" for column in FIELDS)
WATCHED = ", ".join(FIELDS)

# PostgreSQL: a statement's rows at once, inserted, deleted or updated (an
# import inserts a thousand a statement, the daily job tags thousands in
# one): a trigger called for each row cost 23 µs a row, three times the
# update of the row itself. A statement-level trigger cannot name the
# columns it watches: the rows whose state and dates did not change are
# left by the join's condition.
POSTGRES = f"""
CREATE FUNCTION invoices_dunning_index_added() RETURNS trigger AS $$
BEGIN
  INSERT INTO invoices_dunningindex ({COLUMNS})
  SELECT {VALUES.format(row="added")} FROM added WHERE {KEPT.format(row="")};
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE FUNCTION invoices_dunning_index_removed() RETURNS trigger AS $$
BEGIN
  DELETE FROM invoices_dunningindex USING removed
  WHERE invoices_dunningindex.invoice_id = removed.id;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE FUNCTION invoices_dunning_index_changed() RETURNS trigger AS $$
BEGIN
  DELETE FROM invoices_dunningindex USING updated n, former o
  WHERE invoices_dunningindex.invoice_id = n.id AND o.id = n.id
    AND NOT ({KEPT.format(row="n.")}) AND ({KEPT.format(row="o.")});
  INSERT INTO invoices_dunningindex ({COLUMNS})
  SELECT {VALUES.format(row="n")} FROM updated n JOIN former o ON o.id = n.id
  WHERE ({KEPT.format(row="n.")}) AND ({CHANGED.format(old="o", new="n")})
  ON CONFLICT (invoice_id) DO UPDATE SET company_id = EXCLUDED.company_id,
    to_remind = EXCLUDED.to_remind, next_reminder_on = EXCLUDED.next_reminder_on,
    issue_date = EXCLUDED.issue_date, due_date = EXCLUDED.due_date;
  RETURN NULL;
END $$ LANGUAGE plpgsql
--
CREATE TRIGGER invoices_dunning_index_insert AFTER INSERT ON invoices_invoice
  REFERENCING NEW TABLE AS added
  FOR EACH STATEMENT EXECUTE FUNCTION invoices_dunning_index_added()
--
CREATE TRIGGER invoices_dunning_index_delete AFTER DELETE ON invoices_invoice
  REFERENCING OLD TABLE AS removed
  FOR EACH STATEMENT EXECUTE FUNCTION invoices_dunning_index_removed()
--
CREATE TRIGGER invoices_dunning_index_update AFTER UPDATE ON invoices_invoice
  REFERENCING OLD TABLE AS former NEW TABLE AS updated
  FOR EACH STATEMENT EXECUTE FUNCTION invoices_dunning_index_changed()
"""

POSTGRES_DROP = """
DROP TRIGGER IF EXISTS invoices_dunning_index_insert ON invoices_invoice;
DROP TRIGGER IF EXISTS invoices_dunning_index_delete ON invoices_invoice;
DROP TRIGGER IF EXISTS invoices_dunning_index_update ON invoices_invoice;
DROP FUNCTION IF EXISTS invoices_dunning_index_added();
DROP FUNCTION IF EXISTS invoices_dunning_index_removed();
DROP FUNCTION IF EXISTS invoices_dunning_index_changed();
"""

SQLITE = [
    "CREATE TRIGGER invoices_dunning_index_insert AFTER INSERT ON invoices_invoice"
    f" WHEN {KEPT.format(row='NEW.')} BEGIN"
    f" INSERT INTO invoices_dunningindex ({COLUMNS})"
    f" VALUES ({VALUES.format(row='NEW')}); END",
    "CREATE TRIGGER invoices_dunning_index_delete AFTER DELETE ON invoices_invoice"
    f" WHEN {KEPT.format(row='OLD.')} BEGIN"
    " DELETE FROM invoices_dunningindex WHERE invoice_id = OLD.id; END",
    f"CREATE TRIGGER invoices_dunning_index_update AFTER UPDATE OF {WATCHED}"
    f" ON invoices_invoice WHEN {SQLITE_CHANGED} BEGIN"
    f" UPDATE invoices_dunningindex SET {SQLITE_SET}"
    f" WHERE invoice_id = NEW.id AND ({KEPT.format(row='NEW.')});"
    f" INSERT OR IGNORE INTO invoices_dunningindex ({COLUMNS})"
    f" SELECT {VALUES.format(row='NEW')} WHERE {KEPT.format(row='NEW.')};"
    " DELETE FROM invoices_dunningindex WHERE invoice_id = OLD.id"
    f" AND NOT ({KEPT.format(row='NEW.')}); END",
]
TRIGGERS = ("insert", "delete", "update")

FILL = (
    f"INSERT INTO invoices_dunningindex ({COLUMNS})"
    f" SELECT {VALUES.format(row='invoices_invoice')} FROM invoices_invoice"
    f" WHERE {KEPT.format(row='')}"
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
    for event in TRIGGERS:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS invoices_dunning_index_{event}")


def filled(apps, schema_editor):
    """The rows as the invoices hold them, then the triggers, with no write
    between (PostgreSQL: the invoices' writers wait from the lock to the
    commit)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("LOCK TABLE invoices_invoice IN SHARE ROW EXCLUSIVE MODE")
    schema_editor.execute("DELETE FROM invoices_dunningindex")
    schema_editor.execute(FILL)
    triggers_create(apps, schema_editor)


def emptied(apps, schema_editor):
    triggers_drop(apps, schema_editor)


def pages_spared(apps, schema_editor):
    """PostgreSQL: 10 % of each page of the invoices' table left free, so
    that the new version of a row whose state changes fits beside the old
    one (a HOT update). Pages written from now on; the existing ones free
    their space as their rows are updated and vacuumed."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE invoices_invoice SET (fillfactor = 90)")


def pages_filled(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE invoices_invoice RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0017_customer_language_choices"),
    ]

    operations = [
        migrations.CreateModel(
            name="DunningIndex",
            fields=[
                (
                    "invoice",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="dunning_index",
                        serialize=False,
                        to="invoices.invoice",
                    ),
                ),
                ("company_id", models.BigIntegerField()),
                ("to_remind", models.BooleanField()),
                ("next_reminder_on", models.DateField(null=True)),
                ("issue_date", models.DateField()),
                ("due_date", models.DateField()),
            ],
        ),
        migrations.RunPython(filled, emptied),
        migrations.AddIndex(
            model_name="dunningindex",
            index=models.Index(
                fields=["company_id", "to_remind", "next_reminder_on"],
                name="dunning_index_dated_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dunningindex",
            index=models.Index(
                condition=models.Q(("to_remind", True)),
                fields=["company_id", "issue_date", "invoice"],
                name="dunning_index_issue_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="dunningindex",
            index=models.Index(
                condition=models.Q(("to_remind", True)),
                fields=["company_id", "due_date", "invoice"],
                name="dunning_index_due_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="invoice", name="invoice_to_remind_issue_idx"
        ),
        migrations.RemoveIndex(model_name="invoice", name="invoice_to_remind_due_idx"),
        migrations.RemoveIndex(model_name="invoice", name="invoice_dated_idx"),
        migrations.RunPython(pages_spared, pages_filled),
    ]
