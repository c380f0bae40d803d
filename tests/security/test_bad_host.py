"""A request Django refuses before any view (a Host header it does not
serve) gets the API's JSON under /api/, the plain page elsewhere."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_api_call_with_a_host_not_served_gets_json():
    response = Client(HTTP_HOST="ry").post(
        "/api/v1/customers", "V", content_type="application/json"
    )
    assert (response.status_code, response["Content-Type"]) == (
        400,
        "application/json",
    )
    assert response.json() == {"detail": "Requête invalide.", "field": None}


def test_a_page_with_a_host_not_served_gets_the_plain_page():
    response = Client(HTTP_HOST="ry").get("/")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
