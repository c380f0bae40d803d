from relance.cli.base import RelanceCommand, iso_date
from relance.cli.demo import demo_load
from relance.core.clock import company_today
from relance.core.selectors import company_get
from relance.invoices.models import Invoice


class Command(RelanceCommand):
    help = (
        "Charge des données de démonstration (clients, factures, règlements, relances)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="ne rien faire si la base contient déjà des factures",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")
        parser.add_argument(
            "--date", type=iso_date, help="jour de référence (AAAA-MM-JJ)"
        )
        parser.add_argument("--seed", type=int, default=2026, help="graine du hasard")

    def handle(self, *args, **options):
        if options["if_empty"] and Invoice.objects.exists():
            self.stdout.write(
                "Des factures existent déjà : pas de données de démonstration."
            )
            return
        company = company_get(options["company"])
        today = options["date"] or company_today(company)
        counts = demo_load(company=company, today=today, seed=options["seed"])
        to_remind = Invoice.objects.filter(company=company, to_remind=True).count()
        self.stdout.write(
            f"Démonstration chargée pour {company.name} : "
            f"{counts['customers']} clients, {counts['invoices']} factures, "
            f"{counts['reminders']} relances déjà envoyées ; "
            f"{to_remind} factures à relancer aujourd'hui."
        )
        if counts["pdfs"] < counts["owed"]:
            self.stdout.write(
                "Factures sans PDF : WeasyPrint ne trouve pas Pango sur cette "
                "machine (Debian, Ubuntu : apt-get install libpango-1.0-0 "
                "libpangoft2-1.0-0)."
            )
