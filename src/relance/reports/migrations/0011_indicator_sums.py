"""The indicators' sums by day (ADR 13, amended in the fifteenth round):
a past day's figures read from them. New tables only: the roll builds
them (until then such a day is computed live, as before)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0010_aged_changes'),
    ]

    operations = [
        migrations.CreateModel(
            name='DaySum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company_id', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('day', models.DateField()),
                ('overdue', models.DecimalField(decimal_places=2, max_digits=16)),
                ('owed', models.DecimalField(decimal_places=2, max_digits=16)),
                ('sales', models.DecimalField(decimal_places=2, max_digits=16)),
            ],
            options={
                'indexes': [models.Index(fields=['company_id', 'currency', 'day'], name='day_sum_day_idx')],
            },
        ),
        migrations.CreateModel(
            name='IndicatorSumSpan',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company_id', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('first', models.DateField()),
                ('until', models.DateField()),
                ('built_at', models.DateTimeField()),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('company_id', 'currency'), name='indicator_sum_span_unique')],
            },
        ),
        migrations.CreateModel(
            name='PaySum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company_id', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('day', models.DateField()),
                ('customer_id', models.BigIntegerField()),
                ('invoices', models.IntegerField()),
                ('from_issue', models.BigIntegerField()),
                ('from_due', models.BigIntegerField()),
            ],
            options={
                'indexes': [models.Index(fields=['company_id', 'currency', 'day'], name='pay_sum_day_idx')],
            },
        ),
        migrations.CreateModel(
            name='StepSum',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('company_id', models.BigIntegerField()),
                ('currency', models.CharField(max_length=3)),
                ('day', models.DateField()),
                ('level', models.IntegerField()),
                ('sent', models.IntegerField()),
                ('paid', models.IntegerField()),
                ('amount_sent', models.DecimalField(decimal_places=2, max_digits=16)),
                ('amount_paid', models.DecimalField(decimal_places=2, max_digits=16)),
            ],
            options={
                'indexes': [models.Index(fields=['company_id', 'currency', 'day'], name='step_sum_day_idx')],
            },
        ),
    ]
