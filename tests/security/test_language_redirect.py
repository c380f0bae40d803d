"""Item 11 of issue 13: the language switch sends back to this site only."""

import pytest
from django.test import Client

from tests.factories import make_company, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    client = Client()
    client.force_login(make_user(make_company()))
    return client


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/factures/",
        "http://testserver.evil.example/",
        "javascript:alert(1)",
        "\\\\evil.example",
    ],
)
def test_a_next_address_elsewhere_goes_to_the_dashboard(signed_in, target):
    response = signed_in.post("/langue/", {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_referer_elsewhere_goes_to_the_dashboard(signed_in):
    response = signed_in.post(
        "/langue/", {"language": "en"}, HTTP_REFERER="https://evil.example/factures/"
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_page_of_this_site_is_kept(signed_in):
    response = signed_in.post("/langue/", {"language": "en", "next": "/factures/?q=a"})
    assert response["Location"] == "/factures/?q=a"
    response = signed_in.post(
        "/langue/", {"language": "fr"}, HTTP_REFERER="http://testserver/clients/"
    )
    assert response["Location"] == "http://testserver/clients/"


def test_a_page_of_this_site_over_https_is_not_sent_back_over_http(signed_in):
    response = signed_in.post(
        "/langue/",
        {"language": "en", "next": "http://testserver/factures/"},
        secure=True,
    )
    assert response["Location"] == "/"
