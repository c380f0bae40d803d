"""The invoice list fits a 1366 px wide screen with the demo's data (a long
customer name, five-figure amounts, a payment promise, the last step
reached): nothing scrolls sideways; a state too long for its column ends in
« … » and reads whole in its title."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

LONG_ROWS = """
from relance.core.clock import local_date, utc_now
import json
from datetime import date, timedelta
from relance.core.models import Company
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.get(name="Bâtiments Durand")
customer = Customer.objects.create(
    company=company, code="411WIDE", name="Cabinet dentaire du Dr Morvan",
    email="wide@morvan.example")
for number, late, promise in (("FC-WIDE-1", 25, True), ("FC-WIDE-2", 60, False)):
    Invoice.objects.create(
        company=company, customer=customer, number=number,
        issue_date=today - timedelta(days=late + 30),
        due_date=today - timedelta(days=late),
        total="11158.46", amount_due="11158.46", dunning_level=4 - promise,
        paused_until=today + timedelta(days=20) if promise else None,
        pause_kind="promise" if promise else "")
invoices_refresh(company=company, today=today)
print(json.dumps([
    i.paused_until.strftime("%d/%m/%Y") if i.paused_until else ""
    for i in Invoice.objects.filter(number__startswith="FC-WIDE").order_by("number")
]))
"""

REMOVE = """
from relance.invoices.models import Customer, Invoice
Invoice.objects.filter(number__startswith="FC-WIDE").delete()
Customer.objects.filter(code="411WIDE").delete()
"""


@pytest.fixture
def long_rows(app):
    dates = app["instance"].python(LONG_ROWS)
    yield dates
    app["instance"].python(REMOVE)


def test_the_invoice_list_does_not_scroll_sideways_at_1366(page, app, long_rows):
    page.set_viewport_size({"width": 1366, "height": 768})
    base = app["url"]
    sign_in(page, base)
    page.goto(f"{base}/factures/")
    promise = page.locator("tr", has=page.get_by_role("link", name="FC-WIDE-1"))
    state = promise.locator(".state")
    expect(state).to_be_visible()
    assert page.evaluate(
        "() => document.documentElement.scrollWidth"
        " <= document.documentElement.clientWidth"
    )
    assert page.locator(".table-wrap").evaluate(
        "e => e.scrollWidth <= e.clientWidth + 1"
    )
    assert page.locator("table.list").evaluate(
        "e => e.getBoundingClientRect().right"
        " <= e.closest('.card').getBoundingClientRect().right + 1"
    )
    expected = f"Promesse de paiement · {long_rows[0]}"
    expect(state).to_have_attribute("title", expected)
    expect(state).to_have_text(expected)  # the whole text is there, maybe cut
    last = page.locator("tr", has=page.get_by_role("link", name="FC-WIDE-2"))
    expect(last.locator(".state")).to_have_attribute(
        "title", "Mise en demeure · dernière étape"
    )
