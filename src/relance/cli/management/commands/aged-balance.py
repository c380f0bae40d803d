from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today, utc_now
from relance.core.money import format_amount, format_date
from relance.core.selectors import company_get
from relance.reports.aged_snapshot import aged_snapshots_build
from relance.reports.aging import KEYS
from relance.reports.selectors import aged_balance

HEADERS = {
    "not_due": "Non échu",
    "1_30": "1-30 j",
    "31_60": "31-60 j",
    "61_90": "61-90 j",
    "over_90": "+90 j",
    "total": "Total",
}


class Command(RelanceCommand):
    help = (
        "Affiche la balance âgée : ce que chaque client devait à une date, par "
        "tranche de retard (non échu, 1-30, 31-60, 61-90, plus de 90 jours)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=iso_date,
            help="date de la balance (AAAA-MM-JJ ; défaut : ce jour)",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")
        parser.add_argument("--json", action="store_true", help="sortie JSON")
        parser.add_argument(
            "--snapshot",
            action="store_true",
            help=(
                "reconstruire d'abord les instantanés de la société"
                " (ce jour et les douze fins de mois précédentes)"
            ),
        )

    def handle(self, *args, **options):
        company = company_get(options["company"])
        on = options["date"] or company_today(company)
        if options["snapshot"]:
            aged_snapshots_build(company=company, now=utc_now())
        balance = aged_balance(company=company, on=on)
        if options["json"]:
            self.write_json(balance.as_dict())
            return
        self.stdout.write(f"Balance âgée au {format_date(on)}")
        columns = [*KEYS, "total"]
        lines = [(f"{c.code} {c.name}"[:40], c.line) for c in balance.customers]
        lines.append(("Total", balance.total))
        money = [
            [
                label,
                *(format_amount(line.amounts[k], balance.currency) for k in KEYS),
                format_amount(line.total, balance.currency),
            ]
            for label, line in lines
        ]
        widths = [
            max(len(r[i]) for r in [["", *(HEADERS[k] for k in columns)], *money])
            for i in range(len(columns) + 1)
        ]
        header = ["", *(HEADERS[k] for k in columns)]
        for row in [header, *money]:
            self.stdout.write(
                "  ".join(
                    cell.ljust(w) if i == 0 else cell.rjust(w)
                    for i, (cell, w) in enumerate(zip(row, widths, strict=True))
                )
            )
