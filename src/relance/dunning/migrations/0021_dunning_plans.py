"""Dunning plans (issue 18 §1, §5): every company gets « Standard », its
default plan, holding all its steps as they are (same ids, order and
reminders: levels do not move); customers follow it until one is chosen for
them (`CustomerDunning`, which also holds a customer's own minimum gap)."""

import django.db.models.deletion
from django.db import migrations, models

STANDARD = "Standard"


def plans_create(apps, schema_editor):
    """One « Standard » plan per company, default, owning its steps."""
    Company = apps.get_model("core", "Company")
    DunningPlan = apps.get_model("dunning", "DunningPlan")
    DunningStep = apps.get_model("dunning", "DunningStep")
    for company_id in Company.objects.values_list("pk", flat=True).iterator():
        plan = DunningPlan.objects.create(
            company_id=company_id, name=STANDARD, is_default=True, order=1
        )
        DunningStep.objects.filter(company_id=company_id).update(plan=plan)
    if schema_editor.connection.vendor == "postgresql":
        # The column becomes NOT NULL next, in this transaction: PostgreSQL
        # refuses to alter a table with deferred checks still pending.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def plans_remove(apps, schema_editor):
    """Backwards: steps lose their plan (the column goes right after)."""
    DunningStep = apps.get_model("dunning", "DunningStep")
    DunningStep.objects.update(plan=None)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("invoices", "0001_initial"),
        ("dunning", "0020_portal_answers"),
    ]

    operations = [
        migrations.CreateModel(
            name="DunningPlan",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=100, verbose_name="nom")),
                ("is_default", models.BooleanField(default=False, verbose_name="plan par défaut")),
                ("order", models.PositiveSmallIntegerField(default=1, verbose_name="ordre")),
                ("active", models.BooleanField(default=True, verbose_name="actif")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.company")),
            ],
            options={
                "verbose_name": "plan de relance",
                "verbose_name_plural": "plans de relance",
                "ordering": ["company", "order", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("company", "name"), name="dunning_plan_name_unique"),
                    models.UniqueConstraint(condition=models.Q(("is_default", True)), fields=("company",), name="dunning_plan_one_default"),
                ],
            },
        ),
        migrations.AddField(
            model_name="dunningstep",
            name="plan",
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name="steps", to="dunning.dunningplan"),
        ),
        migrations.RunPython(plans_create, plans_remove, elidable=False),
        migrations.AlterField(
            model_name="dunningstep",
            name="plan",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="steps", to="dunning.dunningplan"),
        ),
        migrations.CreateModel(
            name="CustomerDunning",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("min_gap_days", models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="écart minimal entre deux relances (jours)")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("company", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.company")),
                ("customer", models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="dunning", to="invoices.customer")),
                ("plan", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="customers", to="dunning.dunningplan", verbose_name="plan de relance")),
            ],
            options={
                "verbose_name": "relance du client",
                "verbose_name_plural": "relances des clients",
                "indexes": [models.Index(fields=["company", "plan"], name="customer_dunning_plan_idx")],
            },
        ),
    ]
