"""The web pages through Django's test client: access, scoping, forms, counts."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from relance.core.models import Invitation, Membership
from relance.dunning.models import DunningStep, Reminder
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Invoice, Payment
from tests.dunning.test_models import remind
from tests.factories import (
    make_company,
    make_customer,
    make_invoice,
    make_steps,
    make_user,
)
from tests.web.test_portal_settings import SETTINGS

pytestmark = pytest.mark.django_db


@pytest.fixture
def company():
    company = make_company(name="Bâtiments Durand")
    make_steps(company)
    return company


@pytest.fixture
def admin(company):
    user = make_user(company, email="marie@durand.example", password="secret-de-marie")
    Membership.objects.filter(user=user).update(role="admin")
    return user


@pytest.fixture
def signed_in(admin):
    client = Client()
    client.force_login(admin)
    return client


def test_every_page_needs_a_login(client, company):
    invoice = make_invoice(make_customer(company))
    for url in [
        "/",
        "/factures/",
        f"/factures/{invoice.pk}/",
        "/clients/",
        "/relances/",
        "/configuration/etapes/",
        "/configuration/societe/",
        "/factures/export.csv",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/connexion/?next="), url


def test_signing_in_with_email_and_password(client, admin):
    page = client.get("/connexion/")
    assert "Adresse e-mail" in page.content.decode()
    wrong = client.post(
        "/connexion/", {"username": "marie@durand.example", "password": "non"}
    )
    assert wrong.status_code == 200
    assert (
        "Adresse e-mail ou mot de passe incorrect. Les majuscules comptent dans le "
        "mot de passe." in wrong.content.decode()
    )
    assert "un adresse" not in wrong.content.decode()
    right = client.post(
        "/connexion/",
        {"username": "MARIE@durand.example", "password": "secret-de-marie"},
    )
    assert right.status_code == 302 and right["Location"] == "/"


def test_another_companys_rows_are_not_found(signed_in, company):
    other = make_company(name="Concurrent")
    make_steps(other)
    invoice = make_invoice(make_customer(other))
    customer = invoice.customer
    reminder = remind(
        invoice, DunningStep.objects.filter(company=other).first(), 1
    ).reminder
    step = DunningStep.objects.filter(company=other).first()
    for url in [
        f"/factures/{invoice.pk}/",
        f"/clients/{customer.pk}/",
        f"/relances/{reminder.pk}/",
        f"/configuration/etapes/{step.pk}/",
        f"/factures/{invoice.pk}/reglement/",
    ]:
        assert signed_in.get(url).status_code == 404, url
    # Nor can it be reminded, paid or paused.
    summary = signed_in.post("/relances/resume/", {"invoice": invoice.pk})
    assert "Facture introuvable." in summary.content.decode()
    assert signed_in.post(f"/factures/{invoice.pk}/pause/", {}).status_code == 404


def test_a_user_switches_only_between_their_own_companies(signed_in, admin, company):
    second = make_company(name="Menuiserie Riou")
    Membership.objects.create(user=admin, company=second)
    stranger = make_company(name="Inconnue")
    assert signed_in.post("/societe/", {"company": stranger.pk}).status_code == 400
    assert signed_in.post("/societe/", {"company": second.pk}).status_code == 302
    assert "Menuiserie Riou" in signed_in.get("/").content.decode()


def test_configuration_is_for_administrators(company):
    member = make_user(company)
    client = Client()
    client.force_login(member)
    assert client.get("/factures/").status_code == 200
    for url in [
        "/configuration/etapes/",
        "/configuration/societe/",
        "/configuration/utilisateurs/",
    ]:
        assert client.get(url).status_code == 403, url


def test_forms_need_their_csrf_token(admin, company):
    invoice = make_invoice(make_customer(company))
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    response = client.post(f"/factures/{invoice.pk}/reglement/", {"amount": "10"})
    assert response.status_code == 403


def test_the_list_filters_to_remind_and_shows_the_dunning_state(signed_in, company):
    customer = make_customer(company, name="HERBLY Francis")
    make_invoice(customer, number="FC22120054", due_date=date(2026, 1, 31))
    make_invoice(customer, number="FC-LATER", due_date=date(2099, 1, 31))
    invoices_refresh(company=company, today=date(2026, 11, 28))
    html = signed_in.get("/factures/?filter=to_remind").content.decode()
    assert "FC22120054" in html and "FC-LATER" not in html
    assert "Relance 1 · À faire" in html
    assert 'aria-label="Retirer le filtre À relancer"' in html
    assert "1-1 / 1" in html
    everything = signed_in.get("/factures/?q=herbly").content.decode()
    assert "FC22120054" in everything and "FC-LATER" in everything


def test_the_list_costs_the_same_queries_for_5_or_60_invoices(signed_in, company):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert (
                signed_in.get("/factures/?filter=open&sort=-due_date").status_code
                == 200
            )
        return len(captured)

    customer = make_customer(company)
    for n in range(5):
        make_invoice(customer, number=f"A{n}", paused_until=date(2099, 1, 1))
    few = queries()
    for n in range(55):
        make_invoice(make_customer(company), number=f"B{n}")
    assert queries() == few


def test_the_list_pages_and_caps_its_count(signed_in, company, monkeypatch):
    from relance.web.views import invoices as view

    monkeypatch.setattr(view, "PER_PAGE", 2)
    customer = make_customer(company)
    for n in range(5):
        make_invoice(customer, number=f"FC{n}")
    page = signed_in.get("/factures/?sort=number&page=2").content.decode()
    assert "3-4 / 5" in page
    assert "FC2" in page and "FC0" not in page


def test_the_summary_counts_what_goes_out_and_lists_errors(signed_in, company):
    ok = make_customer(company, name="Client OK", email="ok@client.example")
    first = make_invoice(ok, number="FC1")
    second = make_invoice(
        make_customer(company, name="Autre", email="autre@c.example"), number="FC2"
    )
    missing = make_invoice(
        make_customer(company, name="Ferme du Vieux Chêne", email=""), number="FC3"
    )
    html = signed_in.post(
        "/relances/resume/", {"invoice": [first.pk, second.pk, missing.pk]}
    ).content.decode()
    assert 'data-testid="to-send">2<' in html
    assert 'data-testid="errors">1<' in html
    assert "Clients sans adresse e-mail" in html
    assert "Ajoutez un courriel de relance au client." in html
    assert "Aucune adresse e-mail pour le client Ferme du Vieux Chêne." in html
    assert "vous ne pourrez pas le relire ni le modifier" in html
    assert "Envoyer les relances" in html
    # Said in the user's words: no folder, no variable name.
    assert "Aucun serveur de courriel n'est configuré" in html
    assert "outbox" not in html and "EMAIL_URL" not in html


def test_select_all_takes_every_invoice_matching_the_filters(signed_in, company):
    for n in range(3):
        make_invoice(make_customer(company), number=f"FC{n}")
    make_invoice(make_customer(company), number="OTHER", status="draft")
    html = signed_in.post(
        "/relances/resume/", {"all": "1", "filter": "open"}
    ).content.decode()
    assert 'data-testid="to-send">3<' in html


def test_sending_from_the_window_reaches_the_smtp_server(
    signed_in, company, smtp_server, django_capture_on_commit_callbacks
):
    invoice = make_invoice(
        make_customer(company, email="c@client.example"), number="FC1"
    )
    with django_capture_on_commit_callbacks(execute=True):
        queued = signed_in.post("/relances/envoyer/", {"invoice": invoice.pk})
    assert "Envoi des relances…" in queued.content.decode()  # answered at once
    run = Reminder.objects.get().run_id
    response = signed_in.get(f"/relances/envois/{run}/")
    html = response.content.decode()
    assert 'data-testid="sent">1<' in html
    assert json.loads(response["HX-Trigger"]) == {
        "toast": {"message": "1 relance envoyée", "level": "success"}
    }
    assert [r.recipients for r in smtp_server.received] == [["c@client.example"]]
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1


def test_relancer_one_invoice_may_go_before_its_date(signed_in, company):
    invoice = make_invoice(make_customer(company), due_date=date(2099, 1, 1))
    bulk = signed_in.post("/relances/resume/", {"invoice": invoice.pk}).content.decode()
    assert "Pas encore à relancer" in bulk
    manual = signed_in.post(
        "/relances/resume/", {"invoice": invoice.pk, "manual": "1"}
    ).content.decode()
    assert 'data-testid="to-send">1<' in manual


def test_a_payment_is_registered_and_an_overpayment_refused_next_to_its_field(
    signed_in, company
):
    invoice = make_invoice(make_customer(company), total=Decimal("1000.00"))
    url = f"/factures/{invoice.pk}/reglement/"
    form = signed_in.get(url).content.decode()
    assert 'value="1000,00"' in form
    refused = signed_in.post(
        url, {"date": "2026-03-02", "amount": "1 500,00", "method": "transfer"}
    ).content.decode()
    assert "dépasse le reste dû de la facture" in refused
    assert 'id="id_amount_error"' in refused
    assert not Payment.objects.exists()
    done = signed_in.post(
        url, {"date": "2026-03-02", "amount": "1 000,00", "method": "cheque"}
    )
    assert done.status_code == 204 and done["HX-Refresh"] == "true"
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == ("paid", Decimal("0.00"))


def test_a_dispute_is_set_and_lifted_from_the_invoice(signed_in, company):
    invoice = make_invoice(make_customer(company))
    url = f"/factures/{invoice.pk}/pause/"
    until = (date.today() + timedelta(days=20)).isoformat()
    refused = signed_in.post(
        url, {"pause_kind": "dispute", "paused_until": until, "pause_reason": ""}
    )
    assert refused.status_code == 400
    assert "Indiquez le motif du litige." in refused.content.decode()
    signed_in.post(
        url,
        {
            "pause_kind": "dispute",
            "paused_until": until,
            "pause_reason": "Joints à reprendre",
        },
    )
    invoice.refresh_from_db()
    assert (invoice.pause_kind, invoice.pause_reason) == (
        "dispute",
        "Joints à reprendre",
    )
    page = signed_in.get(f"/factures/{invoice.pk}/").content.decode()
    assert "Joints à reprendre" in page and "Lever la pause" in page
    signed_in.post(url, {"action": "lift"})
    invoice.refresh_from_db()
    assert invoice.paused_until is None


def test_a_template_with_an_unknown_variable_is_refused_next_to_its_field(
    signed_in, company
):
    step = DunningStep.objects.filter(company=company).first()
    response = signed_in.post(
        f"/configuration/etapes/{step.pk}/",
        {
            "name": "Relance 1",
            "trigger": "after_due_date",
            "days": "3",
            "subject": "Rappel",
            "body": "Bonjour {{ client.nom }}",
            "active": "on",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_body_error"' in html
    assert "Corps du courriel — Ligne 1 : variable inconnue « client »" in html
    # Said once, next to its field: the preview waits for the next keystroke
    # instead of repeating it on load.
    assert 'hx-trigger="input delay:600ms from:#id_subject' in html
    step.refresh_from_db()
    assert "client.nom" not in step.body


def test_the_live_preview_renders_the_template_on_an_invoice(signed_in, company):
    invoice = make_invoice(
        make_customer(company, name="HERBLY Francis"), number="FC22120054"
    )
    html = signed_in.post(
        "/configuration/etapes/apercu/",
        {
            "subject": "Facture {{ invoice.number }}",
            "body": "Bonjour {{ customer.name }}",
            "invoice": invoice.pk,
        },
    ).content.decode()
    assert "Facture FC22120054" in html and "Bonjour HERBLY Francis" in html
    broken = signed_in.post(
        "/configuration/etapes/apercu/",
        {"subject": "x", "body": "{{ nope }}", "invoice": invoice.pk},
    ).content.decode()
    assert "variable inconnue « nope »" in broken


def test_steps_are_reordered_and_archived(signed_in, company):
    steps = list(DunningStep.objects.filter(company=company).order_by("order"))
    signed_in.post(f"/configuration/etapes/{steps[1].pk}/action/", {"action": "up"})
    names = list(
        DunningStep.objects.filter(company=company)
        .order_by("order")
        .values_list("name", flat=True)
    )
    assert names[:2] == ["Relance 2", "Relance 1"]
    signed_in.post(
        f"/configuration/etapes/{steps[3].pk}/action/", {"action": "archive"}
    )
    assert not DunningStep.objects.get(pk=steps[3].pk).active


def test_company_settings_refuse_a_wrong_iban_next_to_it(signed_in, company):
    data = {
        "name": "Bâtiments Durand",
        "iban": "FR76 0000",
        "time_zone": "Europe/Paris",
        "language": "fr",
        "min_gap_days": "5",
        "daily_run_at": "06:00",
        "grouping": "step",
        "penalty_day_basis": 365,
        "sender_email": "relances@durand.example",
    }
    html = signed_in.post("/configuration/societe/", data).content.decode()
    assert "IBAN invalide." in html
    data["iban"] = "FR76 3000 6000 0112 3456 7890 189"
    assert signed_in.post("/configuration/societe/", data).status_code == 302
    company.refresh_from_db()
    assert company.iban == "FR7630006000011234567890189"


def test_company_settings_save_the_bank_statements_age_limit(signed_in, company):
    # Shown on the page since the bank statements came, but left out of what
    # was saved until the form and the service shared their list of fields.
    data = {**SETTINGS, "bank_max_age_days": "7"}
    assert signed_in.post("/configuration/societe/", data).status_code == 302
    company.refresh_from_db()
    assert company.bank_max_age_days == 7
    html = signed_in.get("/configuration/societe/").content.decode()
    assert 'name="bank_max_age_days" value="7"' in html


def test_an_administrator_invites_by_email_and_sees_the_invitation_pending(
    signed_in, company, settings
):
    response = signed_in.post(
        "/configuration/utilisateurs/",
        {"email": "paul@durand.example", "role": "member"},
        follow=True,
    )
    page = response.content.decode()
    assert "Invitation envoyée à paul@durand.example." in page
    assert "<tr><td>paul@durand.example</td><td>Membre</td>" in page
    assert not Membership.objects.filter(user__email="paul@durand.example").exists()
    [eml] = (settings.DATA_DIR / "outbox").glob("*.eml")
    assert "To: paul@durand.example" in eml.read_text()


def test_inviting_needs_the_companys_sender_address(signed_in, company):
    company.sender_email = ""
    company.save()
    page = signed_in.post(
        "/configuration/utilisateurs/",
        {"email": "paul@durand.example", "role": "member"},
    ).content.decode()
    assert (
        "Renseignez d&#x27;abord l&#x27;adresse d&#x27;expédition de la société "
        "(Configuration › Société) : l&#x27;invitation part de cette adresse."
    ) in page
    assert not Invitation.objects.exists()


def test_an_administrator_cannot_invite_a_member_again(signed_in, company, admin):
    page = signed_in.post(
        "/configuration/utilisateurs/",
        {"email": "MARIE@durand.example", "role": "member"},
    ).content.decode()
    assert "marie@durand.example a déjà accès à cette société." in page
    assert not Invitation.objects.exists()


def test_an_uncertain_reminder_can_be_confirmed(signed_in, company):
    invoice = make_invoice(make_customer(company))
    line = remind(
        invoice, DunningStep.objects.filter(company=company).first(), 1, "uncertain"
    )
    page = signed_in.get(f"/relances/{line.reminder.pk}/").content.decode()
    assert "Envoi incertain." in page and "Renvoyer" in page
    signed_in.post(f"/relances/{line.reminder.pk}/action/", {"action": "confirm"})
    invoice.refresh_from_db()
    assert invoice.dunning_level == 1
    assert Reminder.objects.get().status == "sent"


def test_the_dashboard_warns_about_failures(signed_in, company):
    invoice = make_invoice(make_customer(company))
    remind(invoice, DunningStep.objects.filter(company=company).first(), 1, "failed")
    html = signed_in.get("/").content.decode()
    assert "1 relance n'est pas partie ou son envoi est incertain." in html


def test_the_export_is_a_french_csv_of_the_filtered_list(signed_in, company):
    make_invoice(
        make_customer(company, name="HERBLY Francis"),
        number="FC1",
        total=Decimal("1234.5"),
    )
    response = signed_in.get("/factures/export.csv?filter=open")
    body = b"".join(response.streaming_content).decode("utf-8")
    lines = body.splitlines()
    assert lines[0].startswith("\ufeffNuméro;Code client;Client;")
    assert ";HERBLY Francis;01/01/2026;31/01/2026;" in lines[1]
    assert ";1234,50;1234,50;EUR;Ouverte;" in lines[1]
    assert Invoice.objects.count() == 1


def test_a_pending_reminder_says_its_message_is_written_when_it_leaves(
    signed_in, company
):
    invoice = make_invoice(make_customer(company))
    line = remind(
        invoice, DunningStep.objects.filter(company=company).first(), 1, "pending"
    )
    page = signed_in.get(f"/relances/{line.reminder.pk}/").content.decode()
    assert "Le message sera rédigé au moment de l'envoi" in page
    assert "Message-ID" not in page


def test_exporting_a_selection_exports_those_rows_and_keeps_the_token_out_of_the_url(
    signed_in, company
):
    """Issue 12 §7: the selection bar's export posts the form (its CSRF token
    in the body, not in the address) and exports the ticked invoices only."""
    customer = make_customer(company)
    picked = [make_invoice(customer, number=f"SEL-{n}") for n in range(2)]
    make_invoice(customer, number="NOT-PICKED")
    html = signed_in.get("/factures/").content.decode()
    assert 'formmethod="get"' not in html
    response = signed_in.post(
        "/factures/export.csv", {"invoice": [str(i.pk) for i in picked]}
    )
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    numbers = [line.split(";")[0] for line in text.splitlines()[1:]]
    assert sorted(numbers) == ["SEL-0", "SEL-1"]


def test_the_icon_is_found_from_every_page(client, signed_in):
    """Issue 12 §7: /favicon.ico was a 404 on every page."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("/web/favicon.svg")
    page = signed_in.get("/factures/").content.decode()
    assert '<link rel="icon" href="/static/web/favicon.svg"' in page


