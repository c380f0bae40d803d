"""Demo data: a building-trades company in Brittany and its customers.

About 40 customers and 200 invoices over the last six months, at every stage
of the dunning: not yet due, due for each step, already reminded, paid, partly
paid, disputed, promised, a customer under a payment plan, one without email.
Deterministic for a given seed and date. Addresses use the reserved `.example`
domain, so nothing can reach a real mailbox. Every invoice still owed has its
PDF (the one its reminders attach), made from lines of building work whose
total with tax is the invoice's; the paid ones have none, which keeps
`make run`'s first start short (WeasyPrint takes a tenth of a second a page).
"""

import logging
import random
import zlib
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from email.utils import make_msgid
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.db import transaction

from relance.config import env
from relance.core.identifiers import vat_number_from_siren
from relance.core.models import Company, Membership
from relance.core.money import quantize
from relance.core.pdfs import PdfUnavailable
from relance.dunning import rules
from relance.dunning.context import message_context
from relance.dunning.models import (
    CustomerNote,
    PauseRecord,
    Reminder,
    ReminderInvoice,
)
from relance.dunning.selectors import rule_steps, step_list_active
from relance.dunning.services.payments import payments_record
from relance.dunning.services.state import invoices_refresh
from relance.invoices.models import Customer, Invoice, PauseKind, Payment
from relance.invoices.pdf import InvoiceLine, invoice_pdf_render
from relance.invoices.services import NewPayment, customer_code_for
from relance.mailing import templating

logger = logging.getLogger(__name__)

# name | pro (business) or part (consumer) | street | postal code | city |
# email local part, - for none | "relance" when a dedicated dunning address exists
CUSTOMERS = """
HERBLY Francis | part | 3 rue de Paris | 35000 | Rennes | f.herbly
SCI Les Tilleuls | pro | 12 avenue Janvier | 35000 | Rennes | gestion | relance
Boulangerie Martin | pro | 5 place Sainte-Anne | 35000 | Rennes | contact
Garage Dupuis | pro | 48 route de Lorient | 35000 | Rennes | atelier | relance
Hôtel de la Plage | pro | 2 boulevard de la Mer | 35800 | Dinard | direction | relance
Cabinet Lefort Architectes | pro | 9 rue de Brest | 35000 | Rennes | agence
Restaurant Le Goéland | pro | 1 quai Duguay-Trouin | 35400 | Saint-Malo | contact
Menuiserie Riou | pro | ZA de la Janais | 35131 | Chartres-de-Bretagne | riou
Bâti-Ouest SARL | pro | 17 rue de la Motte | 35510 | Cesson-Sévigné | compta | relance
Pharmacie des Lices | pro | 20 place des Lices | 35000 | Rennes | pharmacie
Crêperie Ty Breizh | pro | 7 rue de la Soif | 35000 | Rennes | tybreizh
Agence Immobilière Kervella | pro | 33 rue Jean Jaurès | 29200 | Brest | agence | relance
EHPAD Les Hortensias | pro | 4 allée des Hortensias | 35500 | Vitré | administration | relance
Camping des Dunes | pro | Route des Dunes | 56340 | Carnac | accueil
Mairie de Noyal-Châtillon | pro | Place de la Mairie | 35230 | Noyal-Châtillon | services-techniques | relance
Armor Gestion Syndic | pro | 11 rue Saint-Guillaume | 22000 | Saint-Brieuc | syndic | relance
Transports Le Gall | pro | ZI Sud-Est | 35000 | Rennes | exploitation
Ferme du Vieux Chêne | pro | Lieu-dit Le Vieux Chêne | 35220 | Châteaubourg | -
Librairie La Plume | pro | 8 rue Vasselot | 35000 | Rennes | librairie
Clinique vétérinaire du Parc | pro | 2 rue du Parc | 35300 | Fougères | clinique
Cave Le Tonneau | pro | 14 rue de Dinan | 35000 | Rennes | cave
Salon Élégance | pro | 6 rue Le Bastard | 35000 | Rennes | salon
Auto-école Conduite 35 | pro | 25 boulevard de Verdun | 35000 | Rennes | contact
Fromagerie Lebrun | pro | Halles centrales | 35400 | Saint-Malo | lebrun
Imprimerie Gérard | pro | 3 rue des Imprimeurs | 56000 | Vannes | devis | relance
Cabinet dentaire du Dr Morvan | pro | 10 rue d'Antrain | 35000 | Rennes | cabinet
Brasserie des Halles | pro | 1 place des Halles | 56100 | Lorient | brasserie
Lycée Saint-Joseph | pro | 40 rue de Fougères | 35000 | Rennes | intendance | relance
Métallerie Nédélec | pro | ZA Bellevue | 29200 | Brest | nedelec
Kerhervé Paysage | pro | La Ville Rouault | 22000 | Saint-Brieuc | kerherve
Les Jardins d'Ewen | pro | 18 rue de Nantes | 35000 | Rennes | jardins
Océane Location | pro | Port de plaisance | 35800 | Dinard | location | relance
Atelier Pichon Ébénisterie | pro | 5 chemin du Moulin | 35500 | Vitré | atelier
SAS Breizh Énergie | pro | 60 rue de Lorient | 35000 | Rennes | factures | relance
M. et Mme Le Roux | part | 22 rue des Chardonnerets | 35510 | Cesson-Sévigné | leroux
Mme Sophie Guillou | part | 4 impasse des Lilas | 35830 | Betton | sophie.guillou
M. Yann Tanguy | part | 81 rue de Saint-Malo | 35000 | Rennes | yann.tanguy
Mme Claire Bertrand | part | 2 rue du Stade | 35770 | Vern-sur-Seiche | c.bertrand
M. Julien Moreau | part | 15 avenue de la Gare | 35300 | Fougères | julien.moreau
Mme Anne Quéré | part | 9 rue de Redon | 35000 | Rennes | anne.quere
"""


