"""The API's client and an ERP's company with its token."""

import json

import pytest
from django.test import Client

from relance.core.tokens import token_create
from tests.factories import make_company, make_steps


class Api:
    def __init__(self, token: str):
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(self, method, path, data=None, **params):
        kwargs = {"content_type": "application/json"} if data is not None else {}
        response = getattr(self.client, method)(
            f"/api/v1{path}", json.dumps(data) if data is not None else params, **kwargs
        )
        return response.status_code, response.json() if response.content else None


@pytest.fixture
def company():
    company = make_company(
        name="Bâtiments Durand", reply_to_email="compta@durand.example"
    )
    make_steps(company)
    return company


@pytest.fixture
def api(company):
    return Api(token_create(company=company, name="ERP")[1])
