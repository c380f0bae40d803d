"""The indicators' snapshots one per company, currency and day (ADR 13,
amended 2026-12-04, evening): the row an installation has (today's) is
kept; the same company may then keep other days beside it."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_indicator_snapshot'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='indicatorsnapshot',
            name='indicator_snapshot_unique',
        ),
        migrations.AddConstraint(
            model_name='indicatorsnapshot',
            constraint=models.UniqueConstraint(fields=('company_id', 'currency', 'on'), name='indicator_snapshot_day_unique'),
        ),
    ]
