from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0014_invoice_dated_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="payment_url",
            field=models.CharField(
                blank=True, default="", max_length=500, verbose_name="lien de paiement"
            ),
        ),
    ]
