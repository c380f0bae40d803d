import json
from zoneinfo import ZoneInfo

from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today, utc_now
from relance.core.money import format_amount, format_date
from relance.core.selectors import company_get
from relance.reports.indicator_snapshot import (
    indicator_snapshot_build,
    indicators_answer,
    indicators_read,
)


class Command(RelanceCommand):
    help = (
        "Affiche les indicateurs : DSO (méthode par épuisement), montant en "
        "retard et son évolution sur 12 mois, délai moyen de paiement par "
        "client, ce que rapporte chaque relance, promesses tenues et non "
        "tenues, les 10 plus gros retards."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=iso_date,
            help="date des indicateurs (AAAA-MM-JJ ; défaut : ce jour)",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")
        parser.add_argument("--json", action="store_true", help="sortie JSON")
        parser.add_argument(
            "--snapshot",
            action="store_true",
            help="recalculer d'abord les indicateurs de la date (ce jour par défaut)",
        )

    def handle(self, *args, **options):
        company = company_get(options["company"])
        on = options["date"] or company_today(company)
        if options["snapshot"]:
            if on > company_today(company):
                self.stderr.write(
                    "Date future : indicateurs calculés sans être gardés."
                )
            else:
                indicator_snapshot_build(company=company, on=on, now=utc_now())
        if options["json"]:  # the API's answer
            self.write_json(json.loads(indicators_answer(company=company, on=on)))
            return
        figures, computed_at = indicators_read(company=company, on=on)

        def money(amount) -> str:
            return format_amount(amount, figures.currency, "fr")

        def decimal(value) -> str:
            return str(value).replace(".", ",")

        write = self.stdout.write
        write(f"Indicateurs au {format_date(on)}")
        if computed_at:
            local = computed_at.astimezone(ZoneInfo(company.time_zone))
            write(f"Calculés le {format_date(local.date())} à {local:%H:%M}")
        write(
            f"DSO (méthode par épuisement) : {decimal(figures.dso.days)} jours, "
            f"encours {money(figures.dso.receivables)}"
        )
        write(f"En retard : {money(figures.overdue_now)}")
        write("Évolution (fin de mois) :")
        for day, amount in figures.overdue.items():
            write(f"  {format_date(day)}  {money(amount).rjust(16)}")
        write("Ce que rapporte chaque relance (payées sous 15 jours) :")
        for level, y in figures.steps.items():
            name = figures.step_names.get(level, f"Niveau {level}")
            write(f"  {name} : {y.paid}/{y.sent} ({decimal(y.share)} %)")
        p = figures.promises
        write(
            f"Promesses : {p['kept'].count} tenues, {p['broken'].count} non "
            f"tenues, {p['pending'].count} en cours"
        )
        write("Les 10 plus gros retards :")
        for payer in figures.late_payers:
            write(
                f"  {payer.customer.code} {payer.customer.name}"[:42].ljust(42)
                + f" {money(payer.overdue).rjust(16)}  {payer.days_late} j"
            )
        write("Délai moyen de paiement (depuis la facture, les plus lents) :")
        for line in figures.days_to_pay[:10]:
            write(
                f"  {line.code} {line.name}"[:42].ljust(42)
                + f" {decimal(line.times.average_from_issue)} j ({line.times.invoices})"
            )
