from pathlib import Path

from django.core.management.base import CommandError

from relance.bank.services import statement_take_in
from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today
from relance.core.errors import ApplicationError
from relance.core.selectors import company_get
from relance.dunning.services.einvoice import einvoice_cdar_take_in
from relance.dunning.services.intake import (
    facturx_take_in,
    invoices_take_in,
    payments_take_in,
)
from relance.invoices.importing import Refused
from relance.invoices.tables import rows_estimate


class Command(RelanceCommand):
    # Django's checks import every URL and API schema: a second of a big
    # file's import, for nothing an import uses (`relance check` runs them).
    requires_system_checks = []
    help = (
        "Importe des factures ou des règlements (CSV ou XLSX, tout ou rien), "
        "une facture Factur-X (PDF) ou un relevé bancaire."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="kind", required=True)
        for kind, text in (("invoices", "factures"), ("payments", "règlements")):
            command = sub.add_parser(kind, help=f"importer des {text} (CSV ou XLSX)")
            command.add_argument("file", help="fichier CSV (, ou ;) ou XLSX")
            command.add_argument(
                "--dry-run", action="store_true", help="vérifier sans enregistrer"
            )
            command.add_argument("--json", action="store_true", help="sortie JSON")
            command.add_argument(
                "--no-progress",
                action="store_true",
                help="sans ligne de progression (aucune hors d'un terminal)",
            )
            command.add_argument("--company", type=int, help="société (identifiant)")
        bank = sub.add_parser(
            "bank",
            help="importer un relevé bancaire (camt.053/052/054, OFX, MT940, CSV) "
            "et rapprocher ses crédits des factures",
        )
        bank.add_argument("file", help="relevé bancaire, format reconnu au contenu")
        bank.add_argument("--json", action="store_true", help="sortie JSON")
        bank.add_argument("--company", type=int, help="société (identifiant)")
        facturx = sub.add_parser("facturx", help="créer la facture d'un PDF Factur-X")
        facturx.add_argument("file", help="PDF Factur-X ou ZUGFeRD")
        facturx.add_argument(
            "--due-date", type=iso_date, help="échéance, si le XML n'en a pas"
        )
        facturx.add_argument(
            "--customer-code", help="code client, si le XML n'en a pas"
        )
        facturx.add_argument(
            "--customer-name", help="nom du client, si le XML n'en a pas"
        )
        facturx.add_argument("--json", action="store_true", help="sortie JSON")
        facturx.add_argument("--company", type=int, help="société (identifiant)")
        cdar = sub.add_parser(
            "einvoice-status",
            help="prendre les statuts d'un message CDAR (facturation électronique)",
        )
        cdar.add_argument("file", help="message CDAR (XML) de la plateforme agréée")
        cdar.add_argument(
            "--dry-run", action="store_true", help="vérifier sans enregistrer"
        )
        cdar.add_argument("--json", action="store_true", help="sortie JSON")
        cdar.add_argument("--company", type=int, help="société (identifiant)")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        path = Path(options["file"])
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(
                f"Lecture impossible de {path} : {error.strerror}"
            ) from None
        today = company_today(company)
        if options["kind"] == "facturx":
            return self.facturx(company, content, path.name, today, options)
        if options["kind"] == "einvoice-status":
            return self.einvoice_status(company, content, today, options)
        if options["kind"] == "bank":
            return self.bank(company, content, path.name, today, options)
        take_in = (
            invoices_take_in if options["kind"] == "invoices" else payments_take_in
        )
        extra = {}
        progress = self.progress_line(content, path.name, options)
        if progress:
            extra["progress"] = progress
        try:
            report = take_in(
                company=company,
                content=content,
                filename=path.name,
                today=today,
                dry_run=options["dry_run"],
                **extra,
            )
        except Refused as refused:
            report = refused.report
        finally:
            if extra:
                self.stderr.write("")  # the progress line ends
        if options["json"]:
            self.write_json(report.as_dict())
        else:
            self.describe(report, options)
        if report.errors:
            raise SystemExit(1)

    def progress_line(self, content: bytes, filename: str, options):
        """On a terminal, a line on stderr rewritten after each chunk of
        rows (« 12000 / 100000 lignes (12 %) »); none with --no-progress
        or when stderr is not a terminal (stdout, and --json, unchanged)."""
        if options["no_progress"] or not self.stderr.isatty():
            return None
        total = rows_estimate(content, filename)

        def show(done: int) -> None:
            if total:
                text = f"{done} / {total} lignes ({min(100, done * 100 // total)} %)"
            else:
                text = f"{done} lignes"
            self.stderr.write(f"\r{text}", ending="")
            self.stderr.flush()

        return show

    def describe(self, report, options) -> None:
        if report.errors:
            for error in report.errors:
                where = f"Ligne {error.line}" if error.line else "Fichier"
                column = f", colonne « {error.column} »" if error.column else ""
                self.stdout.write(f"{where}{column} : {error.message}")
            self.stdout.write(
                self.style.ERROR(
                    f"{len(report.errors)} erreur(s) : rien n'a été importé."
                )
            )
            return
        for warning in report.warnings:
            column = f", colonne « {warning.column} »" if warning.column else ""
            self.stdout.write(
                self.style.WARNING(
                    f"Avertissement ligne {warning.line}{column} : {warning.message}"
                )
            )
        if options["dry_run"]:
            self.describe_rows(report)
        things = "facture(s)" if options["kind"] == "invoices" else "règlement(s)"
        verb = "seraient" if options["dry_run"] else "ont été"
        line = f"{report.created} {things} créée(s), {report.updated} mise(s) à jour"
        if report.unchanged:
            line += f", {report.unchanged} inchangée(s) ou déjà enregistrée(s)"
        self.stdout.write(
            f"{line} — {verb} importées." if options["dry_run"] else f"{line}."
        )
        if options["dry_run"]:
            self.stdout.write(
                "Vérification seulement (--dry-run) : rien n'a été enregistré."
            )

    def describe_rows(self, report) -> None:
        """What each row would do, the rows that change nothing left out
        (the first ones only: see importing.Preview)."""
        shown = [row for row in report.preview.rows if row["action"] != "unchanged"]
        for row in shown:
            if "invoice_number" in row:  # a payment
                number = row["invoice_number"]
                action = f"règlement de {row['amount']} {row['currency']} à enregistrer"
            else:
                number = row["number"]
                action = "à créer" if row["action"] == "create" else "à mettre à jour"
            changes = ", ".join(
                f"{change['field']} {change['old']} → {change['new']}"
                for change in row.get("changes", ())
            )
            self.stdout.write(
                f"Ligne {row['line']} : {number} ({row['customer_code']}) — {action}"
                + (f" : {changes}" if changes else "")
            )
        left = report.created + report.updated - len(shown)
        if left > 0:
            self.stdout.write(f"… et {left} autre(s) ligne(s) à enregistrer")

    def facturx(self, company, content, filename, today, options):
        answers = {
            "due_date": options["due_date"],
            "customer_code": options["customer_code"],
            "customer_name": options["customer_name"],
        }
        try:
            invoice, _created = facturx_take_in(
                company=company,
                content=content,
                filename=filename,
                today=today,
                answers={k: v for k, v in answers.items() if v},
            )
        except Refused as refused:
            if options["json"]:
                self.write_json(refused.report.as_dict() | {"created": 0, "updated": 0})
            else:
                for error in refused.report.errors:
                    self.stdout.write(f"« {error.column} » : {error.message}")
                self.stdout.write(
                    "Complétez avec --due-date, --customer-code ou --customer-name."
                )
            raise SystemExit(1) from None
        if options["json"]:
            self.write_json(
                {"created": 1, "updated": 0, "errors": [], "number": invoice.number}
            )
        else:
            name = invoice.customer.name
            self.stdout.write(f"Facture {invoice.number} créée pour {name}, PDF joint.")

    def einvoice_status(self, company, content, today, options):
        """A CDAR message: every status recorded, or none and every problem
        named by the status's rank and its XML element."""
        try:
            message, recorded = einvoice_cdar_take_in(
                company=company,
                content=content,
                today=today,
                dry_run=options["dry_run"],
            )
        except Refused as refused:
            if options["json"]:
                self.write_json(
                    {"errors": [e.as_dict() for e in refused.report.errors]}
                )
            else:
                for error in refused.report.errors:
                    self.stdout.write(
                        f"Statut n° {error.line}, « {error.column} » : {error.message}"
                    )
                self.stdout.write(
                    self.style.ERROR(
                        f"{len(refused.report.errors)} erreur(s) : "
                        "rien n'a été enregistré."
                    )
                )
            raise SystemExit(1) from None
        summary = recorded.as_dict()
        if options["json"]:
            self.write_json(
                {
                    "message_id": message.message_id,
                    "statuses": len(message.statuses),
                    **summary,
                    "dry_run": options["dry_run"],
                    "errors": [],
                }
            )
            return
        for payment in summary["payments"]:
            self.stdout.write(
                f"Facture {payment['invoice']} : règlement de {payment['amount']} "
                f"enregistré au {payment['date']} (statut 212)."
            )
        line = (
            f"Message {message.message_id or '(sans identifiant)'} : "
            f"{summary['recorded']} statut(s) enregistré(s), "
            f"{summary['known']} déjà reçu(s), {summary['paused']} facture(s) "
            f"mise(s) en pause, {summary['lifted']} pause(s) levée(s)."
        )
        self.stdout.write(line)
        if options["dry_run"]:
            self.stdout.write(
                "Vérification seulement (--dry-run) : rien n'a été enregistré."
            )

    def bank(self, company, content, filename, today, options):
        try:
            result = statement_take_in(
                company=company, content=content, filename=filename, today=today
            )
        except ApplicationError as error:
            if options["json"]:
                self.write_json({"error": error.message})
            else:
                self.stdout.write(self.style.ERROR(error.message))
                self.stdout.write("Rien n'a été importé.")
            raise SystemExit(1) from None
        if options["json"]:
            self.write_json(result.as_dict())
            return
        self.stdout.write(
            f"Relevé {result.format} : {result.transactions} crédit(s) lu(s), "
            f"{result.new} nouveau(x)."
        )
        for title, rows in (
            ("Rapproché", result.matched),
            ("À confirmer sur la page « Banque »", result.suggested),
        ):
            for row in rows:
                self.stdout.write(
                    f"{title} : {row['invoice']} — {row['amount']} "
                    f"(opération {row['transaction']})"
                )
        self.stdout.write(
            f"{len(result.matched)} règlement(s) enregistré(s), "
            f"{len(result.suggested)} suggestion(s), "
            f"{result.unmatched} crédit(s) non rapproché(s)."
        )
