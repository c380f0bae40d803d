"""`relance letters`: the letters waiting (text or JSON), their PDF, and
recording sending and receipt from the command line."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from relance.core.clock import company_today
from relance.dunning.models import Letter
from tests.factories import company_with_letter_waiting
from tests.invoices.test_pdf import text_of

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def company():
    return company_with_letter_waiting()


def test_the_letters_waiting_are_listed_with_what_they_claim(company):
    letter = Letter.objects.get()
    assert run("letters").splitlines() == [
        f"{letter.pk:>6}  15/07/2025  À envoyer                      Garage Dupuis  "
        "FC-1  6\xa0156,42\xa0€"
    ]
    [data] = json.loads(run("letters", "--json"))
    assert (data["id"], data["total"], data["status"]) == (
        letter.pk,
        "6156.42",
        "waiting",
    )
    assert run("letters", "--status", "sent") == "Aucun courrier.\n"


def test_sending_and_receipt_are_recorded_from_the_command_line(company):
    letter = Letter.objects.get()
    today = company_today(company)
    day = today.strftime("%d/%m/%Y")

    assert run("letters", "sent", str(letter.pk), "1A 123 456 7890 1") == (
        f"Courrier {letter.pk} (Garage Dupuis) : envoyé en recommandé "
        f"n° 1A12345678901 le {day}.\n"
    )
    assert run("letters", "received", str(letter.pk), "--date", today.isoformat()) == (
        f"Courrier {letter.pk} (Garage Dupuis) : avis de réception du {day}.\n"
    )
    letter.refresh_from_db()
    assert letter.status == Letter.Status.RECEIVED


def test_a_refusal_is_a_plain_french_message(company):
    letter = Letter.objects.get()
    with pytest.raises(CommandError) as refused:
        run("letters", "sent", str(letter.pk), "12")
    assert str(refused.value).startswith("number : numéro de recommandé invalide")
    with pytest.raises(CommandError) as refused:
        run("letters", "sent", "999999", "RR123456789FR")
    assert str(refused.value) == "Courrier 999999 introuvable."


def test_the_pdf_is_written_to_print(company, tmp_path):
    letter = Letter.objects.get()
    path = tmp_path / "courriers.pdf"
    assert run("letters", "pdf", str(letter.pk), "--output", str(path)) == (
        f"{path} : 1 courrier(s).\n"
    )
    assert "Objet : mise en demeure de payer" in text_of(path.read_bytes())
