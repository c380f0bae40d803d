"""Item 6 of issue 13: sign-in attempts are throttled per account and per
address (django-axes), on the sign-in page and the admin's; bad API tokens
per address; administrators unlock from the command line."""

import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from relance.core.tokens import token_create
from tests.factories import make_company, make_user, sign_in_attempt
from tests.security.process import run_django

pytestmark = pytest.mark.django_db

LOCKED = "Trop de tentatives de connexion. Réessayez dans 15 minutes."
PASSWORD = "secret-de-marie"


@pytest.fixture
def marie():
    return make_user(make_company(), email="marie@durand.example", password=PASSWORD)


def fail(times: int, email="marie@durand.example", address="203.0.113.7"):
    """Wrong passwords; the first four are told so, the fifth locks."""
    for n in range(1, times + 1):
        response = sign_in_attempt(Client(), email, "pas-le-bon", address=address)
        assert response.status_code == (200 if n < 5 else 429)
        assert (LOCKED in response.content.decode()) is (n >= 5)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/"


def test_after_five_wrong_passwords_even_the_right_one_is_refused_in_french(marie):
    fail(4)
    fifth = sign_in_attempt(Client(), "marie@durand.example", "pas-le-bon")
    assert fifth.status_code == 429
    assert fifth["Retry-After"] == "900"
    assert LOCKED in fifth.content.decode()
    assert 'id="id_username"' in fifth.content.decode()  # the page, not a bare 403
    client = Client()
    right = sign_in_attempt(client, "marie@durand.example", PASSWORD)
    assert right.status_code == 429
    assert LOCKED in right.content.decode()
    assert client.get("/").status_code == 302  # not signed in


