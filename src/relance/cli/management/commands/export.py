import sys
from pathlib import Path

from relance.cli.base import RelanceCommand
from relance.core.clock import company_today
from relance.core.selectors import company_get
from relance.dunning import exports
from relance.invoices.models import Invoice
from relance.invoices.selectors import InvoiceQuery, invoice_search


class Command(RelanceCommand):
    help = "Exporte la liste des factures, avec leur état de relance (CSV ou XLSX)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        invoices = sub.add_parser("invoices", help="les factures")
        invoices.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        invoices.add_argument(
            "--output", help="fichier de sortie (défaut : la sortie standard)"
        )
        invoices.add_argument(
            "--to-remind", action="store_true", help="seulement « À relancer »"
        )
        invoices.add_argument(
            "--open", action="store_true", help="seulement les ouvertes"
        )
        invoices.add_argument("--company", type=int, help="société (identifiant)")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        today = company_today(company)
        filters = [
            f
            for f, on in (
                ("to_remind", options["to_remind"]),
                ("open", options["open"]),
            )
            if on
        ]
        invoices = invoice_search(
            company=company,
            query=InvoiceQuery(filters=filters, sort="number"),
            today=today,
        )
        rows = exports.export_rows(company=company, invoices=invoices, today=today)
        if options["format"] == "xlsx":
            data = exports.xlsx_bytes(rows)
            if options["output"]:
                Path(options["output"]).write_bytes(data)
            else:
                sys.stdout.buffer.write(data)
        elif options["output"]:
            with open(options["output"], "w", encoding="utf-8", newline="") as file:
                file.writelines(exports.csv_lines(rows))
        else:
            for line in exports.csv_lines(rows):
                self.stdout.write(line, ending="")
        if options["output"]:
            count = Invoice.objects.filter(pk__in=invoices.values("pk")).count()
            self.stderr.write(
                f"{count} facture(s) exportée(s) dans {options['output']}."
            )
