"""Small builders for test data: every argument has a sensible default."""

from datetime import date
from decimal import Decimal
from itertools import count

from relance.core.models import Company, Membership, User
from relance.dunning.models import DunningStep
from relance.invoices.models import Customer, Invoice

_seq = count(1)

DEFAULT_PLAN = [
    ("Relance 1", "after_due_date", 3),
    ("Relance 2", "after_previous_reminder", 15),
    ("Relance 3", "after_previous_reminder", 15),
    ("Mise en demeure", "after_previous_reminder", 10),
]


def make_company(**fields) -> Company:
    fields.setdefault("name", f"Société {next(_seq)}")
    fields.setdefault("sender_email", "relances@durand.example")
    fields.setdefault("reply_to_email", "compta@durand.example")
    # The tests that are not about the sending calendar send at any hour;
    # those about it ask for it (tests/dunning/test_calendar_sending.py).
    fields.setdefault("send_calendar", False)
    return Company.objects.create(**fields)


def make_user(company: Company | None = None, **fields) -> User:
    fields.setdefault("email", f"user{next(_seq)}@durand.example")
    password = fields.pop("password", "motdepasse-de-test")
    user = User.objects.create_user(password=password, **fields)
    if company:
        Membership.objects.create(user=user, company=company)
    return user


def make_customer(company: Company, **fields) -> Customer:
    n = next(_seq)
    fields.setdefault("code", f"411C{n:05d}")
    fields.setdefault("name", f"Client {n}")
    fields.setdefault("email", f"client{n}@client.example")
    return Customer.objects.create(company=company, **fields)


def make_invoice(customer: Customer, **fields) -> Invoice:
    fields.setdefault("number", f"FC{next(_seq):08d}")
    fields.setdefault("issue_date", date(2026, 1, 1))
    fields.setdefault("due_date", date(2026, 1, 31))
    total = Decimal(fields.setdefault("total", Decimal("1200.00")))
    fields.setdefault("amount_due", total)
    return Invoice.objects.create(
        company_id=customer.company_id, customer=customer, **fields
    )


def make_credit_note(customer: Customer, **fields) -> Invoice:
    """A credit note (« avoir »): nothing due, its whole amount to allocate."""
    fields.setdefault("number", f"AV{next(_seq):08d}")
    fields.setdefault("issue_date", date(2026, 2, 1))
    fields.setdefault("due_date", fields["issue_date"])
    total = Decimal(fields.setdefault("total", Decimal("200.00")))
    fields.setdefault("credit_left", total)
    return make_invoice(
        customer, kind=Invoice.Kind.CREDIT_NOTE, amount_due=Decimal("0.00"), **fields
    )


def make_portal_link(customer: Customer, *, now, token: str | None = None) -> str:
    """A live private link of the customer (as a reminder would make it); its
    token, which only the message would hold."""
    from relance.dunning.services.portal_links import (
        portal_digest,
        portal_link_create,
        portal_token_new,
    )

    token = token or portal_token_new()
    portal_link_create(
        company=customer.company,
        customer=customer,
        digest=portal_digest(token),
        now=now,
    )
    return token


def make_pdf(title: str = "Facture") -> bytes:
    """A small real PDF (one blank A4 page), its title in its metadata."""
    from io import BytesIO

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def make_steps(
    company: Company, plan=DEFAULT_PLAN, *, dunning_plan=None, **fields
) -> list[DunningStep]:
    """Steps in `dunning_plan` (the company's default plan when None)."""
    from relance.dunning.services.plans import plan_default_ensure

    dunning_plan = dunning_plan or plan_default_ensure(company=company)
    return [
        DunningStep.objects.create(
            company=company,
            plan=dunning_plan,
            order=order,
            name=name,
            trigger=trigger,
            days=days,
            subject=fields.get("subject", "Relance {{ invoice.number }}"),
            body=fields.get(
                "body", "Bonjour {{ customer.name }}, {{ total_due }} restent dus."
            ),
        )
        for order, (name, trigger, days) in enumerate(plan, start=1)
    ]


def pay(invoice: Invoice, *, on: date, amount, **fields):
    """A payment on `invoice`, recorded the one way payments are (its dunning
    state brought up to date on the payment's date)."""
    from relance.dunning.services.payments import payments_record
    from relance.invoices.services import NewPayment

    [payment] = payments_record(
        company=invoice.company,
        payments=[NewPayment(invoice=invoice, on=on, amount=Decimal(amount), **fields)],
        today=on,
    )
    return payment


