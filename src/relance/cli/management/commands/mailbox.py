from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand
from relance.core.clock import utc_now
from relance.core.selectors import company_get
from relance.dunning.services.inbound import mailbox_fetch, mailbox_import
from relance.mailing.inbound import MAX_FILE


class Command(RelanceCommand):
    help = (
        "Prend les courriels revenus (non remis, réponses automatiques, réponses "
        "des clients) d'un fichier mbox, de fichiers .eml ou de la boîte IMAP "
        "(RELANCE_INBOX_URL)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        command = sub.add_parser(
            "import", help="prendre les messages d'un fichier mbox ou de fichiers .eml"
        )
        command.add_argument("files", nargs="+", metavar="FICHIER", help="mbox ou .eml")
        command.add_argument("--json", action="store_true", help="sortie JSON")
        command.add_argument("--company", type=int, help="société (identifiant)")
        command = sub.add_parser(
            "fetch",
            help="lire les messages non lus de la boîte IMAP (RELANCE_INBOX_URL)",
        )
        command.add_argument("--json", action="store_true", help="sortie JSON")
        command.add_argument(
            "--company",
            type=int,
            help="société (identifiant ; par défaut RELANCE_INBOX_COMPANY)",
        )

    def handle(self, *args, **options):
        if options["action"] == "fetch":
            if not settings.RELANCE_INBOX_URL:
                raise CommandError(
                    "RELANCE_INBOX_URL n'est pas renseignée : aucune boîte à lire "
                    "(voir docs/inbound.md)."
                )
            company = company_get(options["company"] or settings.RELANCE_INBOX_COMPANY)
            report = mailbox_fetch(company=company, now=utc_now())
            for reason in report.skipped:
                self.stderr.write(reason)
        else:
            company = company_get(options["company"])
            report = mailbox_import(
                company=company, files=self._files(options["files"]), now=utc_now()
            )
        if options["json"]:
            self.write_json(report.as_dict())
            return
        self.stdout.write(f"{report.read} message(s) lu(s).")
        for bounce in report.bounces:
            kind = "définitif" if bounce["permanent"] else "temporaire"
            invoices = ", ".join(bounce["invoices"]) or "aucune facture"
            self.stdout.write(
                f"Non remis ({kind}) à {bounce['recipient']} : {bounce['reason']} "
                f"— {invoices}."
            )
        self.stdout.write(f"{report.auto_replies} réponse(s) automatique(s).")
        for reply in report.replies:
            self.stdout.write(
                f"Réponse du client {reply['customer']} "
                f"(relance {reply['reminder']}) : à traiter."
            )
        self.stdout.write(f"{report.unknown} message(s) inconnu(s), gardé(s).")

    @staticmethod
    def _files(names: list[str]) -> list[tuple[str, bytes]]:
        files = []
        for name in names:
            path = Path(name)
            try:
                if path.stat().st_size > MAX_FILE:
                    raise CommandError(
                        f"Fichier « {path.name} » trop volumineux : "
                        f"{MAX_FILE // (1024 * 1024)} Mo au plus."
                    )
                files.append((path.name, path.read_bytes()))
            except OSError as error:
                raise CommandError(
                    f"Lecture impossible de {path} : {error.strerror}"
                ) from None
        return files
