"""Issue 13 §2: a template that passes the check but crashes when rendered
fails its own message, recorded with a clear reason; every other message,
of the same company or another, still leaves, and the next pass runs."""

from datetime import UTC, date, datetime

import pytest
from django.core.files.base import ContentFile

from relance.dunning.models import DunningStep, Reminder
from relance.dunning.planning import reminder_plan
from relance.dunning.selectors import problem_reminders
from relance.dunning.services.delivery import reminders_deliver_due
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice
from tests.factories import make_company, make_customer, make_invoice, make_steps

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
RECURSIVE = '{% for c in "ab" recursive %}{{ loop(c) }}{% endfor %}'


def pending(company, customers=1):
    for n in range(customers):
        make_invoice(make_customer(company, email=f"c{n}@{company.pk}.example"))
    invoices_refresh(company=company, today=TODAY)
    return reminders_create(plan=reminder_plan(company=company, today=TODAY))


def test_a_recursive_template_fails_its_company_message_and_no_other(smtp_server):
    hostile, other = make_company(name="Hostile"), make_company(name="Autre")
    make_steps(hostile)
    make_steps(other)
    pending(hostile)
    pending(other, customers=3)
    # Saved before the check knew better: only rendering finds it.
    DunningStep.objects.filter(company=hostile).update(body=RECURSIVE)

    delivered = reminders_deliver_due(now=NOW)

    assert len(smtp_server.received) == 3
    assert {r.company_id for r in delivered.sent} == {other.pk}
    [failed] = delivered.failed
    assert failed.company_id == hostile.pk
    failed.refresh_from_db()
    assert failed.status == Reminder.Status.FAILED
    assert failed.error.startswith("Modèle de l'étape « Relance 1 » : ")
    # The invoice is still to remind, and the company is told.
    invoice = Invoice.objects.get(company=hostile)
    assert (invoice.to_remind, invoice.dunning_level) == (True, 0)
    assert list(problem_reminders(company=hostile)) == [failed]
    # The next pass runs, and does not try the failed one again.
    again = reminders_deliver_due(now=NOW)
    assert (again.sent, again.failed) == ([], [])


def test_a_message_that_cannot_be_written_fails_alone(smtp_server, settings):
    """Any error while writing one message (here its invoice's PDF is gone
    from the disk) fails that message with a French reason."""
    company = make_company()
    make_steps(company, attach_pdf=True)
    created = pending(company, customers=2)
    broken = Invoice.objects.order_by("pk").first()
    broken.pdf.save("f.pdf", ContentFile(b"%PDF-1.4"), save=True)
    broken.pdf.storage.delete(broken.pdf.name)

    delivered = reminders_deliver_due(now=NOW)

    assert len(delivered.sent) == 1 and len(smtp_server.received) == 1
    [failed] = delivered.failed
    assert failed.pk in {r.pk for r in created.reminders}
    assert failed.error == (
        "Le message de l'étape « Relance 1 » n'a pas pu être écrit (erreur interne, "
        "notée dans le journal du serveur). La facture reste à relancer : vérifiez "
        "le modèle et les pièces jointes, puis relancez."
    )
