from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dunning", "0013_call_and_task_steps"),
    ]

    operations = [
        migrations.AddField(
            model_name="importrun",
            name="rows_total",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="lignes"
            ),
        ),
        migrations.AddField(
            model_name="importrun",
            name="rows_done",
            field=models.PositiveIntegerField(default=0, verbose_name="lignes traitées"),
        ),
    ]
