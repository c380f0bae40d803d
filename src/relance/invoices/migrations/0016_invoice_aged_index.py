from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0015_invoice_payment_url"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("amount_due__gt", 0)),
                fields=[
                    "company",
                    "customer",
                    "due_date",
                    "issue_date",
                    "amount_due",
                    "status",
                    "currency",
                ],
                name="invoice_aged_idx",
            ),
        ),
    ]
