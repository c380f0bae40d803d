"""Upgrade tests' helpers: the test database taken to given migrations (back
or forth), the models read as they were there.

    old = migrate(leaves_but({"invoices": "0012_customer_email_invalid"}))
    ...  # rows as an installed database had them
    new = migrate(leaves())

Such a test needs `@pytest.mark.django_db(transaction=True)` and must end at
`leaves()`, so the next test finds the database as it expects."""

from datetime import UTC, date, datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from relance.dunning import tagged_count
from relance.invoices import dunning_index


def migrate(targets):
    """Apply or unapply migrations up to `targets` ((app, name) pairs);
    the models' registry at that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    # What `migrate` does after: the dunning index's and the kept count's
    # triggers put back when an invoices migration rebuilt their table
    # (SQLite).
    dunning_index.triggers_ensure()
    tagged_count.triggers_ensure()
    return executor.loader.project_state(targets).apps


def leaves() -> list[tuple[str, str]]:
    """Every app's latest migration."""
    return list(MigrationExecutor(connection).loader.graph.leaf_nodes())


def leaves_but(
    before: dict[str, str], without=("bank", "reports")
) -> list[tuple[str, str]]:
    """Every app at its latest migration but those of `before`, at theirs;
    the apps `without` are left out, so unapplied with what they need (the
    bank and the reports' snapshot need the latest core and invoices)."""
    return [
        (app, before.get(app, leaf)) for app, leaf in leaves() if app not in without
    ]


def app_at(app: str, leaf: str):
    """Every app at its latest migration, `app` at `leaf` (back or forth)."""
    return migrate([(each, leaf if each == app else other) for each, other in leaves()])


def trigger_level(name: str) -> str:
    """PostgreSQL: whether the trigger `name` runs once a "row" or once a
    "statement"."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgtype & 1 FROM pg_trigger WHERE tgname = %s", [name])
        [(row,)] = cursor.fetchall()
    return "row" if row else "statement"


def aged_snapshot_add(apps, company_id: int, on: date = date(2026, 3, 31)) -> None:
    """A snapshot of the company's aged balance on `on` (in euros, built on
    31 March 2026 at 06:00 UTC) in the models `apps` gives: a company with
    one has its customers marked by the triggers."""
    apps.get_model("reports", "AgedSnapshot").objects.create(
        company_id=company_id,
        currency="EUR",
        on=on,
        built_at=datetime(2026, 3, 31, 6, tzinfo=UTC),
    )


def aged_triggers_all_there() -> bool:
    """Whether every trigger of the aged balance's marks is in the database
    (SQLite's rebuild of a table takes its triggers away)."""
    from relance.core.sql import triggers_named
    from relance.reports.aged_snapshot import SQLITE_TRIGGERS, TRIGGERS

    expected = TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS
    return set(expected) <= triggers_named(connection, "reports_aged_")
