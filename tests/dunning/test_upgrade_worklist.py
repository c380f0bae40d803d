"""Issue 19 §3 on an installed database: existing steps keep their channel
(email, letter, both), customers have no owner, and there are no tasks."""

import pytest

from tests.migrations import leaves, leaves_but, migrate


@pytest.mark.django_db(transaction=True)
def test_existing_steps_and_customers_keep_what_they_had():
    before = {
        "invoices": "0012_customer_email_invalid",
        "dunning": "0011_inbound_messages",
    }
    # The bank needs the latest invoices: unapplied with them.
    old = migrate(leaves_but(before))
    Company = old.get_model("core", "Company")
    Customer = old.get_model("invoices", "Customer")
    DunningStep = old.get_model("dunning", "DunningStep")
    company = Company.objects.create(name="Bâtiments Durand")
    for order, channel in enumerate(("email", "letter", "both"), 1):
        DunningStep.objects.create(
            company=company,
            order=order,
            name=f"Étape {order}",
            days=10,
            channel=channel,
        )
    Customer.objects.create(company=company, code="411A", name="A", phone="0102")

    new = migrate(leaves())
    DunningStep = new.get_model("dunning", "DunningStep")
    Customer = new.get_model("invoices", "Customer")
    Task = new.get_model("dunning", "Task")
    assert list(
        DunningStep.objects.order_by("order").values_list("name", "channel")
    ) == [("Étape 1", "email"), ("Étape 2", "letter"), ("Étape 3", "both")]
    assert list(Customer.objects.values_list("code", "phone", "owner")) == [
        ("411A", "0102", None)
    ]
    assert Task.objects.count() == 0