def sign_in_attempt(client, email: str, password: str, *, address="203.0.113.7"):
    """One post of the sign-in form, from a given address."""
    return client.post(
        "/connexion/",
        {"username": email, "password": password},
        REMOTE_ADDR=address,
    )


# Letters (issue 14 §4): a formal notice sent by post, made on LETTER_ON.
LETTER_ON = date(2025, 7, 15)


def remind(company: Company, today: date):
    """Tag, plan and deliver the company's reminders of `today` (at 09:00
    UTC): the plan and what was delivered."""
    from datetime import UTC, datetime

    from relance.dunning.planning import reminder_plan
    from relance.dunning.services.delivery import reminders_deliver
    from relance.dunning.services.reminders import reminders_create
    from relance.dunning.services.state import invoices_refresh

    invoices_refresh(company=company, today=today)
    plan = reminder_plan(company=company, today=today)
    created = reminders_create(plan=plan)
    return plan, reminders_deliver(
        reminder_ids=[r.pk for r in created.reminders],
        now=datetime.combine(today, datetime.min.time(), tzinfo=UTC).replace(hour=9),
        today=today,
    )


def company_with_letter_step(channel=DunningStep.Channel.LETTER, **fields) -> Company:
    """« Bâtiments Durand » (address, signatory, IBAN) with one step,
    « Mise en demeure », 10 days after the due date, sent by `channel`."""
    company = make_company(
        name="Bâtiments Durand",
        address_line1="3 rue des Lilas",
        postal_code="69003",
        city="Lyon",
        letter_signatory="Marie Durand, gérante",
        iban="FR7630006000011234567890189",
        **fields,
    )
    [step] = make_steps(company, [("Mise en demeure", "after_due_date", 10)])
    step.channel = channel
    step.save()
    return company


def customer_of(company: Company, kind=Customer.Kind.BUSINESS, **fields) -> Customer:
    """« Garage Dupuis » (411DUPUIS) with a postal address, a business."""
    fields.setdefault("address_line1", "12 avenue Foch")
    fields.setdefault("postal_code", "42000")
    fields.setdefault("city", "Saint-Étienne")
    fields.setdefault("code", "411DUPUIS")
    fields.setdefault("name", "Garage Dupuis")
    return make_customer(company, kind=kind, **fields)


def late_invoice(customer: Customer, number: str = "FC-1") -> Invoice:
    """10 000 € issued 01/05/2025, due 31/05/2025, 4 000 € paid 15/06/2025."""
    invoice = make_invoice(
        customer,
        number=number,
        issue_date=date(2025, 5, 1),
        due_date=date(2025, 5, 31),
        total=Decimal("10000.00"),
    )
    pay(invoice, on=date(2025, 6, 15), amount="4000.00")
    invoice.refresh_from_db()
    return invoice


def company_with_letter_waiting(**fields) -> Company:
    """A company whose letter step made one letter on LETTER_ON, waiting to
    be sent: Garage Dupuis, FC-1, 6 000 € left (6 156,42 € claimed)."""
    company = company_with_letter_step(**fields)
    late_invoice(customer_of(company))
    remind(company, LETTER_ON)
    return company


def make_due_invoices(
    company: Company, count: int, *, per_customer: int = 1, email: str = "x"
) -> list[Invoice]:
    """`count` invoices 30 days late, due for their first reminder, of
    count / per_customer customers (« Client 00001 »…), written in bulk: for
    summaries of thousands. `email=""` leaves the customers without one."""
    n = next(_seq)
    customers = Customer.objects.bulk_create(
        Customer(
            company=company,
            code=f"411B{n}-{k:05d}",
            name=f"Client {k:05d}",
            email=f"client{k}@b{n}.example" if email else "",
        )
        for k in range(1, count // per_customer + 1)
    )
    return Invoice.objects.bulk_create(
        Invoice(
            company=company,
            customer=customers[k // per_customer],
            number=f"FB{n}-{k:05d}",
            issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 31),
            total=Decimal("100.00"),
            amount_due=Decimal("100.00"),
        )
        for k in range(count)
    )
