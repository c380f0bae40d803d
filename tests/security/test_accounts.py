"""Issue 13 §14: a company administrator could attach any existing account
by its email, without its owner's consent, and the form told whether an
address had an account; the administrator made by `relance init` was a
superuser whose /admin/ showed every company.

Now an administrator invites an address; only its owner accepts, with the
link sent to it; the answer never depends on an account existing; and the
company's administrator is not an operator."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from relance.core.invitations import invitation_create
from relance.core.models import Invitation, Membership, User
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BASE = "https://relance.durand.example"
LINK = re.compile(re.escape(BASE) + r"/invitation/([A-Za-z0-9_-]{43})/")
EXPIRED = (
    "Cette invitation a expiré. Demandez à un administrateur de "
    "Bâtiments Durand de vous inviter à nouveau."
)
USED = "Cette invitation a déjà été acceptée : elle ne sert qu'une fois."
CANCELLED = (
    "Cette invitation a été annulée. Demandez à un administrateur de "
    "Bâtiments Durand de vous inviter à nouveau."
)


@pytest.fixture(autouse=True)
def _frozen(settings):
    settings.RELANCE_BASE_URL = BASE
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


@pytest.fixture
def admin(company):
    user = make_user(company, email="marie@durand.example", full_name="Marie Durand")
    Membership.objects.filter(user=user).update(role="admin")
    return user


@pytest.fixture
def signed_in(admin):
    client = Client()
    client.force_login(admin)
    return client


@pytest.fixture
def paul():
    """An account of another company."""
    return make_user(
        make_company(name="Menuiserie Riou"),
        email="paul@riou.example",
        password="secret-de-paul",
    )


def invite(client, email, role="member"):
    response = client.post(
        "/configuration/utilisateurs/", {"email": email, "role": role}, follow=True
    )
    assert response.status_code == 200
    return response


def link_sent(smtp_server, to: str) -> str:
    [received] = [r for r in smtp_server.received if r.recipients == [to]]
    text = received.message.get_body(preferencelist=("plain",)).get_content()
    return LINK.search(text).group(0).removeprefix(BASE)


def html(response) -> str:
    """The page's text, entities read (« l'invitation », not « l'… »)."""
    return unescape(response.content.decode())


def same_page(response, email: str) -> str:
    """A page with the address replaced, and what changes on each request
    (CSRF tokens, the invitation's id) left out."""
    page = html(response).replace(email, "ADDRESS")
    page = re.sub(r"[A-Za-z0-9]{64}", "CSRF", page)
    return re.sub(r'name="cancel" value="\d+"', 'name="cancel"', page)


def test_inviting_answers_the_same_for_an_address_with_an_account_and_one_without(
    signed_in, company, paul, smtp_server
):
    with_account = invite(signed_in, "paul@riou.example")
    assert 'data-toast="Invitation envoyée à paul@riou.example."' in html(with_account)
    invitation = Invitation.objects.get()
    signed_in.post(
        "/configuration/utilisateurs/", {"cancel": invitation.pk}, follow=True
    )
    without = invite(signed_in, "lea@inconnue.example")

    assert same_page(with_account, "paul@riou.example") == same_page(
        without, "lea@inconnue.example"
    )
    assert (
        with_account.redirect_chain
        == without.redirect_chain
        == [("/configuration/utilisateurs/", 302)]
    )
    # Nobody has access until they accept.
    assert list(
        Membership.objects.filter(company=company).values_list("user__email", flat=True)
    ) == ["marie@durand.example"]
    assert Membership.objects.filter(user=paul).count() == 1
    assert not User.objects.filter(email="lea@inconnue.example").exists()
    assert [r.recipients for r in smtp_server.received] == [
        ["paul@riou.example"],
        ["lea@inconnue.example"],
    ]


def test_the_invitation_email_goes_from_the_company_to_the_address_with_its_link(
    signed_in, company, smtp_server
):
    invite(signed_in, "Lea@Inconnue.example", role="admin")

    [received] = smtp_server.received
    assert received.sender == "relances@durand.example"
    assert received.recipients == ["lea@inconnue.example"]
    message = received.message
    assert message["From"] == "Bâtiments Durand <relances@durand.example>"
    assert message["To"] == "lea@inconnue.example"
    assert message["Reply-To"] == "compta@durand.example"
    assert message["Subject"] == "Invitation à rejoindre Bâtiments Durand sur Relance"
    text = message.get_body(preferencelist=("plain",)).get_content()
    token = LINK.search(text).group(1)
    assert text == (
        "Bonjour,\n"
        "\n"
        "Marie Durand vous invite à rejoindre Bâtiments Durand sur Relance, "
        "en tant que administrateur.\n"
        "\n"
        "Pour accepter, ouvrez ce lien :\n"
        f"{BASE}/invitation/{token}/\n"
        "\n"
        "Il ne sert qu'une fois, jusqu'au 09/03/2026 10:00.\n"
        "Si vous ne vous attendiez pas à cette invitation, ignorez ce message : "
        "rien ne change sans votre accord.\n"
        "\n"
        "Relance\n"
    )
    # Only a digest of the token is kept.
    invitation = Invitation.objects.get()
    assert token not in invitation.digest
    assert (invitation.email, invitation.role) == ("lea@inconnue.example", "admin")
    assert invitation.expires_at == NOW + timedelta(days=7)


