"""« Courriers à envoyer » in real Chromium: a formal notice made by a
letter step is recorded « envoyé en recommandé » then its acknowledgement of
receipt, as a user clicks; and each page of the letter's PDF, rendered to an
image, shows in the browser as a full A4 page with its text."""

import base64
import subprocess
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

EMAIL = "courriers@martin.example"
DATA = """
from relance.core.clock import local_date, utc_now
import json
from datetime import UTC, date, datetime, timedelta
from relance.core.models import Company, Membership, User
from relance.dunning.models import DunningStep
from relance.dunning.services.plans import plan_default_ensure
from relance.dunning.planning import reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.reminders import reminders_create
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice

today = local_date("Europe/Paris", utc_now())
company = Company.objects.create(
    send_calendar=False,  # sends at whatever hour the tests run
    name="Charpentes Martin", sender_email="relances@martin.example",
    address_line1="8 quai Perrache", postal_code="69002", city="Lyon",
    letter_signatory="Paul Martin, gérant")
user = User.objects.create_user(email=EMAIL, password=PASSWORD)
Membership.objects.create(user=user, company=company, role="admin")
DunningStep.objects.create(
    plan=plan_default_ensure(company=company),
    company=company, order=1, name="Mise en demeure", trigger="after_due_date",
    days=10, subject="Mise en demeure", body="Bonjour", channel="letter")
customer = Customer.objects.create(
    company=company, code="411LEROY", name="Garage Leroy", email="",
    address_line1="4 rue Sala", postal_code="69002", city="Lyon")
due = today - timedelta(days=40)
for n in range(1, 41):  # enough invoices for the letter to take two pages
    Invoice.objects.create(
        company=company, customer=customer, number=f"FL-{n:03d}",
        issue_date=due - timedelta(days=30), due_date=due,
        total=100 + n, amount_due=100 + n)
invoices_refresh(company=company, today=today)
created = reminders_create(plan=reminder_plan(company=company, today=today))
reminders_deliver(
    reminder_ids=[r.pk for r in created.reminders], now=datetime.now(UTC))
from relance.dunning.models import Letter
print(json.dumps({"letters": list(
    Letter.objects.filter(company=company).values_list("pk", flat=True))}))
"""


@pytest.fixture(scope="module")
def letter(app):
    facts = app["instance"].python(
        f"PASSWORD = {PASSWORD!r}\nEMAIL = {EMAIL!r}\n{DATA}"
    )
    [pk] = facts["letters"]
    return pk


def test_a_letter_is_recorded_as_sent_then_received(page, app, letter):
    base = app["url"]
    sign_in(page, base, email=EMAIL)
    page.get_by_role("link", name="Courriers à envoyer").click()
    row = page.locator(f"#letter-{letter}")
    expect(row).to_contain_text("Garage Leroy")
    expect(row).to_contain_text("À envoyer")

    row.get_by_label("N° de recommandé").fill("1A 123 456 7890 1")
    row.get_by_role("button", name="Envoyé en recommandé").click()

    expect(page.locator("body")).to_contain_text(
        "Courrier à Garage Leroy : envoyé en recommandé n° 1A12345678901."
    )
    expect(page.locator(f"#letter-{letter}")).to_have_count(0)  # no longer waiting
    page.get_by_role("link", name="Envoyé en recommandé").click()
    row = page.locator(f"#letter-{letter}")
    expect(row).to_contain_text("Recommandé n° 1A12345678901")
    row.get_by_role("button", name="Enregistrer l'avis de réception").click()
    expect(page.locator("body")).to_contain_text(
        "Courrier à Garage Leroy : avis de réception enregistré."
    )
    page.get_by_role("link", name="Avis de réception reçu").click()
    expect(page.locator(f"#letter-{letter}")).to_contain_text("Avis de réception du")


def test_each_page_of_a_letter_renders_as_a_full_page_image(
    page, app, letter, tmp_path
):
    base = app["url"]
    sign_in(page, base, email=EMAIL)
    response = page.request.get(f"{base}/courriers/{letter}/pdf/")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(response.body())
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == 2  # 40 invoices: the letter goes on to a second page
    tags = "".join(
        f'<img alt="page {n}" src="data:image/png;base64,'
        f'{base64.b64encode(path.read_bytes()).decode()}">'
        for n, path in enumerate(images, 1)
    )
    page.set_content(f"<!DOCTYPE html><body style='background:#888'>{tags}</body>")

    sizes = page.eval_on_selector_all(
        "img", "imgs => imgs.map(i => [i.complete, i.naturalWidth, i.naturalHeight])"
    )
    for complete, width, height in sizes:
        assert complete and width > 0
        assert abs(height / width - 297 / 210) < 0.01  # A4
    for n in range(1, len(images) + 1):
        shot = Image.open(BytesIO(page.locator(f'img[alt="page {n}"]').screenshot()))
        dark = sum(shot.convert("L").histogram()[:128])  # pixels darker than grey
        assert dark > 500, f"page {n} shows no text"
