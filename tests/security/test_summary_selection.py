"""The summary window's selection field (web/selection.py) is user input:
it names no more than the hidden inputs did."""

import base64
import zlib

import pytest
from django.test import Client

from relance.dunning.models import Reminder
from relance.web.selection import PREFIX, selection_decode, selection_encode
from tests.factories import (
    make_company,
    make_customer,
    make_due_invoices,
    make_invoice,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db


def test_a_selection_naming_another_companys_invoice_plans_and_sends_nothing_of_it():
    ours, theirs = make_company(name="Nous"), make_company(name="Eux")
    make_steps(ours)
    make_steps(theirs)
    [mine] = make_due_invoices(ours, 1)
    secret = make_invoice(
        make_customer(theirs, name="Client secret", email="s@secret.example"),
        number="SECRET-1",
    )
    client = Client()
    client.force_login(make_user(ours))
    selection = selection_encode([mine.pk, secret.pk])
    html = client.post("/relances/resume/", {"selection": selection}).content.decode()
    assert 'data-testid="to-send">1<' in html
    assert f"{secret.pk} — Facture introuvable." in html
    assert "SECRET-1" not in html and "Client secret" not in html
    client.post("/relances/envoyer/", {"selection": selection})
    assert list(Reminder.objects.values_list("lines__invoice", flat=True)) == [mine.pk]


def test_a_selection_that_inflates_beyond_16_mb_is_refused_without_reading_it():
    bomb = zlib.compress(b"1," * 10_000_000, 9)  # 20 MB of text in 20 KB
    text = PREFIX + base64.urlsafe_b64encode(bomb).decode()
    assert len(text) < 100_000
    assert selection_decode(text) is None
