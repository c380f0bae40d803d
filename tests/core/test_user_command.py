"""`relance user`: accounts made and looked after from the command line."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from relance.core.models import Membership, User
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_password_in_the_shell(monkeypatch):
    monkeypatch.delenv("RELANCE_PASSWORD", raising=False)


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("user", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def terminal(monkeypatch, *typed):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter(typed)
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))


def test_create_gives_access_to_the_only_company_as_a_member(monkeypatch):
    company = make_company(name="Bâtiments Durand")
    monkeypatch.setenv("RELANCE_PASSWORD", "un-secret-solide")
    out, err = run("create", "Paul@Durand.example", "--name", "Paul Durand")
    assert out == (
        "Compte créé : paul@durand.example\nAccès à Bâtiments Durand : membre\n"
    )
    assert err == "Mot de passe lu dans RELANCE_PASSWORD.\n"
    paul = User.objects.get()
    assert (paul.full_name, paul.is_staff, paul.is_superuser) == (
        "Paul Durand",
        False,
        False,
    )
    assert paul.check_password("un-secret-solide")
    membership = Membership.objects.get()
    assert (membership.company, membership.role) == (company, "member")


def test_create_asks_the_password_twice_in_a_terminal(monkeypatch):
    make_company(name="A")
    company = make_company(name="B")
    terminal(monkeypatch, "un", "deux", "court", "court", *["un-secret-solide"] * 2)
    out, err = run(
        "create", "lea@b.example", "--company", str(company.pk), "--role", "admin"
    )
    assert err.splitlines() == [
        "Les deux saisies diffèrent.",
        "Ce mot de passe est trop court. Il doit contenir au minimum 8 caractères.",
    ]
    assert out.splitlines()[1] == "Accès à B : administrateur"
    assert User.objects.get().check_password("un-secret-solide")
    assert Membership.objects.get().role == "admin"


def test_create_refuses_without_a_password_outside_a_terminal(monkeypatch):
    make_company()
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(
        CommandError,
        match=re.escape(
            "Mot de passe : lancez la commande dans un terminal, ou donnez-le "
            "dans la variable RELANCE_PASSWORD."
        ),
    ):
        run("create", "lea@b.example")
    assert not User.objects.exists()


def test_create_refuses_an_existing_account_a_weak_password_and_a_bad_role(
    monkeypatch,
):
    company = make_company()
    make_user(company, email="paul@durand.example")
    monkeypatch.setenv("RELANCE_PASSWORD", "un-secret-solide")
    with pytest.raises(
        CommandError, match=re.escape("Un compte existe déjà pour paul@")
    ):
        run("create", "PAUL@durand.example")
    monkeypatch.setenv("RELANCE_PASSWORD", "azertyuiop")
    with pytest.raises(
        CommandError, match=re.escape("Ce mot de passe est trop courant.")
    ):
        run("create", "lea@durand.example")
    with pytest.raises(CommandError, match=re.escape("choix « owner » inconnu")):
        run("create", "lea@durand.example", "--role", "owner")
    assert User.objects.count() == 1


def test_an_operator_belongs_to_no_company_unless_given_one(monkeypatch):
    monkeypatch.setenv("RELANCE_PASSWORD", "un-secret-solide")
    run("create", "ops@hebergeur.example", "--operator")  # even with no company
    company = make_company(name="Bâtiments Durand")
    out, _ = run(
        "create", "ops2@hebergeur.example", "--operator", "--company", str(company.pk)
    )
    assert "Accès à Bâtiments Durand : membre" in out
    assert list(
        User.objects.order_by("email").values_list("email", "is_staff", "is_superuser")
    ) == [
        ("ops2@hebergeur.example", True, True),
        ("ops@hebergeur.example", True, True),
    ]
    assert list(Membership.objects.values_list("user__email", flat=True)) == [
        "ops2@hebergeur.example"
    ]


def test_password_changes_it_and_ends_the_accounts_sessions(monkeypatch):
    paul = make_user(make_company(), email="paul@durand.example")
    client = Client()
    client.force_login(paul)
    assert client.get("/").status_code == 200
    monkeypatch.setenv("RELANCE_PASSWORD", "un-nouveau-secret")
    out, _ = run("password", "PAUL@durand.example")
    assert out == (
        "Mot de passe changé pour paul@durand.example ; ses autres sessions sont "
        "fermées.\n"
    )
    paul.refresh_from_db()
    assert paul.check_password("un-nouveau-secret")
    assert client.get("/")["Location"] == "/connexion/?next=/"
    with pytest.raises(
        CommandError, match=re.escape("Aucun compte pour qui@durand.example.")
    ):
        run("password", "qui@durand.example")


def test_list_shows_each_account_its_state_and_its_access():
    durand, riou = make_company(name="Bâtiments Durand"), make_company(name="Riou")
    marie = make_user(durand, email="marie@durand.example", full_name="Marie Durand")
    Membership.objects.filter(user=marie).update(role="admin")
    Membership.objects.create(user=marie, company=riou)
    make_user(email="ops@hebergeur.example", is_staff=True, is_superuser=True)
    make_user(riou, email="ancien@riou.example", is_active=False)
    out, _ = run("list")
    assert out.splitlines() == [
        "Courriel               Nom           État       Accès",
        "ancien@riou.example                  désactivé  Riou (membre)",
        "marie@durand.example   Marie Durand  actif      "
        "Bâtiments Durand (administrateur), Riou (membre)",
        "ops@hebergeur.example                actif      exploitant (/admin/)",
        "3 compte(s).",
    ]


def test_deactivate_ends_the_sessions_and_warns_of_a_company_left_without_admin():
    company = make_company(name="Bâtiments Durand")
    marie = make_user(company, email="marie@durand.example")
    Membership.objects.filter(user=marie).update(role="admin")
    client = Client()
    client.force_login(marie)
    out, err = run("deactivate", "marie@durand.example")
    assert out == (
        "Compte désactivé : marie@durand.example. Il ne peut plus se connecter et "
        "ses sessions sont fermées.\n"
    )
    assert err == (
        "Attention : Bâtiments Durand n'a plus d'administrateur actif (« relance "
        f"user create --company {company.pk} --role admin EMAIL » en crée un).\n"
    )
    assert client.get("/").status_code == 302
    visitor = Client()
    again = visitor.post(
        "/connexion/",
        {"username": "marie@durand.example", "password": "motdepasse-de-test"},
    )
    assert again.status_code == 200  # the form again: not signed in
    assert "_auth_user_id" not in visitor.session