def _customer_rows() -> list[tuple[str, str, str, str, str, str, bool]]:
    rows = []
    for line in CUSTOMERS.strip().splitlines():
        name, kind, street, postal, city, local, *dedicated = (
            cell.strip() for cell in line.split("|")
        )
        kind = Customer.Kind.BUSINESS if kind == "pro" else Customer.Kind.CONSUMER
        rows.append(
            (
                name,
                kind,
                street,
                postal,
                city,
                "" if local == "-" else local,
                bool(dedicated),
            )
        )
    return rows


TERMS = [
    ("30 jours", 30),
    ("30 jours", 30),
    ("45 jours", 45),
    ("À réception", 0),
    ("30% à la commande, solde à la pose", 30),
]
DISPUTES = [
    "Travaux contestés : reprise des joints demandée",
    "Quantités facturées différentes du bon de livraison",
    "Client conteste le prix de la plus-value",
]


def _slug(name: str) -> str:
    table = str.maketrans("àâäéèêëîïôöùûüçœ'’ ", "aaaeeeeiioouuuco---")
    return "".join(c for c in name.lower().translate(table) if c.isalnum() or c == "-")


def _code(name: str, used: set[str]) -> str:
    code = customer_code_for(name, used)
    used.add(code)
    return code


def _amount(rng: random.Random) -> Decimal:
    value = 10 ** rng.uniform(2, 4.2)  # 100 € to 16 000 €
    return Decimal(f"{value:.2f}")


# What a building company bills: description | unit | unit price range (HT).
WORKS = """
Main-d'œuvre maçonnerie (compagnon) | h | 42 | 55
Main-d'œuvre aide-maçon | h | 32 | 40
Dalle béton armé ép. 12 cm | m² | 58 | 85
Chape ciment ép. 5 cm | m² | 22 | 32
Enduit monocouche de façade | m² | 28 | 42
Reprise de fissures en façade | ml | 35 | 55
Carrelage grès cérame 60×60 fourni posé | m² | 55 | 78
Faïence murale fournie posée | m² | 48 | 65
Cloison en carreaux de plâtre | m² | 38 | 52
Ouverture de mur porteur avec linteau | u | 850 | 1600
Regard de visite béton 40×40 | u | 95 | 160
Tranchée et pose de fourreaux | ml | 18 | 30
"""
RATES = {Customer.Kind.BUSINESS: Decimal("20"), Customer.Kind.CONSUMER: Decimal("10")}


def _works() -> list[tuple[str, str, int, int]]:
    rows = []
    for line in WORKS.strip().splitlines():
        text, unit, low, high = (cell.strip() for cell in line.split("|"))
        rows.append((text, unit, int(low), int(high)))
    return rows


