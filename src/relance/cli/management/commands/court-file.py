from pathlib import Path

from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today
from relance.core.pdfs import PdfUnavailable
from relance.core.selectors import company_get
from relance.dunning.court_file import court_file, court_file_write
from relance.invoices.models import Customer
from relance.law.penalties import RateMissing
from relance.law.selectors import rate_missing_text


class Command(RelanceCommand):
    help = (
        "Écrit le dossier d'injonction de payer d'un client (ZIP : synthèse, "
        "relevé de compte, factures, relances envoyées)."
    )

    def add_arguments(self, parser):
        parser.add_argument("customer", help="code du client")
        parser.add_argument(
            "--date",
            type=iso_date,
            help="date du dossier (AAAA-MM-JJ ; défaut : ce jour)",
        )
        parser.add_argument(
            "--output",
            help="fichier ZIP à écrire (défaut : son nom, dans le dossier courant)",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        on = options["date"] or company_today(company)
        customer = Customer.objects.filter(
            company=company, code=options["customer"]
        ).first()
        if customer is None:
            raise CommandError(f"Client {options['customer']} introuvable.")
        partial = None
        try:
            file = court_file(customer=customer, on=on)
            path = Path(options["output"] or file.filename)
            # Written aside, then renamed: never a half-written ZIP under its name.
            partial = path.with_name(f".{path.name}.part")
            with partial.open("wb") as out:
                court_file_write(file, out)
            partial.replace(path)
            partial = None
        except RateMissing as missing:
            raise CommandError(rate_missing_text(missing)) from None
        except PdfUnavailable:
            raise CommandError(
                "WeasyPrint ne trouve pas Pango sur ce serveur : installez-le "
                "(voir docs/deployment.md)."
            ) from None
        except OSError as error:
            raise CommandError(f"Écriture impossible : {error}") from None
        finally:
            if partial is not None:
                partial.unlink(missing_ok=True)
        self.stdout.write(
            f"{path} : {len(file.statement.lines)} facture(s), "
            f"{len(file.reminders)} relance(s), {len(file.pieces) + 1} pièce(s)."
        )