def test_an_account_of_another_company_is_attached_only_when_its_owner_accepts(
    signed_in, company, paul, smtp_server
):
    invite(signed_in, "paul@riou.example")
    link = link_sent(smtp_server, "paul@riou.example")
    visitor = Client()

    page = visitor.get(link)
    assert page.status_code == 200
    assert (
        "<strong>Bâtiments Durand</strong> vous invite sur Relance, en tant que membre."
        in html(page)
    )
    assert (
        "Un compte existe déjà pour cette adresse : connectez-vous pour accepter "
        "l'invitation." in html(page)
    )
    assert f'href="/connexion/?next={link}"' in html(page)
    assert not Membership.objects.filter(user=paul, company=company).exists()

    signed = visitor.post(
        "/connexion/",
        {"username": "paul@riou.example", "password": "secret-de-paul", "next": link},
    )
    assert signed["Location"] == link
    page = visitor.get(link)
    assert "Accepter l'invitation" in html(page)
    assert not Membership.objects.filter(user=paul, company=company).exists()

    accepted = visitor.post(link)
    assert (accepted.status_code, accepted["Location"]) == (302, "/")
    membership = Membership.objects.get(user=paul, company=company)
    assert membership.role == "member"
    dashboard = html(visitor.get("/"))
    assert "Bienvenue : vous avez maintenant accès à Bâtiments Durand." in dashboard
    selected = f'<option value="{company.pk}" selected>Bâtiments Durand</option>'
    assert selected in dashboard


def test_someone_without_an_account_chooses_a_name_and_password_then_is_in(
    signed_in, company, smtp_server
):
    invite(signed_in, "lea@inconnue.example")
    link = link_sent(smtp_server, "lea@inconnue.example")
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(link)
    assert (
        "Choisissez votre nom et un mot de passe : votre compte sera créé avec "
        "cette adresse." in html(page)
    )
    assert 'value="lea@inconnue.example" autocomplete="username" readonly' in html(page)
    form = {"full_name": "Léa Martin", "password": "un-secret-solide"}

    # Accepting is a form like any other: no CSRF token, no account.
    assert visitor.post(link, {**form, "password_again": "x"}).status_code == 403
    csrf = visitor.cookies["csrftoken"].value
    mismatch = visitor.post(
        link, {**form, "password_again": "autre", "csrfmiddlewaretoken": csrf}
    )
    assert "Les deux saisies diffèrent." in html(mismatch)
    short = visitor.post(
        link,
        {
            "password": "court",
            "password_again": "court",
            "csrfmiddlewaretoken": csrf,
        },
    )
    assert "Ce mot de passe est trop court." in html(short)
    assert not User.objects.filter(email="lea@inconnue.example").exists()

    done = visitor.post(
        link,
        {**form, "password_again": "un-secret-solide", "csrfmiddlewaretoken": csrf},
    )
    assert (done.status_code, done["Location"]) == (302, "/")
    lea = User.objects.get(email="lea@inconnue.example")
    assert lea.full_name == "Léa Martin" and lea.check_password("un-secret-solide")
    assert not (lea.is_staff or lea.is_superuser)
    assert Membership.objects.get(user=lea).company == company
    assert visitor.get("/").status_code == 200  # signed in


def test_a_link_works_once(signed_in, company, smtp_server):
    invite(signed_in, "lea@inconnue.example")
    link = link_sent(smtp_server, "lea@inconnue.example")
    form = {"password": "un-secret-solide", "password_again": "un-secret-solide"}
    assert Client().post(link, form).status_code == 302

    again = Client().post(link, {**form, "full_name": "Quelqu'un d'autre"})
    assert again.status_code == 410
    assert USED in html(again)
    assert Client().get(link).status_code == 410
    assert User.objects.get(email="lea@inconnue.example").full_name == ""
    assert Membership.objects.filter(company=company).count() == 2


def test_a_link_is_refused_after_seven_days(signed_in, company, paul, smtp_server):
    invite(signed_in, "paul@riou.example")
    link = link_sent(smtp_server, "paul@riou.example")
    client = Client()
    client.force_login(paul)
    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        page = client.get(link)
        assert page.status_code == 410
        assert EXPIRED in html(page)
        assert client.post(link).status_code == 410
    assert not Membership.objects.filter(user=paul, company=company).exists()


def test_a_cancelled_invitation_is_listed_no_more_and_its_link_is_refused(
    signed_in, company, paul, smtp_server
):
    invite(signed_in, "paul@riou.example")
    link = link_sent(smtp_server, "paul@riou.example")
    invitation = Invitation.objects.get()
    listing = html(signed_in.get("/configuration/utilisateurs/"))
    assert (
        f'<button class="btn btn-small btn-danger" name="cancel" '
        f'value="{invitation.pk}" type="submit">Annuler</button>' in listing
    )

    cancelled = signed_in.post(
        "/configuration/utilisateurs/", {"cancel": invitation.pk}, follow=True
    )
    assert 'data-toast="Invitation de paul@riou.example annulée."' in html(cancelled)
    assert "Aucune invitation en attente." in html(cancelled)
    client = Client()
    client.force_login(paul)
    page = client.get(link)
    assert page.status_code == 410
    assert CANCELLED in html(page)
    assert client.post(link).status_code == 410
    assert not Membership.objects.filter(user=paul, company=company).exists()


