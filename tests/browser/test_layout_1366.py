"""At a laptop's 1366×768 (issue 12 §7): one line per row, the page scrolls
(not a box inside it), the menu folds when its action opens the window,
addresses are neither cut nor hyphen-broken."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def one_line(locator) -> bool:
    """The element's text holds on one line (its line boxes share one top)."""
    return locator.evaluate(
        """e => {
            const range = document.createRange();
            range.selectNodeContents(e);
            const tops = [...range.getClientRects()].map(r => Math.round(r.top));
            return new Set(tops).size === 1;
        }"""
    )


def test_the_list_and_the_summary_fit_a_1366_by_768_screen(page, app):
    page.set_viewport_size({"width": 1366, "height": 768})
    base = app["url"]
    sign_in(page, base)
    page.goto(f"{base}/factures/")
    states = page.locator("table.list .state")
    expect(states.first).to_be_visible()
    assert all(one_line(states.nth(n)) for n in range(states.count()))
    # No scroll box around the table, and the table fits its card.
    assert page.locator(".table-wrap").evaluate(
        "e => e.scrollHeight <= e.clientHeight + 1"
        " && e.scrollWidth <= e.clientWidth + 1"
    )
    row = page.locator("tr", has=page.get_by_role("link", name="FC22120054"))
    row.get_by_role("checkbox").check()
    menu = page.locator("details.menu", has_text="Action")
    menu.locator("summary").click()
    page.get_by_role("button", name="Relances").click()
    modal = page.locator("#modal")
    expect(modal.get_by_test_id("to-send")).to_have_text("1")
    assert menu.evaluate("e => !e.open")  # folded, not left behind the window
    address = modal.locator("td.email").first
    expect(address).to_have_text("compta@herbly.example")
    assert one_line(address)
    page.keyboard.press("Escape")


def test_a_customers_addresses_are_not_cut_on_its_page(page, app):
    page.set_viewport_size({"width": 1366, "height": 768})
    base = app["url"]
    sign_in(page, base)
    page.goto(f"{base}/clients/")
    page.get_by_role("link", name="HERBLY Francis").click()
    field = page.get_by_label("Courriel", exact=True)
    expect(field).to_have_value("compta@herbly.example")
    assert field.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert field.evaluate("e => e.clientWidth >= 300")
