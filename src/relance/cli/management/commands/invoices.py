from relance.cli.base import RelanceCommand
from relance.core.clock import company_today
from relance.core.money import format_amount, format_date
from relance.core.selectors import company_get
from relance.dunning import rules
from relance.dunning.selectors import plan_step_names, with_customer_plan
from relance.invoices.models import Invoice
from relance.invoices.selectors import invoice_list

COLUMNS = [
    ("number", "Numéro"),
    ("customer", "Client"),
    ("due_date", "Échéance"),
    ("days_late", "Retard"),
    ("amount_due", "Reste dû"),
    ("level", "Niveau"),
    ("next_step", "Prochaine étape"),
    ("next_date", "Prévue le"),
    ("to_remind", "À relancer"),
]


class Command(RelanceCommand):
    help = "Liste les factures ouvertes avec leur état de relance."

    def add_arguments(self, parser):
        parser.add_argument(
            "--to-remind",
            action="store_true",
            help="seulement les factures « À relancer »",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            help="aussi les factures payées, annulées, brouillons",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        today = company_today(company)
        names = plan_step_names(company=company)
        invoices = invoice_list(
            company=company, to_remind=True if options["to_remind"] else None
        )
        if not options["all"]:
            invoices = invoices.filter(status=Invoice.Status.OPEN)
        invoices = with_customer_plan(invoices)
        rows = [
            {
                "number": invoice.number,
                "customer": invoice.customer.name,
                "due_date": invoice.due_date.isoformat(),
                "days_late": rules.days_late(invoice.due_date, today),
                "amount_due": str(invoice.amount_due),
                "level": invoice.dunning_level,
                "next_step": names.of(invoice.plan_id).get(invoice.next_level)
                if invoice.next_level
                else None,
                "next_date": invoice.next_reminder_on.isoformat()
                if invoice.next_reminder_on
                else None,
                "to_remind": invoice.to_remind,
                "_invoice": invoice,
            }
            for invoice in invoices.iterator(chunk_size=2000)
        ]
        if options["json"]:
            self.write_json(
                [{k: v for k, v in row.items() if k != "_invoice"} for row in rows]
            )
            return
        if not rows:
            self.stdout.write("Aucune facture à afficher.")
            return
        table = [[label for _, label in COLUMNS]]
        for row in rows:
            invoice = row["_invoice"]
            table.append(
                [
                    invoice.number,
                    invoice.customer.name[:30],
                    format_date(invoice.due_date),
                    f"{row['days_late']} j" if row["days_late"] else "",
                    format_amount(invoice.amount_due, invoice.currency),
                    str(invoice.dunning_level),
                    row["next_step"] or "",
                    format_date(invoice.next_reminder_on),
                    "oui" if invoice.to_remind else "",
                ]
            )
        widths = [max(len(line[i]) for line in table) for i in range(len(COLUMNS))]
        right = {3, 4, 5}
        for line in table:
            cells = [
                cell.rjust(width) if i in right else cell.ljust(width)
                for i, (cell, width) in enumerate(zip(line, widths, strict=True))
            ]
            self.stdout.write("  ".join(cells).rstrip())
        self.stdout.write(f"{len(rows)} facture(s).")
