"""Accounts in the web interface: one's own password, the invitation's link."""

from html import unescape

import pytest
from django.test import Client

from relance.core.clock import utc_now
from relance.core.invitations import invitation_create
from relance.core.models import Invitation, Membership
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


@pytest.fixture
def admin(company):
    user = make_user(company, email="marie@durand.example", password="ancien-secret")
    Membership.objects.filter(user=user).update(role="admin")
    return user


def text(response) -> str:
    return unescape(response.content.decode())


def test_anyone_signed_in_changes_their_password_from_their_profile(admin):
    client = Client()
    client.force_login(admin)
    other_session = Client()
    other_session.force_login(admin)
    assert 'href="/profil/mot-de-passe/"' in text(client.get("/profil/"))
    wrong = client.post(
        "/profil/mot-de-passe/",
        {
            "old_password": "pas-le-bon",
            "new_password1": "nouveau-secret",
            "new_password2": "nouveau-secret",
        },
    )
    assert "Votre ancien mot de passe est incorrect." in text(wrong)
    done = client.post(
        "/profil/mot-de-passe/",
        {
            "old_password": "ancien-secret",
            "new_password1": "nouveau-secret",
            "new_password2": "nouveau-secret",
        },
        follow=True,
    )
    assert done.redirect_chain == [("/profil/", 302)]
    assert 'data-toast="Mot de passe changé."' in text(done)
    admin.refresh_from_db()
    assert admin.check_password("nouveau-secret")
    assert client.get("/").status_code == 200  # this session goes on
    assert other_session.get("/").status_code == 302  # the others end


def test_signed_in_with_another_account_one_signs_out_and_comes_back_to_the_link(
    company, admin
):
    _invitation, raw = invitation_create(
        company=company,
        email="lea@inconnue.example",
        role="member",
        invited_by=admin,
        now=utc_now(),
    )
    link = f"/invitation/{raw}/"
    client = Client()
    client.force_login(admin)
    page = client.get(link)
    assert page.status_code == 403
    assert f'<input type="hidden" name="next" value="{link}">' in text(page)
    out = client.post("/deconnexion/", {"next": link})
    assert out["Location"] == link
    assert "Choisissez votre nom et un mot de passe" in text(client.get(link))


def test_the_invitation_page_gives_its_address_to_no_other_site(company):
    _invitation, raw = invitation_create(
        company=company,
        email="lea@inconnue.example",
        role="member",
        invited_by=None,
        now=utc_now(),
    )
    page = Client().get(f"/invitation/{raw}/")
    assert page["Referrer-Policy"] == "no-referrer"
    assert "Un administrateur" not in text(page)
    assert "<script" not in text(page)


def test_an_invitation_the_mail_server_refuses_is_cancelled_and_the_refusal_shown(
    company, admin, smtp_server
):
    smtp_server.handler.refuse_recipients["lea@inconnue.example"] = (
        "550 5.1.1 Boite inconnue"
    )
    client = Client()
    client.force_login(admin)
    page = client.post(
        "/configuration/utilisateurs/",
        {"email": "lea@inconnue.example", "role": "member"},
    )
    assert page.status_code == 200
    assert (
        "Le serveur d'envoi n'a pas pris l'invitation (550 5.1.1 Boite inconnue) : "
        "son lien est annulé. Réessayez plus tard." in text(page)
    )
    assert Invitation.objects.get().cancelled_at is not None
    assert "Aucune invitation en attente." in text(page)