def test_an_invoice_not_yet_due_is_announced_and_worded_as_a_coming_due_date(
    signed_in, company, settings
):
    """Issue 12 §2: « Relancer » on an invoice due on 23/12/2099 said « n'a pas
    encore été réglée … échue le 23/12/2099 »."""
    from relance.dunning import defaults
    from relance.dunning.messages import preview

    DunningStep.objects.filter(company=company, order=1).update(
        subject=defaults.FIRST["subject"], body=defaults.FIRST["body"]
    )
    invoice = make_invoice(
        make_customer(company), number="FC-SOON", due_date=date(2099, 12, 23)
    )
    page = signed_in.post(
        "/relances/resume/", {"invoice": invoice.pk, "manual": "1"}
    ).content.decode()
    assert 'data-testid="to-send">1<' in page
    assert "1 facture pas encore échue :" in page
    assert "FC-SOON</a> — Pas encore échue — échéance le 23/12/2099." in page
    step = DunningStep.objects.get(company=company, order=1)
    text = preview(step=step, invoices=[invoice], today=date(2026, 12, 2)).text
    assert "Nous nous permettons de vous rappeler l'échéance prochaine" in text
    assert "à échéance du 23/12/2099" in text
    assert "échue le" not in text and "n'a pas encore été réglée" not in text
    assert "simple oubli" not in text


