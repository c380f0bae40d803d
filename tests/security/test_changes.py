"""Who changed what is its company's only (issue 18 §6): another company's
changes never show on the « Historique des modifications » page, in the
API's /changes (whatever kind or customer asked), nor in a customer's
history, even when its customer id is asked for."""

import pytest
from django.test import Client

from relance.core.tokens import token_create
from relance.invoices.services import customer_update
from tests.conftest import Api
from tests.factories import make_company, make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs():
    other = make_company(name="Concurrent")
    customer = make_customer(other, name="Client du concurrent", language="fr")
    customer_update(
        customer=customer,
        by=make_user(other, full_name="Espion"),
        phone="06 99 99 99 99",
        language="en",
    )
    return customer


@pytest.fixture
def mine():
    return make_company(name="Bâtiments Durand")


def test_another_companys_changes_never_show_on_the_history_page(theirs, mine):
    admin = make_user(mine)
    admin.memberships.update(role="admin")
    client = Client()
    client.force_login(admin)
    for query in ("", "?kind=customer", "?page=1", f"?customer={theirs.pk}"):
        page = client.get(f"/configuration/historique/{query}").content.decode()
        assert "Aucune modification enregistrée" in page, query
        assert "06 99 99 99 99" not in page and "Espion" not in page


def test_another_companys_changes_never_show_in_the_api(theirs, mine):
    api = Api(token_create(company=mine, name="ERP")[1])
    for params in ({}, {"kind": "customer"}, {"customer_id": theirs.pk}):
        status, body = api.call("get", "/changes", **params)
        assert (status, body) == (200, {"items": [], "count": 0}), params


def test_a_customer_with_the_same_id_in_another_company_shows_none_of_its_changes(
    theirs, mine
):
    """The record keeps the customer as a plain id: the history asks for
    the company too."""
    from relance.core.models import ChangeRecord

    record = ChangeRecord.objects.get()
    ours = make_customer(mine, name="Notre client")
    record.customer_id = ours.pk  # as if ids were shared across companies
    record.save(update_fields=["customer_id"])
    user = make_user(mine)
    client = Client()
    client.force_login(user)
    page = client.get(f"/clients/{ours.pk}/").content.decode()
    assert 'data-source="change"' not in page
    assert "06 99 99 99 99" not in page
    api = Api(token_create(company=mine, name="ERP")[1])
    status, body = api.call("get", f"/customers/{ours.pk}/timeline")
    assert status == 200
    assert [e for e in body["events"] if e["source"] == "change"] == []
