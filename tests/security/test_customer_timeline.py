"""A customer's history and notes are its company's only: another company's
customer is not found (page, note, API), and nothing is written."""

import pytest
from django.test import Client

from relance.dunning.models import CustomerNote
from tests.conftest import Api
from tests.factories import make_company, make_customer, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def theirs():
    other = make_company(name="Concurrent")
    customer = make_customer(other, name="Client du concurrent")
    from relance.dunning.services.notes import customer_note_add

    customer_note_add(customer=customer, text="Note confidentielle")
    return customer


def test_another_companys_customer_history_and_notes_are_not_found_on_the_page(theirs):
    mine = make_company(name="Bâtiments Durand")
    client = Client()
    client.force_login(make_user(mine))
    assert client.get(f"/clients/{theirs.pk}/").status_code == 404
    answer = client.post(f"/clients/{theirs.pk}/", {"action": "note", "text": "x"})
    assert answer.status_code == 404
    assert CustomerNote.objects.count() == 1


def test_another_companys_customer_history_and_notes_are_not_found_in_the_api(theirs):
    from relance.core.tokens import token_create

    mine = make_company(name="Bâtiments Durand")
    api = Api(token_create(company=mine, name="ERP")[1])
    for path in (f"/customers/{theirs.pk}/timeline", f"/customers/{theirs.pk}/notes"):
        status, body = api.call("get", path)
        assert status == 404, path
        assert "Note confidentielle" not in str(body)
    status, _body = api.call("post", f"/customers/{theirs.pk}/notes", {"text": "x"})
    assert status == 404
    assert CustomerNote.objects.count() == 1


def test_the_history_needs_a_login_and_a_token(theirs):
    answer = Client().get(f"/clients/{theirs.pk}/")
    assert answer.status_code == 302 and "/connexion/" in answer["Location"]
    status, _body = Api("wrong-token").call("get", f"/customers/{theirs.pk}/timeline")
    assert status == 401