def _lines(number: str, kind: str, ttc: Decimal) -> tuple[Decimal, list[InvoiceLine]]:
    """Lines for an invoice of about `ttc`, and their exact total with tax.

    Drawn from the invoice number (not the demo's dice, so the rest of the
    demo is as before): a few works at whole quantities, then the site
    set-up for what is left. Consumers' renovation work is at 10 % VAT
    (CGI art. 279-0 bis), the rest at 20 %."""
    rng = random.Random(number)
    rate = RATES[kind]
    base = quantize(ttc / (1 + rate / 100))
    lines, left = [], base
    for text, unit, low, high in rng.sample(_works(), rng.randint(1, 4)):
        price = Decimal(rng.randint(low * 100, high * 100)) / 100
        most = int(left * Decimal("0.6") / price)
        if most < 1:
            continue
        quantity = Decimal(rng.randint(1, most))
        lines.append(InvoiceLine(text, quantity, unit, price, rate))
        left -= quantity * price
    lines.append(
        InvoiceLine(
            "Installation de chantier, fournitures et évacuation des gravats",
            Decimal(1),
            "forfait",
            left,
            rate,
        )
    )
    return base + quantize(base * rate / 100), lines


def demo_load(*, company: Company, today: date, seed: int = 2026) -> dict:
    """Fill `company` with demo customers, invoices, payments and reminders."""
    rng = random.Random(seed)
    steps = step_list_active(company=company)
    with transaction.atomic():
        _company_details(company)
        customers = _customers(company)
        invoices, lines = _invoices(company, customers, today, rng)
        history = _history(company, invoices, steps, today, rng)
        # Payments changed the rows: read them again before pausing any.
        invoices = list(
            Invoice.objects.filter(pk__in=[i.pk for i in invoices])
            .select_related("customer")
            .order_by("issue_date", "pk")
        )
        _pdfs(company, [i for i in invoices if i.status == "open"], lines)
        _pauses(company, customers, invoices, today, rng)
        invoices_refresh(company=company, today=today)
    return {
        "customers": len(customers),
        "invoices": len(invoices),
        "reminders": history,
        "pdfs": sum(1 for invoice in invoices if invoice.pdf),
        "owed": sum(1 for invoice in invoices if invoice.status == "open"),
    }


def _company_details(company: Company) -> None:
    if company.sender_email:
        return
    if company.name == env.VARIABLES["RELANCE_COMPANY_NAME"].default:
        company.name = "Bâtiments Durand"
    company.sender_email = "relances@batiments-durand.example"
    company.reply_to_email = "compta@batiments-durand.example"
    company.phone = company.phone or "02 99 12 34 56"
    company.address_line1 = company.address_line1 or "24 rue de la Donelière"
    company.postal_code = company.postal_code or "35000"
    company.city = company.city or "Rennes"
    company.siret = company.siret or "73282932000074"
    company.siren = company.siren or "732829320"
    company.iban = company.iban or "FR7630006000011234567890189"
    company.bic = company.bic or "AGRIFRPP"
    company.save()


def _customers(company: Company) -> list[Customer]:
    used = set(Customer.objects.filter(company=company).values_list("code", flat=True))
    customers = []
    for name, kind, street, postal, city, local, dedicated in _customer_rows():
        domain = f"{_slug(name)}.example"
        email = f"{local}@{domain}" if local else ""
        customers.append(
            Customer.objects.create(
                company=company,
                code="411HERBLYF"
                if name == "HERBLY Francis" and "411HERBLYF" not in used
                else _code(name, used),
                name=name,
                kind=kind,
                email=email,
                dunning_email=f"comptabilite@{domain}" if dedicated and local else "",
                phone=_phone(name),
                address_line1=street,
                postal_code=postal,
                city=city,
            )
        )
    return customers


def _phone(name: str) -> str:
    digits = f"{zlib.crc32(name.encode()) % 10**8:08d}"
    return "06 " + " ".join(digits[i : i + 2] for i in range(0, 8, 2))


def _invoices(company, customers, today, rng) -> tuple[list[Invoice], dict]:
    """The invoices, and the lines of each (by id) for its PDF."""
    start = today - timedelta(days=180)
    dates = sorted(start + timedelta(days=rng.randrange(0, 176)) for _ in range(200))
    sequence: dict[str, int] = {}
    invoices: list[Invoice] = []
    lines_of: dict[int, list[InvoiceLine]] = {}
    for issue in dates:
        # A few customers buy often; consumers rarely.
        customer = rng.choice(customers[:12] * 3 + customers)
        label, term_days = rng.choice(TERMS)
        month = issue.strftime("%y%m")
        sequence[month] = sequence.get(month, 0) + 1
        number = f"FC{month}{sequence[month]:04d}"
        total, lines = _lines(number, customer.kind, _amount(rng))
        invoice = Invoice.objects.create(
            company=company,
            customer=customer,
            number=number,
            issue_date=issue,
            due_date=issue + timedelta(days=term_days),
            total=total,
            amount_due=total,
            payment_terms=label,
        )
        invoices.append(invoice)
        lines_of[invoice.pk] = lines
    return invoices, lines_of


