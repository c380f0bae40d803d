"""On a phone (390×844) the side menu folds behind « Menu » so that the page
comes first; at a laptop's 1366×768 it stays open as before; without script
it stays open everywhere."""

import os
import shutil

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ENTRIES = 19  # an admin's: 12 pages, 7 of configuration


def _page(browser, **options):
    context = browser.new_context(locale="fr-FR", **options)
    page = context.new_page()
    # The server's first pages can take more than sign_in's 10 s on a loaded
    # machine (they timed out at load 20); the checks keep their own limit.
    page.set_default_navigation_timeout(60_000)
    return context, page


def _entries_shown(nav) -> None:
    links = nav.get_by_role("link")
    expect(links).to_have_count(ENTRIES)
    for n in range(ENTRIES):
        expect(links.nth(n)).to_be_visible()


def _shots(tmp_path, *names):
    keep = os.environ.get("RELANCE_SCREENSHOTS")
    if keep:
        for name in names:
            shutil.copy(tmp_path / name, f"{keep}/{name}")


def test_on_a_phone_the_menu_is_closed_and_the_page_comes_first(browser, app, tmp_path):
    context, page = _page(browser, viewport=PHONE)
    sign_in(page, app["url"])
    page.goto(f"{app['url']}/factures/")
    toggle = page.get_by_role("button", name="Menu", exact=True)
    nav = page.locator("nav#sidenav")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    # The page's title right under the top bar, the first row in the screen.
    title = page.get_by_role("heading", level=1)
    expect(title).to_have_text("Factures clients")
    assert title.bounding_box()["y"] < 120
    expect(page.get_by_role("link", name="FC22120054")).to_be_in_viewport()
    page.screenshot(path=tmp_path / "menu-390-closed.png")

    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    _entries_shown(nav)
    expect(nav.get_by_role("link", name="Factures clients")).to_have_attribute(
        "aria-current", "page"
    )
    page.screenshot(path=tmp_path / "menu-390-open.png")

    # With the keyboard: Esc in the menu closes it and gives the focus back,
    # Enter on the button opens it again.
    nav.get_by_role("link", name="Clients", exact=True).focus()
    page.keyboard.press("Escape")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(nav).to_be_hidden()
    expect(toggle).to_be_focused()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Clients", exact=True)).to_be_visible()
    page.keyboard.press("Enter")
    expect(nav).to_be_hidden()
    # A link of the menu is followed as anywhere else.
    toggle.click()
    nav.get_by_role("link", name="Clients", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Clients")
    expect(nav).to_be_hidden()
    context.close()
    _shots(tmp_path, "menu-390-closed.png", "menu-390-open.png")


def test_on_a_laptop_the_menu_is_open_and_no_menu_button_shows(browser, app, tmp_path):
    context, page = _page(browser, viewport={"width": 1366, "height": 768})
    sign_in(page, app["url"])
    page.goto(f"{app['url']}/factures/")
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
    _entries_shown(page.locator("nav#sidenav"))
    box = page.locator("nav#sidenav").bounding_box()
    assert (box["x"], box["y"]) == (0, 48)  # on the left, under the top bar
    page.screenshot(path=tmp_path / "menu-1366.png")
    context.close()
    _shots(tmp_path, "menu-1366.png")


def test_without_script_the_menu_stays_open_on_a_phone(browser, app):
    context, page = _page(browser, viewport=PHONE, java_script_enabled=False)
    sign_in(page, app["url"])
    page.goto(f"{app['url']}/factures/")
    expect(page.get_by_role("button", name="Menu", exact=True)).to_be_hidden()
    _entries_shown(page.locator("nav#sidenav"))
    context.close()


PAGES = [
    "/",
    "/factures/",
    "/clients/",
    "/balance-agee/",
    "/indicateurs/",
    "/taches/",
    "/banque/",
    "/configuration/etapes/",
    "/configuration/plans/",
    "/configuration/societe/",
    "/configuration/utilisateurs/",
    "/configuration/jetons/",
    "/configuration/historique/",
]


def test_on_a_phone_no_page_is_wider_than_the_screen(browser, app):
    """Wide tables scroll sideways in their card; the page itself never does
    (the steps' table made it 802 px wide, the users' page 452)."""
    context, page = _page(browser, viewport=PHONE)
    sign_in(page, app["url"])
    widths = {}
    for path in PAGES:
        response = page.goto(f"{app['url']}{path}")
        assert response.status == 200, path
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(PAGES, PHONE["width"])
    context.close()


def test_on_a_phone_the_month_ends_open_inside_the_screen_and_pick_one(browser, app):
    """The aged balance's « Fins de mois »: twelve dates, all on screen, the
    first the last month's end, which the page then shows ticked."""
    from datetime import timedelta

    from relance.core.clock import local_date, utc_now
    from tests.reports.test_aged_balance_ways import french

    today = local_date("Europe/Paris", utc_now())
    last = today.replace(day=1) - timedelta(days=1)
    context, page = _page(browser, viewport=PHONE)
    sign_in(page, app["url"])
    page.goto(f"{app['url']}/balance-agee/")
    page.get_by_text("Fins de mois").click()
    menu = page.get_by_test_id("month-ends")
    links = menu.get_by_role("link")
    expect(links).to_have_count(12)
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    links.first.click()
    page.wait_for_url(f"**/balance-agee/?date={last.isoformat()}")
    page.get_by_text("Fins de mois").click()
    expect(menu.get_by_role("link").first).to_have_text(f"✓ {french(last)}")
    context.close()
