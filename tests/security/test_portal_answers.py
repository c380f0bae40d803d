"""Issue 17 §3 and §5: the customer's answers can only touch their own open
invoices; forms need their CSRF token; a proof of payment is type-checked by
its bytes (a lying extension is refused) and reaches only the company's
signed-in users, never the portal, another company or a static URL."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from relance.dunning.models import PortalAnswer
from relance.dunning.services.portal_links import portal_links_revoke
from relance.invoices.models import Invoice
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_portal_link,
    make_user,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
PAID = {"paid_on": "2026-03-01", "amount": "100"}


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world():
    a, b = make_company(name="A"), make_company(name="B")
    victim, neighbour, stranger = make_customer(a), make_customer(a), make_customer(b)
    return {
        "a": a,
        "b": b,
        "victim": victim,
        "invoice": make_invoice(victim, due_date=date(2026, 1, 31)),
        "tokens": {
            c.pk: make_portal_link(c, now=NOW) for c in (victim, neighbour, stranger)
        },
        "neighbour": neighbour,
        "stranger": stranger,
    }


def answer(token, kind, data, client=None):
    return (client or Client()).post(f"/p/{token}/reponse/{kind}/", data)


ANSWERS = [
    ("paye", PAID),
    ("promesse", {"promised_on": "2026-03-10"}),
    ("contestation", {"reason": "wrong_amount"}),
]


def test_another_customers_or_companys_token_cannot_answer_for_the_invoice(world):
    invoice = world["invoice"]
    for other in ("neighbour", "stranger"):
        token = world["tokens"][world[other].pk]
        for kind, data in ANSWERS:
            response = answer(token, kind, {"invoices": [invoice.pk], **data})
            assert response.status_code == 400
            assert "Facture introuvable ou déjà réglée." in response.content.decode()
            assert str(invoice.number) not in response.content.decode()
    assert not PortalAnswer.objects.exists()
    assert Invoice.objects.get(pk=invoice.pk).paused_until is None


def test_a_tampered_expired_or_revoked_token_answers_nothing(world):
    victim, invoice = world["victim"], world["invoice"]
    token = world["tokens"][victim.pk]
    bad = token[:-1] + ("A" if token[-1] != "A" else "B")
    for kind, data in ANSWERS:
        response = answer(bad, kind, {"invoices": [invoice.pk], **data})
        assert (response.status_code, response.content) == (404, b"404\n")
    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        response = answer(token, "paye", {"invoices": [invoice.pk], **PAID})
        assert (response.status_code, response.content) == (404, b"404\n")
    portal_links_revoke(company=victim.company, customer=victim, now=NOW)
    response = answer(token, "paye", {"invoices": [invoice.pk], **PAID})
    assert (response.status_code, response.content) == (404, b"404\n")
    assert not PortalAnswer.objects.exists()


def test_every_answer_form_needs_its_csrf_token(world):
    token = world["tokens"][world["victim"].pk]
    client = Client(enforce_csrf_checks=True)
    for kind, data in ANSWERS:
        response = answer(
            token, kind, {"invoices": [world["invoice"].pk], **data}, client
        )
        assert response.status_code == 403
    assert not PortalAnswer.objects.exists()
    # With the token of the form, it goes.
    form = client.get(f"/p/{token}/reponse/promesse/")
    csrf = form.cookies["csrftoken"].value
    response = client.post(
        f"/p/{token}/reponse/promesse/",
        {
            "invoices": [world["invoice"].pk],
            "promised_on": "2026-03-10",
            "csrfmiddlewaretoken": csrf,
        },
    )
    assert response.status_code == 200
    assert PortalAnswer.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("preuve.pdf", PNG, "le nom du fichier ne correspond pas à son contenu"),
        ("preuve.png", PDF, "le nom du fichier ne correspond pas à son contenu"),
        ("preuve.jpg", PNG, "le nom du fichier ne correspond pas à son contenu"),
        ("preuve.png", b"<html><script>alert(1)</script>", "PNG ou JPEG seulement"),
        ("preuve.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "seulement"),
        ("preuve.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "seulement"),
        ("preuve", PDF, "le nom du fichier ne correspond pas à son contenu"),
        ("preuve.pdf", b"", "Le justificatif est vide."),
        ("preuve.pdf", PDF + b"0" * (5 * 1024 * 1024), "5 Mo au plus"),
    ],
)
def test_a_proof_whose_bytes_are_not_what_its_name_says_is_refused(
    world, name, content, message
):
    token = world["tokens"][world["victim"].pk]
    response = answer(
        token,
        "paye",
        {
            "invoices": [world["invoice"].pk],
            **PAID,
            "proof": SimpleUploadedFile(name, content, content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not PortalAnswer.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("a.PDF", PDF, "pdf"), ("b.png", PNG, "png"), ("c.jpeg", JPEG, "jpeg")],
)
def test_pdf_png_and_jpeg_proofs_are_kept_under_a_random_name(
    world, name, content, kind
):
    token = world["tokens"][world["victim"].pk]
    response = answer(
        token,
        "paye",
        {
            "invoices": [world["invoice"].pk],
            **PAID,
            "proof": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 200
    proof = PortalAnswer.objects.get()
    assert proof.proof_type == kind
    assert proof.proof.name.startswith(f"company-{world['a'].pk}/proofs/")
    extension = {"pdf": "pdf", "png": "png", "jpeg": "jpg"}[kind]
    assert re.fullmatch(
        rf"company-{world['a'].pk}/proofs/[0-9a-f]{{32}}\.{extension}", proof.proof.name
    )


def test_a_proof_reaches_only_the_signed_in_users_of_its_company(world, settings):
    token = world["tokens"][world["victim"].pk]
    answer(
        token,
        "paye",
        {
            "invoices": [world["invoice"].pk],
            **PAID,
            "proof": SimpleUploadedFile("p.pdf", PDF),
        },
    )
    row = PortalAnswer.objects.get()
    url = f"/reponses-clients/{row.pk}/justificatif/"
    # Nobody signed in: the sign-in page.
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/connexion/" in anonymous["Location"]
    # Another company's user: not found; it cannot mark it checked either.
    other = Client()
    other.force_login(make_user(world["b"]))
    assert other.get(url).status_code == 404
    assert other.post(f"/reponses-clients/{row.pk}/verifiee/").status_code == 404
    assert "p.pdf" not in other.get("/reponses-clients/").content.decode()
    row.refresh_from_db()
    assert row.checked_at is None
    # Not through the media URL, nor through any portal URL.
    assert Client().get(f"{settings.MEDIA_URL}{row.proof.name}").status_code == 404
    assert Client().get(f"/p/{token}/{row.proof.name}").status_code == 404
    # The company's own user: a download, never shown inline, sandboxed.
    own = Client()
    own.force_login(make_user(world["a"]))
    response = own.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_answer_list_shows_only_the_companys_own_answers(world):
    for key in ("victim", "stranger"):
        customer = world[key]
        invoice = (
            world["invoice"]
            if key == "victim"
            else make_invoice(customer, due_date=date(2026, 1, 31))
        )
        answer(
            world["tokens"][customer.pk],
            "promesse",
            {"invoices": [invoice.pk], "promised_on": "2026-03-10"},
        )
    client = Client()
    client.force_login(make_user(world["a"]))
    html = client.get("/reponses-clients/").content.decode()
    assert world["victim"].name in html
    assert world["stranger"].name not in html