def _pdfs(company, invoices, lines_of) -> None:
    """Each invoice's PDF, or none anywhere when WeasyPrint cannot run."""
    vat_number = vat_number_from_siren(company.siren)
    done = []
    for invoice in invoices:
        number = invoice.number
        try:
            pdf = invoice_pdf_render(
                company=company,
                invoice=invoice,
                lines=lines_of[invoice.pk],
                vat_number=vat_number,
                performed_on=invoice.issue_date
                - timedelta(days=zlib.crc32(number.encode()) % 6),
                language=invoice.customer.language,
            )
        except PdfUnavailable as error:
            logger.warning("Demo invoices without PDFs: %s", error)
            return  # the data without PDFs, rather than no data
        invoice.pdf.save(f"{number}.pdf", ContentFile(pdf), save=False)
        done.append(invoice)
    Invoice.objects.bulk_update(done, ["pdf"], batch_size=500)


def _history(company, invoices, steps, today, rng) -> int:
    """Reminders sent in the past, then payments; returns how many reminders."""
    rule = rule_steps(steps)
    sent = 0
    payments: list[NewPayment] = []
    tz = ZoneInfo(company.time_zone)
    admin = (
        Membership.objects.filter(company=company, role=Membership.Role.ADMIN)
        .select_related("user")
        .first()
    )
    user = admin.user if admin else None
    # Whatever the dice say, one unpaid invoice stops before each step, so
    # that every step is due somewhere today.
    old_enough = [
        i
        for i in invoices
        if i.due_date < today - timedelta(days=90) and i.customer.email
    ]
    stories = {
        invoice.pk: level for level, invoice in enumerate(old_enough[: len(rule)])
    }
    for invoice in invoices:
        if invoice.due_date >= today:
            continue
        fate = rng.random()
        # The older the debt, the likelier it was paid meanwhile.
        paid_share = 0.5 + 0.4 * min((today - invoice.due_date).days / 120, 1)
        # How diligent the office was: mostly it followed the plan; sometimes
        # it stopped after a few steps, so that some are due today.
        keep_up = rng.choice([0, 1, 2, 3, 9, 9, 9, 9, 9, 9])
        if invoice.pk in stories:
            fate, keep_up = 1.0, stories[invoice.pk]
        level, last = 0, None
        if invoice.customer.reminder_email:
            while level < min(keep_up, len(rule)):
                facts = rules.InvoiceFacts(
                    status="open",
                    amount_due=invoice.amount_due,
                    issue_date=invoice.issue_date,
                    due_date=invoice.due_date,
                    level=level,
                    last_reminder_on=last,
                )
                on = rules.planned_date(facts, rule[level], company.min_gap_days)
                on += timedelta(days=rng.choice([0, 0, 1, 2, 3]))
                if on >= today:
                    break
                if fate < paid_share and on > invoice.due_date + timedelta(days=40):
                    break  # paid before it came to that
                level += 1
                last = on
                _record_sent(company, invoice, steps[level - 1], level, on, tz, user)
                sent += 1
        if level:
            invoice.dunning_level = level
            invoice.last_reminder_on = last
            invoice.save(update_fields=["dunning_level", "last_reminder_on"])
        if fate < paid_share:
            paid_on = min(
                today - timedelta(days=1),
                (last or invoice.due_date) + timedelta(days=rng.randrange(0, 12)),
            )
            payments.append(
                NewPayment(
                    invoice=invoice,
                    on=max(paid_on, invoice.issue_date),
                    amount=invoice.amount_due,
                    method=rng.choice(Payment.Method.values[:4]),
                    reference=f"VIR {invoice.number}",
                )
            )
        elif fate < paid_share + 0.1:
            part = (
                invoice.amount_due * Decimal(rng.choice(["0.3", "0.5", "0.6"]))
            ).quantize(Decimal("0.01"))
            payments.append(
                NewPayment(
                    invoice=invoice,
                    on=min(
                        today - timedelta(days=1), invoice.due_date + timedelta(days=5)
                    ),
                    amount=part,
                    method=Payment.Method.TRANSFER,
                    reference=f"Acompte {invoice.number}",
                )
            )
    payments_record(company=company, payments=payments, today=today)
    return sent


