"""`relance remind --json` written as it is made (issue 16 §3, ADR 24):
the same document as when it was built whole in memory."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from relance.invoices.models import Invoice
from tests.dunning.test_plan_rows import varied_selection
from tests.factories import make_company, make_steps

pytestmark = pytest.mark.django_db


def remind_json(*args) -> str:
    out = StringIO()
    call_command("remind", *args, "--dry-run", "--json", stdout=out)
    return out.getvalue()


def test_the_streamed_json_is_the_document_the_whole_one_was():
    company, selection = varied_selection()
    numbers = list(
        Invoice.objects.filter(pk__in=selection[:-2])
        .order_by("pk")
        .values_list("number", flat=True)
    )
    options = [f"--invoice={number}" for number in [*numbers, "NOPE"]]
    text = remind_json(*options, "--date=2026-03-01", f"--company={company.pk}")
    assert json.loads(text) == EXPECTED
    # The very text `json.dumps(…, indent=2)` wrote, and its last newline.
    assert text == json.dumps(EXPECTED, ensure_ascii=False, indent=2) + "\n"


EXPECTED = {
    "to_send": 3,
    "messages": [
        {
            "customer": "Élan Durand",
            "to": ["d@ex.fr"],
            "step": "Relance 1",
            "invoices": ["B2"],
            "invoice_steps": ["Relance 1"],
            "language": "fr",
            "language_note": "",
        },
        {
            "customer": "Herbly",
            "to": ["compta@herbly.example"],
            "step": "Relance 1",
            "invoices": ["A9", "A1"],
            "invoice_steps": ["Relance 1", "Relance 1"],
            "language": "fr",
            "language_note": "",
        },
        {
            "customer": "Herbly",
            "to": ["compta@herbly.example"],
            "step": "Relance 2",
            "invoices": ["A2"],
            "invoice_steps": ["Relance 2"],
            "language": "fr",
            "language_note": "",
        },
    ],
    "errors": [
        {"invoice": "NOPE", "code": "not_found", "message": "Facture introuvable."},
        {"invoice": "A4", "code": "not_open", "message": "Facture déjà payée."},
        {
            "invoice": "A5",
            "code": "nothing_due",
            "message": "Rien à payer : le reste dû est nul.",
        },
        {
            "invoice": "A6",
            "code": "einvoice_blocked",
            "message": "Statut de facturation électronique « Refusée » : pas "
            "de relance.",
        },
        {
            "invoice": "A8",
            "code": "paused",
            "message": "En litige jusqu'au 01/05/2026 : contesté.",
        },
        {
            "invoice": "E1",
            "code": "customer_paused",
            "message": "Client en pause jusqu'au 01/04/2026 : accord.",
        },
        {
            "invoice": "A3",
            "code": "not_due_yet",
            "message": "Pas encore à relancer : « Relance 1 » prévue le 23/03/2026.",
        },
        {
            "invoice": "G1",
            "code": "not_due_yet",
            "message": "Pas encore à relancer : « Relance 1 » prévue le 02/03/2026.",
        },
        {
            "invoice": "C1",
            "code": "no_email",
            "message": "Aucune adresse e-mail pour le client Sans Courriel.",
        },
        {
            "invoice": "D1",
            "code": "invalid_email",
            "message": "Adresse e-mail invalide pour le client Faux : « pas "
            "une adresse ».",
        },
        {
            "invoice": "F1",
            "code": "refused_email",
            "message": "Adresse « r@ex.fr » refusée par le serveur du client "
            "Refusé (550 inconnu) : à corriger.",
        },
        {
            "invoice": "B1",
            "code": "time_barred",
            "message": "Prescrite depuis le 02/01/2026 (2 ans contre un "
            "particulier, article L218-2 du Code de la "
            "consommation).",
        },
        {
            "invoice": "A7",
            "code": "payment_suggested",
            "message": "Paiement probable reçu le 20/02/2026 : à confirmer "
            "avant toute relance.",
        },
    ],
    "warnings": [
        {
            "invoice": "B2",
            "code": "barred_soon",
            "message": "Prescrite après le 01/05/2026 (2 ans contre un "
            "particulier, article L218-2 du Code de la "
            "consommation) : au-delà, elle ne pourra plus être "
            "réclamée en justice.",
        },
        {
            "invoice": "AV1",
            "code": "unallocated_credit",
            "message": "Avoir non imputé de 200,00\xa0€ pour Herbly : "
            "imputez-le sur ses factures avant de le relancer.",
        },
    ],
    "sent": 0,
    "failed": 0,
    "leaves_at": None,
    "scheduled": 0,
}


def test_nothing_to_remind_writes_empty_lists():
    company = make_company()
    make_steps(company)
    text = remind_json("--all-due", "--date=2026-03-01", f"--company={company.pk}")
    expected = {
        "to_send": 0,
        "messages": [],
        "errors": [],
        "warnings": [],
        "sent": 0,
        "failed": 0,
        "leaves_at": None,
        "scheduled": 0,
    }
    assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