def test_paid_invoices_in_a_selection_are_left_out_not_errors(signed_in, company):
    """Issue 12 §6: « Tout sélectionner » showed « 185 erreurs trouvées » in red
    for paid or cancelled invoices; errors are what the user can fix."""
    customer = make_customer(company)
    due = make_invoice(customer, number="DUE")
    paid = make_invoice(customer, number="PAID", status="paid", amount_due=0)
    cancelled = make_invoice(customer, number="VOID", status="cancelled")
    nobody = make_invoice(make_customer(company, email=""), number="NOBODY")
    html = signed_in.post(
        "/relances/resume/",
        {"invoice": [due.pk, paid.pk, cancelled.pk, nobody.pk]},
    ).content.decode()
    assert 'data-testid="to-send">1<' in html
    assert 'data-testid="errors">1<' in html
    assert 'data-testid="left-out">2<' in html
    assert "</div>factures laissées de côté</div>" in html
    # The error to fix comes first, open; what is left out is told, closed.
    first = html.index("Clients sans adresse e-mail")
    assert first < html.index("Factures non ouvertes")


def test_the_steps_list_reads_subjects_on_one_of_the_companys_invoices(
    signed_in, company
):
    """Issue 12 §7: it showed a sample invoice number the company does not have."""
    DunningStep.objects.filter(company=company).update(
        subject="Facture {{ invoice.number }} à régler"
    )
    make_invoice(make_customer(company), number="FC-REAL-1")
    html = signed_in.get("/configuration/etapes/").content.decode()
    assert "Facture FC-REAL-1 à régler" in html
    assert "FC22120054" not in html
    assert "Objets tels qu'ils se liraient pour la facture FC-REAL-1." in html