def _record_sent(company, invoice, step, level, on, tz, user) -> None:
    context = message_context(
        company=company,
        customer=invoice.customer,
        invoices=[invoice],
        step=step,
        today=on,
    )
    at = datetime.combine(on, time(9, 30), tz)
    reminder = Reminder.objects.create(
        company=company,
        customer=invoice.customer,
        step=step,
        recipients=[invoice.customer.reminder_email],
        subject=templating.render(step.subject, context),
        body_text=templating.render(step.body, context),
        message_id=make_msgid(domain="batiments-durand.example"),
        status=Reminder.Status.SENT,
        attempts=1,
        origin=Reminder.Origin.USER,
        triggered_by=user,
        claimed_at=at,
        sent_at=at,
    )
    Reminder.objects.filter(pk=reminder.pk).update(created_at=at)
    ReminderInvoice.objects.create(
        company=company,
        reminder=reminder,
        invoice=invoice,
        level=level,
        amount_due=invoice.amount_due,
    )


def _pause_history(company, paused, planned, today) -> None:
    """The demo's pauses as the pause services would have recorded them (set
    by the administrator a few days ago), and a note on each customer."""
    admin = (
        Membership.objects.filter(company=company, role=Membership.Role.ADMIN)
        .select_related("user")
        .first()
    )
    user = admin.user if admin else None
    tz = ZoneInfo(company.time_zone)
    records, notes = [], []
    for days, invoice in enumerate(paused, start=2):
        moment = datetime.combine(today - timedelta(days=days), time(10, 15), tz)
        records.append(
            PauseRecord(
                company=company,
                customer_id=invoice.customer_id,
                invoice=invoice,
                kind=invoice.pause_kind,
                until=invoice.paused_until,
                reason=invoice.pause_reason,
                set_by=user,
                set_at=moment,
            )
        )
        notes.append(
            CustomerNote(
                company=company,
                customer_id=invoice.customer_id,
                text=(
                    f"Appelé au sujet de {invoice.number} : "
                    + (
                        "conteste la facture, attend un avoir."
                        if invoice.pause_kind == PauseKind.DISPUTE
                        else "promet le règlement par virement."
                    )
                ),
                author=user,
                created_at=moment - timedelta(minutes=5),
            )
        )
    moment = datetime.combine(today - timedelta(days=1), time(16, 40), tz)
    records.append(
        PauseRecord(
            company=company,
            customer=planned,
            until=planned.paused_until,
            reason=planned.pause_reason,
            set_by=user,
            set_at=moment,
        )
    )
    PauseRecord.objects.bulk_create(records)
    CustomerNote.objects.bulk_create(notes)


def _pauses(company, customers, invoices, today, rng) -> None:
    open_late = [
        i
        for i in invoices
        if i.status == Invoice.Status.OPEN
        and i.due_date < today - timedelta(days=10)
        and i.customer.reminder_email
    ]
    rng.shuffle(open_late)
    for invoice, reason in zip(open_late[:3], DISPUTES, strict=False):
        invoice.paused_until = today + timedelta(days=rng.randrange(10, 30))
        invoice.pause_kind = PauseKind.DISPUTE
        invoice.pause_reason = reason
        invoice.save(update_fields=["paused_until", "pause_kind", "pause_reason"])
    for invoice in open_late[3:6]:
        promised = today + timedelta(days=rng.randrange(3, 10))
        invoice.paused_until = promised
        invoice.pause_kind = PauseKind.PROMISE
        invoice.pause_reason = "Règlement promis par téléphone"
        invoice.save(update_fields=["paused_until", "pause_kind", "pause_reason"])
    planned = next(c for c in customers if c.name == "Transports Le Gall")
    planned.paused_until = today + timedelta(days=45)
    planned.pause_reason = "Échéancier accordé : trois versements mensuels"
    planned.save(update_fields=["paused_until", "pause_reason"])
    _pause_history(company, open_late[:6], planned, today)
    # One draft and two cancelled invoices, as in any real ledger.
    recent = [
        i for i in invoices if i.status == Invoice.Status.OPEN and i.due_date > today
    ]
    if recent:
        recent[-1].status = Invoice.Status.DRAFT
        recent[-1].save(update_fields=["status"])
    never_reminded = [
        i for i in invoices if i.status == Invoice.Status.OPEN and not i.dunning_level
    ]
    for invoice in never_reminded[:2]:
        invoice.status = Invoice.Status.CANCELLED
        invoice.save(update_fields=["status"])
