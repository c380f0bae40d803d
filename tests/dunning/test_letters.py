"""Issue 14 §4: the formal notice as a letter. A letter step makes a Letter
with its amounts frozen at its date; the letter is printed, sent by
registered post, and its receipt starts a consumer's legal interest."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from relance.core.errors import ApplicationError
from relance.dunning.letters import letters_pdf
from relance.dunning.models import DunningStep, Letter, Reminder
from relance.dunning.planning import Code, reminder_plan
from relance.dunning.services.letters import (
    letter_receipt_record,
    letter_send_record,
    tracking_number_clean,
)
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice
from relance.law.selectors import invoice_late_payment
from tests.factories import (
    LETTER_ON,
    company_with_letter_step,
    customer_of,
    late_invoice,
    make_company,
    make_steps,
    remind,
)
from tests.invoices.test_pdf import text_of

pytestmark = pytest.mark.django_db


def test_a_letter_step_makes_a_letter_with_its_amounts_frozen_and_sends_no_email(
    smtp_server,
):
    company = company_with_letter_step()
    invoice = late_invoice(customer_of(company))
    plan, delivered = remind(company, LETTER_ON)

    assert plan.messages[0].recipients == []
    assert smtp_server.received == []
    [reminder] = delivered.sent
    assert reminder.channel == Reminder.Channel.LETTER
    assert reminder.status == Reminder.Status.SENT
    letter = Letter.objects.get()
    assert letter.reminder == reminder
    assert letter.status == Letter.Status.WAITING
    assert (letter.dated_on, letter.pay_by) == (LETTER_ON, date(2025, 7, 23))
    assert letter.recipient_address == "12 avenue Foch\n42000 Saint-Étienne"
    [line] = letter.lines.all()
    # 10 000 € from 1 to 15 June, 6 000 € after: ECB 3.15 % + 10 in the
    # first half-year, 2.15 % + 10 in the second (law/test_published_examples).
    assert (line.principal, line.penalties, line.indemnity) == (
        Decimal("6000.00"),
        Decimal("116.42"),
        Decimal("40.00"),
    )
    assert line.legal_interest == Decimal("0.00")
    # The level moves up as with an email.
    invoice.refresh_from_db()
    assert (invoice.dunning_level, invoice.last_reminder_on) == (1, LETTER_ON)


def test_the_letter_holds_every_element_of_a_french_formal_notice():
    company = company_with_letter_step()
    late_invoice(customer_of(company))
    remind(company, LETTER_ON)

    text = text_of(letters_pdf([Letter.objects.get()]))

    for element in [
        "Bâtiments Durand",
        "3 rue des Lilas 69003 Lyon",
        "Garage Dupuis",
        "12 avenue Foch 42000 Saint-Étienne",
        "Lyon, le 15/07/2025",
        "Lettre recommandée avec demande d'avis de réception",
        "mise en demeure",
        "FC-1 01/05/2025 31/05/2025 6 000,00 € 116,42 € 40,00 €",
        "Principal restant dû 6 000,00 €",
        "Pénalités de retard au 15/07/2025 116,42 €",
        "Indemnités forfaitaires pour frais de recouvrement 40,00 €",
        "Total à payer 6 156,42 €",
        "dans un délai de 8 jours",
        "au plus tard le 23/07/2025",
        "L441-10",
        "D441-5",
        "injonction de payer",
        "FR76 3000 6000 0112 3456 7890 189",
        "Marie Durand, gérante",
    ]:
        assert element in text, element


def test_a_consumer_letter_has_no_penalty_nor_indemnity_and_cites_the_civil_code():
    company = company_with_letter_step()
    late_invoice(customer_of(company, kind=Customer.Kind.CONSUMER))
    remind(company, LETTER_ON)
    letter = Letter.objects.get()
    [line] = letter.lines.all()
    assert (line.penalties, line.indemnity) == (Decimal("0.00"), Decimal("0.00"))

    text = text_of(letters_pdf([letter]))

    assert "Total à payer 6 000,00 €" in text
    assert "articles 1344 et 1231-6 du Code civil" in text
    for absent in ["Pénalités", "Indemnité", "40,00", "L441-10", "D441-5"]:
        assert absent not in text, absent


def test_the_acknowledgement_of_receipt_starts_a_consumers_legal_interest():
    company = company_with_letter_step()
    invoice = late_invoice(customer_of(company, kind=Customer.Kind.CONSUMER))
    remind(company, LETTER_ON)
    letter = Letter.objects.get()

    letter_send_record(
        letter=letter,
        number="1A 123 456 7890 1",
        on=date(2025, 7, 16),
        today=LETTER_ON.replace(day=16),
    )
    letter_receipt_record(letter=letter, on=date(2025, 7, 18), today=date(2025, 7, 20))

    letter.refresh_from_db()
    assert (letter.status, letter.tracking_number) == (
        Letter.Status.RECEIVED,
        "1A12345678901",
    )
    assert (letter.sent_on, letter.received_on) == (
        date(2025, 7, 16),
        date(2025, 7, 18),
    )
    invoice.refresh_from_db()
    assert invoice.formal_notice_received_on == date(2025, 7, 18)
    outcome = invoice_late_payment(invoice, on=date(2025, 8, 17))
    # 19 July to 17 August: 30 days on 6 000 € at the legal rate for « tous
    # les autres cas » of the second half of 2025 (2,76 %, arrêté du 19 juin 2025)
    assert outcome.legal_interest == (
        Decimal("6000") * Decimal("2.76") / 100 * 30 / 365
    ).quantize(Decimal("0.01"))
    assert (outcome.penalties, outcome.indemnity) == (Decimal("0.00"),) * 2


def test_sending_and_receipt_are_checked_with_french_messages():
    company = company_with_letter_step()
    late_invoice(customer_of(company))
    remind(company, LETTER_ON)
    letter = Letter.objects.get()

    with pytest.raises(ApplicationError) as refused:
        letter_receipt_record(letter=letter, on=LETTER_ON, today=LETTER_ON)
    assert refused.value.message == (
        "Enregistrez d'abord l'envoi en recommandé de ce courrier."
    )
    with pytest.raises(ApplicationError) as refused:
        letter_send_record(letter=letter, number="12-AB", on=LETTER_ON, today=LETTER_ON)
    assert str(refused.value) == (
        "number : numéro de recommandé invalide : 8 à 20 lettres et chiffres "
        "attendus (par exemple « 1A 123 456 7890 1 »)."
    )
    with pytest.raises(ApplicationError) as refused:
        letter_send_record(
            letter=letter, number="RR123456789FR", on=date(2025, 7, 14), today=LETTER_ON
        )
    assert str(refused.value) == "date : L'envoi ne peut pas précéder le 15/07/2025."
    with pytest.raises(ApplicationError) as refused:
        letter_send_record(
            letter=letter, number="RR123456789FR", on=date(2025, 7, 16), today=LETTER_ON
        )
    assert str(refused.value) == (
        "date : la date ne peut pas être dans le futur (aujourd'hui : 15/07/2025)."
    )
    letter.refresh_from_db()
    assert letter.status == Letter.Status.WAITING


def test_a_tracking_number_is_kept_upper_case_without_spaces():
    assert tracking_number_clean("rr 123 456 789 fr") == "RR123456789FR"
    assert tracking_number_clean("1A-123-456-7890-1") == "1A12345678901"


def test_a_letter_step_needs_the_customers_postal_address_not_an_email():
    company = company_with_letter_step()
    late_invoice(
        customer_of(company, email="", address_line1="", postal_code="", city="")
    )
    invoices_refresh(company=company, today=LETTER_ON)

    plan = reminder_plan(company=company, today=LETTER_ON)

    [error] = plan.errors
    assert error.code == Code.NO_POSTAL_ADDRESS
    assert error.message == "Aucune adresse postale pour le client Garage Dupuis."


def test_an_email_and_letter_step_sends_the_email_and_makes_the_letter(smtp_server):
    company = company_with_letter_step(channel=DunningStep.Channel.BOTH)
    late_invoice(customer_of(company))

    _plan, delivered = remind(company, LETTER_ON)

    [reminder] = delivered.sent
    assert reminder.channel == Reminder.Channel.EMAIL
    assert len(smtp_server.received) == 1
    assert Letter.objects.get().reminder == reminder
    assert Invoice.objects.get().dunning_level == 1


def test_existing_steps_go_by_email():
    company = make_company()
    [step] = make_steps(company, [("Relance 1", "after_due_date", 3)])
    assert step.channel == DunningStep.Channel.EMAIL


def test_the_daily_digest_counts_the_letters_waiting(smtp_server):
    from relance.core.clock import utc_now
    from relance.dunning.models import DailyRun
    from relance.dunning.services.digest import digest_send

    company = company_with_letter_step(reply_to_email="compta@durand.example")
    late_invoice(customer_of(company))
    remind(company, LETTER_ON)
    now = utc_now()
    run = DailyRun.objects.create(company=company, date=LETTER_ON, started_at=now)

    assert digest_send(company=company, run=run, now=now)

    [digest] = smtp_server.received
    assert digest.message["Subject"] == "Relance : 1 courrier(s) à envoyer"
    text = digest.message.get_body(("plain",)).get_content()
    assert (
        "1 mise en demeure attend d'être envoyée par courrier recommandé : "
        "http://localhost:8000/courriers/"
    ) in text


def test_the_court_file_holds_each_letter_with_its_proof():
    import zipfile
    from io import BytesIO

    from relance.dunning.court_file import court_file, court_file_write

    company = company_with_letter_step()
    customer = customer_of(company)
    late_invoice(customer)
    remind(company, LETTER_ON)
    letter = Letter.objects.get()
    letter_send_record(
        letter=letter,
        number="1A12345678901",
        on=date(2025, 7, 16),
        today=date(2025, 7, 16),
    )
    letter_receipt_record(letter=letter, on=date(2025, 7, 18), today=date(2025, 7, 18))

    file = court_file(customer=customer, on=date(2025, 8, 1))
    out = BytesIO()
    court_file_write(file, out)

    archive = zipfile.ZipFile(out)
    path = f"04 Mises en demeure/2025-07-15 Mise en demeure {letter.pk}.pdf"
    assert path in archive.namelist()
    assert "Total à payer 6 156,42 €" in text_of(archive.read(path))
    proof = (
        "Mise en demeure du 15/07/2025, envoyée en recommandé n° 1A12345678901 "
        "le 16/07/2025, avis de réception du 18/07/2025"
    )
    summary = text_of(archive.read("00 Synthèse.pdf"))
    assert f"Mises en demeure par courrier : {proof}." in summary
    assert f"{proof} — {path}" in summary


def test_an_uncertain_email_and_letter_confirmed_by_hand_gets_its_letter(
    smtp_server,
):
    from relance.dunning.services.reminder_actions import reminder_confirm_sent

    company = company_with_letter_step(channel=DunningStep.Channel.BOTH)
    late_invoice(customer_of(company))
    smtp_server.handler.answers = ["silence"]
    _plan, delivered = remind(company, LETTER_ON)
    [reminder] = delivered.uncertain
    assert not Letter.objects.exists()

    reminder_confirm_sent(reminder=reminder, now=datetime(2025, 7, 16, 9, tzinfo=UTC))

    letter = Letter.objects.get()
    assert (letter.reminder, letter.dated_on) == (reminder, date(2025, 7, 16))
    [line] = letter.lines.all()
    assert (line.principal, line.indemnity) == (Decimal("6000.00"), Decimal("40.00"))
