"""A customer's code is compared as it is saved: one that differs from a
taken code only by spaces around it (a non-breaking space included, which
Python's strip removes) is refused with its message, not a database error
(a 500, found by the API's schema fuzzing)."""

import pytest

from relance.invoices.models import Customer
from tests.factories import make_company

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    return make_company(name="Bâtiments Durand")


@pytest.mark.parametrize("code", ["411A\u00a0", " 411A", "\u2003411A"])
def test_a_taken_code_with_spaces_around_is_refused_with_its_field(api, company, code):
    status, _ = api.call("post", "/customers", {"code": "411A", "name": "Garage"})
    assert status == 201
    status, body = api.call("post", "/customers", {"code": code, "name": "Autre"})
    assert status == 400
    assert body == {"detail": "Le code client 411A existe déjà.", "field": "code"}
    assert list(Customer.objects.values_list("code", flat=True)) == ["411A"]


def test_a_new_code_is_saved_without_its_spaces(api, company):
    status, body = api.call("post", "/customers", {"code": "\u00a0411B ", "name": "B"})
    assert (status, body["code"]) == (201, "411B")
