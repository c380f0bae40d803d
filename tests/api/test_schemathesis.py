"""Schemathesis over the whole OpenAPI schema: whatever it sends, valid or not,
the API answers without a server error and as its schema says."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from relance.core.tokens import token_create
from tests.factories import make_company, make_customer, make_invoice, make_steps

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def keep_the_test_connection():
    """As Django's test client does: requests must not close the connection
    that holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db, keep_the_test_connection):
    company = make_company()
    make_steps(company)
    make_invoice(make_customer(company, code="411HERBLYF"), number="FC22120054")
    _token, raw = token_create(company=company, name="schemathesis")
    return raw


@pytest.mark.api_fuzz
@schema.parametrize()
@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_never_fails_and_keeps_to_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[
            not_a_server_error,
            response_schema_conformance,
            status_code_conformance,
            content_type_conformance,
        ],
    )
