"""« Mot de passe oublié » : a link by email, through the company's mail
settings; the same answer for any address (issue 12 §5)."""

import re

import pytest
from django.test import Client

from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db
NEW = "un-nouveau-secret-2026"
SENT = "Si un compte existe pour cette adresse, un lien pour choisir un nouveau"


def test_a_forgotten_password_is_replaced_through_a_link_sent_by_email(smtp_server):
    company = make_company(name="Durand", sender_email="relances@durand.example")
    make_user(company, email="marie@durand.example", password="ancien-mot-de-passe")
    client = Client()
    assert "Mot de passe oublié ?" in client.get("/connexion/").content.decode()
    answer = client.post(
        "/mot-de-passe-oublie/", {"email": "MARIE@durand.example"}, follow=True
    )
    assert SENT in answer.content.decode()
    [mail] = smtp_server.received
    assert mail.recipients == ["marie@durand.example"]
    assert mail.message["From"] == "Durand <relances@durand.example>"
    assert mail.message["Subject"] == "Relance : choisir un nouveau mot de passe"
    text = mail.message.get_body(("plain",)).get_content()
    link = re.search(r"http://localhost:8000(/reinitialiser/\S+/)", text).group(1)
    form = client.get(link, follow=True)
    assert "Nouveau mot de passe" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link,
        {
            "new_password1": "un-nouveau-secret-2026",
            "new_password2": "un-nouveau-secret-2026",
        },
        follow=True,
    )
    assert 'data-testid="reset-complete"' in done.content.decode()
    signed = Client().post(
        "/connexion/",
        {"username": "marie@durand.example", "password": NEW},
    )
    assert signed.status_code == 302
    # The link served once.
    again = client.get(link, follow=True)
    assert 'data-testid="reset-invalid"' in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(smtp_server):
    answer = Client().post(
        "/mot-de-passe-oublie/", {"email": "personne@nulle-part.example"}, follow=True
    )
    assert SENT in answer.content.decode()
    assert smtp_server.received == []
