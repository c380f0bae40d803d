"""The aged balance's snapshots by day: today's and the month ends before
it (ADR 29, amended 2026-12-05). The lines standing get their snapshot's
day; the indexes start with it."""

import datetime
import importlib

import django.db.models.functions.text
from django.db import migrations, models

marks = importlib.import_module("relance.reports.migrations.0005_aged_mark_rows")


def sqlite_triggers_drop(apps, schema_editor):
    """SQLite rebuilds reports_agedsnapshot to change its constraint: the
    guarded triggers that name it go first, and come back after."""
    if schema_editor.connection.vendor == "sqlite":
        marks.triggers_drop(apps, schema_editor)


def sqlite_triggers_create(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        marks.triggers_create(apps, schema_editor)


def lines_dated(apps, schema_editor):
    AgedLine = apps.get_model("reports", "AgedLine")
    AgedSnapshot = apps.get_model("reports", "AgedSnapshot")
    for snapshot in AgedSnapshot.objects.all():
        AgedLine.objects.filter(
            company_id=snapshot.company_id, currency=snapshot.currency
        ).update(on=snapshot.on)
    # Lines of no snapshot were never read.
    AgedLine.objects.filter(on=datetime.date(1970, 1, 1)).delete()


def latest_only(apps, schema_editor):
    """Back to one snapshot a company and currency: its latest day's."""
    AgedLine = apps.get_model("reports", "AgedLine")
    AgedSnapshot = apps.get_model("reports", "AgedSnapshot")
    latest = {}
    for snapshot in AgedSnapshot.objects.order_by("on"):
        latest[snapshot.company_id, snapshot.currency] = snapshot.on
    AgedSnapshot.objects.exclude(
        pk__in=[
            s.pk
            for s in AgedSnapshot.objects.all()
            if latest[s.company_id, s.currency] == s.on
        ]
    ).delete()
    for (company_id, currency), on in latest.items():
        AgedLine.objects.filter(company_id=company_id, currency=currency).exclude(
            on=on
        ).delete()


class Migration(migrations.Migration):
    dependencies = [("reports", "0005_aged_mark_rows")]

    operations = [
        migrations.RunPython(sqlite_triggers_drop, sqlite_triggers_create),
        migrations.RemoveConstraint(
            model_name="agedsnapshot", name="aged_snapshot_unique"
        ),
        migrations.AddConstraint(
            model_name="agedsnapshot",
            constraint=models.UniqueConstraint(
                fields=("company_id", "currency", "on"),
                name="aged_snapshot_day_unique",
            ),
        ),
        migrations.RemoveIndex(model_name="agedline", name="aged_line_idx"),
        migrations.RemoveIndex(model_name="agedline", name="aged_line_total_idx"),
        migrations.RemoveIndex(model_name="agedline", name="aged_line_code_idx"),
        migrations.RemoveIndex(model_name="agedline", name="aged_line_name_idx"),
        migrations.AddField(
            model_name="agedline",
            name="on",
            field=models.DateField(default=datetime.date(1970, 1, 1)),
            preserve_default=False,
        ),
        migrations.RunPython(lines_dated, latest_only),
        migrations.AddIndex(
            model_name="agedline",
            index=models.Index(
                fields=["company_id", "currency", "on", "customer_id"],
                name="aged_line_day_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="agedline",
            index=models.Index(
                fields=["company_id", "currency", "on", "total"],
                name="aged_line_day_total_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="agedline",
            index=models.Index(
                models.F("company_id"),
                models.F("currency"),
                models.F("on"),
                django.db.models.functions.text.Lower("code"),
                name="aged_line_day_code_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="agedline",
            index=models.Index(
                models.F("company_id"),
                models.F("currency"),
                models.F("on"),
                django.db.models.functions.text.Lower("name"),
                name="aged_line_day_name_idx",
            ),
        ),
        migrations.RunPython(sqlite_triggers_create, sqlite_triggers_drop),
    ]
