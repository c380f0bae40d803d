from pathlib import Path

from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today
from relance.core.money import format_amount, format_date
from relance.core.pdfs import PdfUnavailable
from relance.core.selectors import company_get
from relance.dunning.letters import letter_data, letter_filename, letters_pdf
from relance.dunning.models import Letter
from relance.dunning.selectors import letter_list, letters_by_ids
from relance.dunning.services.letters import (
    letter_receipt_record,
    letter_send_record,
)


class Command(RelanceCommand):
    help = (
        "Les mises en demeure par courrier : liste, PDF à imprimer, envoi en "
        "recommandé, avis de réception."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            choices=[*Letter.Status.values, "all"],
            default="waiting",
            help="waiting (à envoyer, défaut), sent, received ou all",
        )
        parser.add_argument("--json", action="store_true", help="sortie JSON")
        parser.add_argument("--company", type=int, help="société (identifiant)")
        sub = parser.add_subparsers(dest="action")
        pdf = sub.add_parser("pdf", help="écrit des courriers en un seul PDF")
        pdf.add_argument("ids", type=int, nargs="+", help="numéros des courriers")
        pdf.add_argument(
            "--output", help="fichier PDF (défaut : son nom, dans le dossier courant)"
        )
        sent = sub.add_parser("sent", help="note l'envoi en recommandé")
        sent.add_argument("id", type=int, help="numéro du courrier")
        sent.add_argument("number", help="n° de recommandé, ex. 1A12345678901")
        sent.add_argument(
            "--date", type=iso_date, help="envoyé le (AAAA-MM-JJ ; défaut : ce jour)"
        )
        received = sub.add_parser("received", help="note l'avis de réception")
        received.add_argument("id", type=int, help="numéro du courrier")
        received.add_argument(
            "--date",
            type=iso_date,
            help="date de l'avis de réception (AAAA-MM-JJ ; défaut : ce jour)",
        )

    def handle(self, *args, **options):
        company = company_get(options["company"])
        today = company_today(company)
        action = options.get("action")
        if action == "pdf":
            return self._pdf(company, options)
        if action in ("sent", "received"):
            [letter] = letters_by_ids(company=company, ids=[options["id"]]) or [None]
            if letter is None:
                raise CommandError(f"Courrier {options['id']} introuvable.")
            on = options["date"] or today
            if action == "sent":
                letter_send_record(
                    letter=letter, number=options["number"], on=on, today=today
                )
                self.stdout.write(
                    f"Courrier {letter.pk} ({letter.recipient_name}) : envoyé en "
                    f"recommandé n° {letter.tracking_number} le {format_date(on)}."
                )
            else:
                letter_receipt_record(letter=letter, on=on, today=today)
                self.stdout.write(
                    f"Courrier {letter.pk} ({letter.recipient_name}) : avis de "
                    f"réception du {format_date(on)}."
                )
            return
        status = "" if options["status"] == "all" else options["status"]
        letters = list(letter_list(company=company, status=status))
        if options["json"]:
            self.write_json([letter_data(letter) for letter in letters])
            return
        for letter in letters:
            numbers = ", ".join(line.number for line in letter.lines.all())
            self.stdout.write(
                f"{letter.pk:>6}  {format_date(letter.dated_on)}  "
                f"{letter.get_status_display():<30} {letter.recipient_name}  "
                f"{numbers}  {format_amount(letter.claimed, letter.currency)}"
                + (f"  n° {letter.tracking_number}" if letter.tracking_number else "")
            )
        if not letters:
            self.stdout.write("Aucun courrier.")

    def _pdf(self, company, options):
        letters = letters_by_ids(company=company, ids=options["ids"])
        missing = sorted(set(options["ids"]) - {letter.pk for letter in letters})
        if missing:
            raise CommandError(f"Courrier {missing[0]} introuvable.")
        try:
            content = letters_pdf(letters)
        except PdfUnavailable:
            raise CommandError(
                "WeasyPrint ne trouve pas Pango sur ce serveur : installez-le "
                "(voir docs/deployment.md)."
            ) from None
        path = Path(options["output"] or letter_filename(letters))
        try:
            path.write_bytes(content)
        except OSError as error:
            raise CommandError(f"Écriture impossible : {error}") from None
        self.stdout.write(f"{path} : {len(letters)} courrier(s).")
