"""What each customer's sums by bucket gained day by day, kept beside the
snapshots (ADR 29, amended in the fourteenth round): a past day between
two kept days is read from the nearest one. New tables only: the roll
builds them (until then such a day is computed live, as before)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0009_aged_mark_whole_company"),
    ]

    operations = [
        migrations.CreateModel(
            name="AgedChange",
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
                ("company_id", models.BigIntegerField()),
                ("currency", models.CharField(max_length=3)),
                ("day", models.DateField()),
                ("customer_id", models.BigIntegerField()),
                ("b_not_due", models.DecimalField(decimal_places=2, max_digits=14)),
                ("b_1_30", models.DecimalField(decimal_places=2, max_digits=14)),
                ("b_31_60", models.DecimalField(decimal_places=2, max_digits=14)),
                ("b_61_90", models.DecimalField(decimal_places=2, max_digits=14)),
                ("b_over_90", models.DecimalField(decimal_places=2, max_digits=14)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["company_id", "currency", "day"],
                        name="aged_change_day_idx",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AgedChangeSpan",
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
                ("company_id", models.BigIntegerField()),
                ("currency", models.CharField(max_length=3)),
                ("after", models.DateField()),
                ("until", models.DateField()),
                ("built_at", models.DateTimeField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("company_id", "currency"),
                        name="aged_change_span_unique",
                    )
                ],
            },
        ),
    ]
