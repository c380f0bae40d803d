from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.factories import make_company, make_customer, make_invoice

FILES = Path(__file__).parent / "files"
TODAY = date(2026, 12, 3)


def read(name: str) -> bytes:
    return (FILES / name).read_bytes()


@pytest.fixture
def books(db):
    """A company with the customers and invoices the sample statements pay."""
    company = make_company(name="Durand Rénovation")
    dupont = make_customer(company, code="411DUPONT", name="SARL Dupont Bâtiment")
    martin = make_customer(company, code="411MARTIN", name="Martin Électricité")
    lea = make_customer(company, code="411LEA", name="Boulangerie Léa")
    invoices = {
        number: make_invoice(customer, number=number, total=Decimal(total))
        for number, customer, total in [
            ("FC22120054", dupont, "1200.00"),
            ("FC22120055", dupont, "350.00"),
            ("FC22120060", martin, "480.00"),
            ("FC22120061", martin, "520.00"),
            ("FC22120070", lea, "99.90"),
        ]
    }
    return company, invoices
