from django.db import migrations


def line_endings_as_sent(apps, schema_editor):
    """Steps saved from a browser kept its \r\n, which doubled the blank lines
    of the messages: stored as \n, as every way in now stores them."""
    DunningStep = apps.get_model("dunning", "DunningStep")
    for step in DunningStep.objects.filter(body__contains="\r") | (
        DunningStep.objects.filter(subject__contains="\r")
    ):
        step.body = step.body.replace("\r\n", "\n").replace("\r", "\n")
        step.subject = step.subject.replace("\r\n", "\n").replace("\r", "\n")
        step.save(update_fields=["body", "subject"])


class Migration(migrations.Migration):
    dependencies = [("dunning", "0005_import_runs")]

    operations = [
        migrations.RunPython(line_endings_as_sent, migrations.RunPython.noop, elidable=True)
    ]
