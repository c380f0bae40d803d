"""An ERP's company; its token is `tests/conftest.py`'s `api`."""

import pytest

from tests.factories import make_company, make_steps


@pytest.fixture
def company():
    company = make_company(
        name="Bâtiments Durand", reply_to_email="compta@durand.example"
    )
    make_steps(company)
    return company
