from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today, utc_now
from relance.core.money import format_amount, format_date
from relance.core.selectors import company_get, company_users
from relance.dunning.models import Task
from relance.dunning.selectors import ALL, task_data, task_list
from relance.dunning.services.worklist import task_outcome_record


class Command(RelanceCommand):
    help = (
        "Les appels et tâches des étapes « Appel téléphonique » et « Tâche » : "
        "liste, et résultat d'un appel."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--status",
            choices=[*Task.Status.values, "all"],
            default="open",
            help="open (à faire, défaut), done ou all",
        )
        parser.add_argument("--json", action="store_true", help="sortie JSON")
        parser.add_argument("--company", type=int, help="société (identifiant)")
        sub = parser.add_subparsers(dest="action")
        outcome = sub.add_parser("outcome", help="note le résultat d'un appel")
        outcome.add_argument("id", type=int, help="numéro de la tâche")
        outcome.add_argument("outcome", choices=Task.Outcome.values, help="résultat")
        outcome.add_argument(
            "--date", type=iso_date, help="promesse au, rappeler le, fin du litige"
        )
        outcome.add_argument("--note", default="", help="note, ou motif du litige")
        outcome.add_argument("--by", default="", help="fait par (courriel)")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        today = company_today(company)
        if options.get("action") == "outcome":
            return self._outcome(company, today, options)
        status = "" if options["status"] == "all" else options["status"]
        tasks = list(
            task_list(company=company, user=None, today=today, scope=ALL, status=status)
        )
        if options["json"]:
            self.write_json([task_data(task, today) for task in tasks])
            return
        for task in tasks:
            invoices = list(task.invoices.all())
            due = sum(invoice.amount_due for invoice in invoices)
            currency = invoices[0].currency if invoices else "EUR"
            self.stdout.write(
                f"{task.pk:>6}  {format_date(task.due_on)}  "
                f"{task.get_kind_display():<6} {task.customer.name}  "
                f"{task.customer.phone or '—'}  "
                f"{', '.join(invoice.number for invoice in invoices)}  "
                f"{format_amount(due, currency)}  "
                f"{task.assignee.email if task.assignee else 'sans responsable'}"
                + (f"  {task.get_outcome_display()}" if task.outcome else "")
            )
        if not tasks:
            self.stdout.write("Aucune tâche.")

    def _outcome(self, company, today, options):
        task = (
            task_list(company=company, user=None, today=today, scope=ALL)
            .filter(pk=options["id"])
            .first()
        )
        if task is None:
            raise CommandError(f"Tâche {options['id']} introuvable.")
        user = None
        if options["by"]:
            user = (
                company_users(company_id=company.pk)
                .filter(email__iexact=options["by"].strip())
                .first()
            )
            if user is None:
                raise CommandError(
                    f"Aucun utilisateur de la société n'a l'adresse {options['by']}."
                )
        task_outcome_record(
            task=task,
            outcome=options["outcome"],
            on=options["date"],
            note=options["note"],
            user=user,
            today=today,
            now=utc_now(),
        )
        self.stdout.write(
            f"Tâche {task.pk} ({task.customer.name}) : {task.get_outcome_display()}"
            + (f" {format_date(task.outcome_on)}" if task.outcome_on else "")
            + "."
        )
