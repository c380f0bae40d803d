"""Grouping becomes a choice of three: per invoice, per customer and step
(the default), or one message per customer. Companies keep what they had:
per customer (and step) stays so, per invoice stays so."""

from django.db import migrations, models


def forwards(apps, schema_editor):
    Company = apps.get_model("core", "Company")
    Company.objects.filter(group_per_customer=False).update(grouping="invoice")


def backwards(apps, schema_editor):
    Company = apps.get_model("core", "Company")
    Company.objects.filter(grouping="invoice").update(group_per_customer=False)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_grouping_per_step"),
    ]

    operations = [
        migrations.AddField(
            model_name="company",
            name="grouping",
            field=models.CharField(
                choices=[
                    ("invoice", "Un courriel par facture"),
                    ("step", "Un courriel par client et par étape (recommandé)"),
                    ("customer", "Un seul courriel par client"),
                ],
                default="step",
                max_length=10,
                verbose_name="regroupement des factures",
            ),
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
        migrations.RemoveField(model_name="company", name="group_per_customer"),
    ]
