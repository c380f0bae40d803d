from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today
from relance.core.money import format_amount, format_date, format_rate
from relance.core.selectors import company_get
from relance.invoices.models import Invoice
from relance.law.penalties import RateMissing
from relance.law.selectors import invoice_late_payment, rate_missing_text

KINDS = {"business": "professionnel", "consumer": "particulier"}


class Command(RelanceCommand):
    help = (
        "Calcule les pénalités de retard et l'indemnité de recouvrement d'une "
        "facture à une date (Code de commerce L441-10, D441-5)."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", help="numéro de la facture")
        parser.add_argument(
            "--date",
            type=iso_date,
            help="date du calcul (AAAA-MM-JJ ; défaut : ce jour)",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        on = options["date"] or company_today(company)
        invoice = (
            Invoice.objects.filter(company=company, number=options["number"])
            .select_related("customer", "company")
            .first()
        )
        if invoice is None:
            raise CommandError(f"Facture {options['number']} introuvable.")
        try:
            outcome = invoice_late_payment(invoice, on=on)
        except RateMissing as missing:
            raise CommandError(rate_missing_text(missing)) from None
        if options["json"]:
            self.write_json(
                {"invoice": invoice.number, "date": on.isoformat(), **outcome.as_dict()}
            )
            return
        money = lambda amount: format_amount(amount, invoice.currency)  # noqa: E731
        self.stdout.write(
            f"Facture {invoice.number} — {invoice.customer.name} "
            f"({KINDS[outcome.customer_kind]}), au {format_date(on)}"
        )
        self.stdout.write(f"  Reste dû          {money(outcome.principal)}")
        self.stdout.write(f"  Jours de retard   {outcome.days_late}")
        for period in outcome.periods:
            self.stdout.write(
                f"    du {format_date(period.start)} au {format_date(period.end)} : "
                f"{period.days} j × {format_rate(period.rate)} % "
                f"sur {money(period.base)}"
            )
        if outcome.customer_kind == "consumer":
            self.stdout.write(f"  Intérêts légaux   {money(outcome.legal_interest)}")
        else:
            self.stdout.write(f"  Pénalités         {money(outcome.penalties)}")
            self.stdout.write(f"  Indemnité         {money(outcome.indemnity)}")
        self.stdout.write(f"  Total             {money(outcome.total)}")
