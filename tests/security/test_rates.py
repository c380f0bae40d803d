"""The rate table is shared by every company of an installation: one
company's admin must not change another's penalties."""

from datetime import date

import pytest
from django.test import Client

from relance.core.models import Membership
from relance.core.tokens import token_create
from relance.law.models import Rate
from tests.conftest import Api
from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db

NEW = {
    "kind": "legal_other",
    "start": "2031-01-01",
    "value": "99",
    "source": "pirate",
}


def admin_of(company):
    user = make_user(company)
    Membership.objects.filter(user=user).update(role="admin")
    client = Client()
    client.force_login(user)
    return client


def test_with_two_companies_an_admin_cannot_change_the_rates():
    company = make_company(name="A")
    make_company(name="B")
    client = admin_of(company)
    page = client.get("/configuration/taux/").content.decode()
    assert 'data-testid="rates-locked"' in page
    answer = client.post("/configuration/taux/", NEW)
    assert answer.status_code == 403
    assert not Rate.objects.filter(start=date(2031, 1, 1)).exists()


def test_with_two_companies_an_api_token_cannot_change_the_rates():
    company = make_company(name="A")
    make_company(name="B")
    api = Api(token_create(company=company, name="ERP")[1])
    status, answer = api.call("put", "/rates", NEW)
    assert status == 403
    assert answer["detail"].startswith(
        "Les taux valent pour toutes les sociétés de cette installation"
    )
    assert not Rate.objects.filter(start=date(2031, 1, 1)).exists()


def test_the_admin_of_the_only_company_can_and_is_recorded():
    company = make_company(name="A")
    client = admin_of(company)
    answer = client.post(
        "/configuration/taux/", {**NEW, "value": "3,1", "source": "Arrêté"}
    )
    assert answer.status_code == 302
    rate = Rate.objects.get(kind="legal_other", start=date(2031, 1, 1))
    changed_by = rate.updated_by.memberships.get().company
    assert (str(rate.value), rate.source, changed_by) == ("3.100", "Arrêté", company)


def test_a_member_who_is_not_admin_cannot_open_the_page():
    company = make_company(name="A")
    client = Client()
    client.force_login(make_user(company))
    assert client.get("/configuration/taux/").status_code in (302, 403)
