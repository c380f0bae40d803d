"""« Indicateurs » in real Chromium: reached from the menu, its chart drawn
as SVG, the top late payer's amount opening its late invoices; readable on
a 390 px wide phone without scrolling sideways."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser


def test_the_indicators_page_links_each_figure_to_its_invoices(page, app):
    base = app["url"]
    sign_in(page, base)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Indicateurs"
    ).click()
    expect(page.get_by_role("heading", name="Indicateurs", exact=True)).to_be_visible()
    expect(page.get_by_test_id("dso")).to_contain_text("DSO (méthode par épuisement)")
    chart = page.get_by_test_id("overdue-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("rect[stroke]")).to_have_count(13)
    first = page.get_by_test_id("late-payers").locator("tbody tr").first
    expect(first).to_contain_text("Ferme du Vieux Chêne")
    expect(first).to_contain_text("2 100,00 €")
    expect(first).to_contain_text("15 jours")
    first.get_by_role("link", name="2 100,00 €").click()
    expect(page).to_have_url(f"{base}/factures/?customer=3&filter=late")
    rows = page.locator("table.list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("FC23010011")


def test_the_indicators_page_fits_a_phone(page, app):
    base = app["url"]
    sign_in(page, base)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/indicateurs/")
    expect(page.get_by_test_id("overdue-chart")).to_be_visible()
    box = page.get_by_test_id("overdue-chart").bounding_box()
    assert box["width"] <= 390
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= 390, wide
