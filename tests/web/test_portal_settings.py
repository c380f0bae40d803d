"""The company's side of the customer's page: the links' lifetime, the
customer page's « Révoquer les liens », the link as previews show it."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.test import Client

from relance.dunning.messages import preview
from relance.dunning.models import DunningStep
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_portal_link,
    make_steps,
    make_user,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SETTINGS = {
    "name": "Durand BTP",
    "time_zone": "Europe/Paris",
    "language": "fr",
    "min_gap_days": "5",
    "daily_run_at": "06:00",
    "grouping": "step",
    "penalty_day_basis": 365,
    "sender_email": "relances@durand-btp.fr",
}


@pytest.fixture
def company():
    return make_company()


@pytest.fixture
def admin_client(company):
    admin = make_user(company)
    admin.memberships.update(role="admin")
    client = Client()
    client.force_login(admin)
    return client


def test_the_links_lifetime_is_a_company_setting_of_1_to_366_days(
    company, admin_client
):
    response = admin_client.post(
        "/configuration/societe/", {**SETTINGS, "portal_link_days": "45"}
    )
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.portal_link_days == 45
    page = admin_client.post(
        "/configuration/societe/", {**SETTINGS, "portal_link_days": "400"}
    ).content.decode()
    assert "Assurez-vous que cette valeur est inférieure ou égale à 366." in page
    # Left out (an older page, a script): kept as it is.
    admin_client.post("/configuration/societe/", SETTINGS)
    company.refresh_from_db()
    assert company.portal_link_days == 45


@time_machine.travel(NOW, tick=False)
def test_the_customer_page_counts_the_live_links_and_offers_to_revoke_them(
    company, admin_client
):
    customer = make_customer(company)
    page = admin_client.get(f"/clients/{customer.pk}/").content.decode()
    assert "Aucun lien privé en cours de validité." in page
    assert "Révoquer les liens" not in page
    make_portal_link(customer, now=NOW)
    make_portal_link(customer, now=NOW)
    page = admin_client.get(f"/clients/{customer.pk}/").content.decode()
    assert "2 liens privés en cours de validité (envoyés dans les relances)." in page
    assert f'action="/clients/{customer.pk}/espace-client/revoquer/"' in page
    response = admin_client.post(
        f"/clients/{customer.pk}/espace-client/revoquer/", follow=True
    )
    assert "2 liens vers l&#x27;espace client révoqués." in response.content.decode()
    assert "Aucun lien privé en cours de validité." in response.content.decode()


def test_revoking_needs_a_post(company, admin_client):
    customer = make_customer(company)
    response = admin_client.get(f"/clients/{customer.pk}/espace-client/revoquer/")
    assert response.status_code == 405


def test_a_preview_shows_the_link_without_any_token(company, settings):
    settings.RELANCE_BASE_URL = "https://relance.example"
    [step] = make_steps(
        company,
        plan=[("Relance 1", "after_due_date", 3)],
        body="Votre espace : {{ portal_url }}",
    )
    invoice = make_invoice(make_customer(company), due_date=date(2026, 1, 31))
    shown = preview(
        step=DunningStep.objects.get(pk=step.pk),
        invoices=[invoice],
        today=date(2026, 3, 2),
    )
    assert shown.text == "Votre espace : https://relance.example/p/…/\n"