def test_another_companys_administrator_cannot_cancel_an_invitation(
    company, smtp_server, signed_in
):
    invite(signed_in, "lea@inconnue.example")
    other = make_user(make_company(name="Autre"))
    Membership.objects.filter(user=other).update(role="admin")
    client = Client()
    client.force_login(other)
    invitation = Invitation.objects.get()
    response = client.post("/configuration/utilisateurs/", {"cancel": invitation.pk})
    assert response.status_code == 404
    assert Invitation.objects.get().cancelled_at is None


def test_an_account_with_another_address_cannot_accept(
    signed_in, company, paul, smtp_server
):
    invite(signed_in, "lea@inconnue.example")
    link = link_sent(smtp_server, "lea@inconnue.example")
    client = Client()
    client.force_login(paul)

    page = client.get(link)
    assert page.status_code == 403
    assert (
        "Vous êtes connecté avec une autre adresse (paul@riou.example) : seul le "
        "compte de l'adresse invitée peut accepter." in html(page)
    )
    refused = client.post(link)
    assert refused.status_code == 403
    assert (
        "Cette invitation est adressée à une autre adresse que celle de votre "
        "compte (paul@riou.example)." in html(refused)
    )
    assert not Membership.objects.filter(user=paul, company=company).exists()
    assert Invitation.objects.get().accepted_at is None


def test_an_unknown_link_is_a_clear_404():
    for token in ["n-existe-pas", "x" * 500]:
        page = Client().get(f"/invitation/{token}/")
        assert page.status_code == 404
        assert (
            "Cette invitation n'existe pas. Vérifiez le lien reçu par "
            "courriel, ou demandez une nouvelle invitation." in html(page)
        )
        assert Client().post(f"/invitation/{token}/").status_code == 404


def test_a_new_invitation_of_the_same_address_replaces_the_previous_link(
    company, admin
):
    _first, old = invitation_create(
        company=company,
        email="lea@inconnue.example",
        role="member",
        invited_by=admin,
        now=NOW,
    )
    _second, new = invitation_create(
        company=company,
        email="lea@inconnue.example",
        role="admin",
        invited_by=admin,
        now=NOW,
    )
    assert Client().get(f"/invitation/{old}/").status_code == 410
    assert Client().get(f"/invitation/{new}/").status_code == 200


def test_members_cannot_invite(company, smtp_server):
    member = make_user(company)
    client = Client()
    client.force_login(member)
    response = client.post(
        "/configuration/utilisateurs/", {"email": "x@x.example", "role": "admin"}
    )
    assert response.status_code == 403
    assert not Invitation.objects.exists() and smtp_server.received == []


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_init_makes_the_companys_administrator_whom_django_admin_refuses(
    monkeypatch,
):
    monkeypatch.setenv("RELANCE_ADMIN_EMAIL", "marie@durand.example")
    monkeypatch.setenv("RELANCE_ADMIN_PASSWORD", "un-mot-de-passe-solide")
    run("init", "--no-input")

    marie = User.objects.get()
    assert (marie.is_superuser, marie.is_staff) == (False, False)
    assert Membership.objects.get(user=marie).role == "admin"
    client = Client()
    refused = client.post(
        "/admin/login/",
        {"username": "marie@durand.example", "password": "un-mot-de-passe-solide"},
    )
    assert refused.status_code == 200  # the form again, with its refusal
    assert "_auth_user_id" not in client.session
    client.force_login(marie)
    assert client.get("/admin/").status_code == 302
    assert client.get("/admin/core/company/").status_code == 302
    # The company's own configuration is open to her.
    for url in [
        "/configuration/etapes/",
        "/configuration/societe/",
        "/configuration/utilisateurs/",
        "/configuration/jetons/",
        "/profil/mot-de-passe/",
    ]:
        assert client.get(url).status_code == 200, url


def test_an_operator_account_is_made_explicitly_and_reaches_django_admin(
    monkeypatch,
):
    make_company(name="Bâtiments Durand")
    monkeypatch.setenv("RELANCE_PASSWORD", "mot-de-passe-exploitant")
    output = run("user", "create", "ops@hebergeur.example", "--operator")
    assert output == (
        "Compte créé : ops@hebergeur.example\n"
        "Exploitant : accès à l'administration Django (/admin/), qui montre toutes "
        "les sociétés.\n"
    )
    ops = User.objects.get()
    assert (ops.is_superuser, ops.is_staff) == (True, True)
    assert not Membership.objects.exists()
    client = Client()
    assert (
        client.post(
            "/admin/login/",
            {
                "username": "ops@hebergeur.example",
                "password": "mot-de-passe-exploitant",
            },
        ).status_code
        == 302
    )
    assert client.get("/admin/core/company/").status_code == 200