def test_the_message_is_in_english_for_an_english_browser(marie):
    fail(5)
    response = Client().post(
        "/connexion/",
        {"username": "marie@durand.example", "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 429
    assert "Too many sign-in attempts. Try again in 15 minutes." in (
        response.content.decode()
    )


def test_four_failures_do_not_stop_the_right_password(marie):
    fail(4)
    assert signed_in(sign_in_attempt(Client(), "marie@durand.example", PASSWORD))


def test_an_account_is_locked_whatever_the_address_and_the_case_of_the_email(
    marie,
):
    for n, email in enumerate(
        ["marie@durand.example", "MARIE@durand.example", " Marie@Durand.Example"] * 2
    ):
        if n == 5:
            break
        sign_in_attempt(Client(), email, "pas-le-bon", address=f"198.51.100.{n}")
    response = sign_in_attempt(
        Client(), "marie@durand.example", PASSWORD, address="192.0.2.99"
    )
    assert response.status_code == 429
    assert LOCKED in response.content.decode()


def test_an_address_is_locked_whatever_the_account(marie):
    for n in range(5):
        sign_in_attempt(
            Client(), f"inconnu{n}@durand.example", "x", address="192.0.2.1"
        )
    from_there = sign_in_attempt(
        Client(), "marie@durand.example", PASSWORD, address="192.0.2.1"
    )
    assert from_there.status_code == 429
    assert signed_in(
        sign_in_attempt(Client(), "marie@durand.example", PASSWORD, address="192.0.2.2")
    )


def test_behind_a_proxy_the_address_is_the_one_it_saw(marie, settings):
    settings.RELANCE_PROXY_COUNT = 1
    for n in range(5):
        Client().post(
            "/connexion/",
            {"username": f"inconnu{n}@durand.example", "password": "x"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"10.9.9.{n}, 192.0.2.1",  # the first is forged
        )
    other_client = Client().post(
        "/connexion/",
        {"username": "marie@durand.example", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.2",
    )
    assert signed_in(other_client)
    same_client = Client().post(
        "/connexion/",
        {"username": "marie@durand.example", "password": PASSWORD},
        REMOTE_ADDR="127.0.0.1",
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert same_client.status_code == 429


def test_the_lock_ends_after_fifteen_minutes(marie):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail(4)
        sign_in_attempt(Client(), "marie@durand.example", "pas-le-bon")
        clock.shift(timedelta(minutes=14))
        locked = sign_in_attempt(Client(), "marie@durand.example", PASSWORD)
        assert locked.status_code == 429
        # That attempt started the lock again.
        clock.shift(timedelta(minutes=14))
        assert (
            sign_in_attempt(Client(), "marie@durand.example", PASSWORD).status_code
            == 429
        )
        clock.shift(timedelta(minutes=16))
        assert signed_in(sign_in_attempt(Client(), "marie@durand.example", PASSWORD))


def test_the_admin_sign_in_is_locked_too_with_the_same_message():
    make_user(email="root@durand.example", password=PASSWORD, is_staff=True)
    for _ in range(5):
        response = Client().post(
            "/admin/login/",
            {"username": "root@durand.example", "password": "pas-le-bon"},
            REMOTE_ADDR="203.0.113.7",
        )
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    right = Client().post(
        "/admin/login/?next=/admin/",
        {"username": "root@durand.example", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.1",
    )
    assert right.status_code == 429
    assert LOCKED in right.content.decode()


def test_relance_unlock_frees_an_account_given_in_any_case(marie):
    fail(5)
    out = StringIO()
    call_command("unlock", "MARIE@durand.example", stdout=out)
    assert out.getvalue() == (
        "marie@durand.example : 5 échec(s) effacé(s), connexion possible.\n"
    )
    assert signed_in(sign_in_attempt(Client(), "marie@durand.example", PASSWORD))


def test_relance_unlock_frees_an_address_for_sign_in_and_the_api(marie):
    for n in range(5):
        sign_in_attempt(
            Client(), f"inconnu{n}@durand.example", "x", address="192.0.2.1"
        )
    bad = Client(HTTP_AUTHORIZATION="Bearer rl_faux", REMOTE_ADDR="192.0.2.1")
    for _ in range(10):
        bad.get("/api/v1/invoices")
    assert bad.get("/api/v1/invoices").status_code == 429
    out = StringIO()
    call_command("unlock", "--ip", "192.0.2.1", stdout=out)
    assert out.getvalue() == (
        "192.0.2.1 : 5 échec(s) effacé(s), connexion et API possibles.\n"
    )
    assert signed_in(
        sign_in_attempt(Client(), "marie@durand.example", PASSWORD, address="192.0.2.1")
    )
    assert bad.get("/api/v1/invoices").status_code == 401


def test_relance_unlock_needs_an_account_or_an_address():
    from django.core.management.base import CommandError

    with pytest.raises(
        CommandError, match="Donnez au moins un courriel ou une adresse IP"
    ):
        call_command("unlock")


def test_axes_reset_username_frees_an_account(marie):
    fail(5)
    out = StringIO()
    call_command("axes_reset_username", "marie@durand.example", stdout=out)
    assert out.getvalue() == "1 attempts removed.\n"  # one record of 5 failures
    assert signed_in(sign_in_attempt(Client(), "marie@durand.example", PASSWORD))


def test_axes_reset_frees_everyone(marie):
    fail(5)
    call_command("axes_reset", stdout=StringIO())
    assert signed_in(sign_in_attempt(Client(), "marie@durand.example", PASSWORD))


def test_the_relance_command_offers_the_unlock_commands():
    relance = Path(sys.executable).with_name("relance")
    listing = subprocess.run(
        [relance, "help", "--commands"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split()
    assert {"unlock", "axes_reset", "axes_reset_username", "axes_reset_ip"} <= set(
        listing
    )


# --- API tokens -------------------------------------------------------------


def api_get(token: str, address: str):
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", REMOTE_ADDR=address).get(
        "/api/v1/invoices"
    )


def test_ten_bad_tokens_from_one_address_and_it_waits_with_a_json_answer():
    _token, good = token_create(company=make_company(), name="ERP")
    for n in range(10):
        assert api_get(f"rl_faux{n}", "203.0.113.7").status_code == 401
    response = api_get(good, "203.0.113.7")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Retry-After"] == "900"
    assert response.json() == {
        "detail": "Trop de jetons d'API invalides depuis cette adresse. "
        "Réessayez dans 15 minutes.",
        "field": None,
    }
    assert api_get(good, "198.51.100.1").status_code == 200


def test_an_address_blocked_for_bad_tokens_waits_fifteen_minutes():
    _token, good = token_create(company=make_company(), name="ERP")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(10):
            api_get(f"rl_faux{n}", "203.0.113.7")
        clock.shift(timedelta(minutes=10))
        response = api_get(good, "203.0.113.7")
        assert response.status_code == 429
        assert response["Retry-After"] == "300"
        assert response.json()["detail"].endswith("Réessayez dans 5 minutes.")
        clock.shift(timedelta(minutes=6))
        assert api_get(good, "203.0.113.7").status_code == 200


def test_good_tokens_are_never_counted():
    _token, good = token_create(company=make_company(), name="ERP")
    for _ in range(30):
        assert api_get(good, "203.0.113.7").status_code == 200


# --- settings ---------------------------------------------------------------


def test_the_limits_are_read_from_the_environment(tmp_path):
    values = run_django(
        """
        import json
        from django.conf import settings
        print(json.dumps([
            settings.AXES_FAILURE_LIMIT,
            settings.AXES_COOLOFF_TIME.total_seconds(),
            settings.RELANCE_API_FAILURE_LIMIT,
            settings.RELANCE_PROXY_COUNT,
        ]))
        """,
        tmp_path,
        RELANCE_LOGIN_FAILURE_LIMIT="3",
        RELANCE_LOCKOUT_MINUTES="60",
        RELANCE_API_FAILURE_LIMIT="50",
        RELANCE_PROXY_COUNT="2",
    )
    assert values == [3, 3600.0, 50, 2]


def test_a_limit_that_is_not_a_whole_number_is_refused(tmp_path):
    with pytest.raises(
        AssertionError,
        match="RELANCE_LOGIN_FAILURE_LIMIT must be a whole number ≥ 1, not '0'",
    ):
        run_django("print(1)", tmp_path, RELANCE_LOGIN_FAILURE_LIMIT="0")