def test_a_new_step_starts_from_the_default_template_of_its_place(signed_in, company):
    """Issue 12 §7: the new-step form started empty."""
    from html import unescape

    from relance.dunning import defaults

    DunningStep.objects.filter(company=company, order__gt=1).delete()
    html = unescape(signed_in.get("/configuration/etapes/nouvelle/").content.decode())
    assert defaults.SECOND["subject"] in html  # the 2nd step's, as it comes 2nd
    assert 'value="after_previous_reminder" selected' in html


def test_a_payment_is_cancelled_from_the_invoice_page(signed_in, company):
    from relance.invoices.models import Payment
    from tests.factories import pay

    invoice = make_invoice(make_customer(company), total=Decimal("300.00"))
    payment = pay(invoice, on=date(2026, 3, 2), amount="300")
    page = signed_in.get(f"/factures/{invoice.pk}/").content.decode()
    assert "Annuler ce règlement" in page
    response = signed_in.post(
        f"/factures/{invoice.pk}/reglements/{payment.pk}/annuler/",
        {"reason": "Chèque impayé"},
        follow=True,
    )
    html = response.content.decode()
    assert "Règlement de 300,00\u00a0€ annulé : il est de nouveau dû." in html
    assert 'data-testid="payment-cancelled"' in html
    assert "Chèque impayé" in html
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due) == ("open", Decimal("300.00"))
    assert Payment.objects.get().cancel_reason == "Chèque impayé"
