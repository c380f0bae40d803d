import time

from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import company_today, utc_now
from relance.core.money import format_amount
from relance.core.selectors import company_get
from relance.dunning.planning import GROUPS, Code, Plan, reminder_plan
from relance.dunning.services.delivery import reminders_deliver
from relance.dunning.services.send_runs import (
    leaves_text,
    send_leaves_at,
    send_run_progress,
)
from relance.dunning.services.state import invoices_refresh
from relance.dunning.tasks import send_run_start
from relance.mailing.delivery import where_messages_go


class Command(RelanceCommand):
    help = (
        "Relance des factures : affiche le résumé (--dry-run) ou envoie les relances "
        "par courriel, sans autre confirmation."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--invoice",
            action="append",
            metavar="NUMERO",
            help="numéro de facture (répétable) ; une seule facture : relance manuelle",
        )
        which.add_argument(
            "--all-due", action="store_true", help="toutes les factures à relancer"
        )
        parser.add_argument(
            "--date", type=iso_date, help="jour à utiliser (AAAA-MM-JJ)"
        )
        parser.add_argument("--dry-run", action="store_true", help="résumé seulement")
        parser.add_argument(
            "--now",
            action="store_true",
            help="envoyer tout de suite, même hors des jours et heures d'envoi "
            "de la société",
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="attendre la fin de l'envoi (cette commande aide alors les workers)",
        )
        parser.add_argument(
            "--time-barred",
            action="store_true",
            help="relancer aussi les factures prescrites (5 ans entre "
            "professionnels, 2 ans contre un particulier)",
        )
        parser.add_argument("--company", type=int, help="société (identifiant)")
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        company = company_get(options["company"])
        now = utc_now()
        today = options["date"] or company_today(company, now)
        numbers = options["invoice"]
        if not numbers:
            # Every invoice due today, even if the daily job has not run yet.
            invoices_refresh(company=company, today=today)
        plan = reminder_plan(
            company=company,
            today=today,
            invoices=numbers,
            manual=bool(numbers) and len(numbers) == 1,
            time_barred=options["time_barred"],
        )
        run = progress = None
        errors = list(plan.errors)
        leaves_at = None if options["now"] else send_leaves_at(company=company, now=now)
        if not options["dry_run"]:
            if plan.problems:
                raise CommandError(plan.problems[0])
            run, created = send_run_start(plan=plan, now=now, send_now=options["now"])
            errors += created.errors
            if options["wait"]:
                # The run is queued for the workers; this command works on it
                # too, so it ends even when no worker is running. Claims make
                # sure each message still goes once.
                reminders_deliver(
                    reminder_ids=[r.pk for r in created.reminders],
                    now=now,
                    today=options["date"],
                )
            progress = send_run_progress(run)
            while options["wait"] and not progress.finished:
                time.sleep(0.5)  # a worker is sending the last ones
                progress = send_run_progress(run)
        sent = progress.sent if progress else 0
        failed = progress.total - sent if progress and options["wait"] else 0
        if options["json"]:
            # Each message, error and warning written as it is made: the
            # document of 100,000 messages is never whole in memory (ADR 24).
            self.write_json(
                {
                    "to_send": plan.to_send,
                    "messages": (message.as_dict() for message in plan.messages),
                    "errors": (error.as_dict() for error in errors),
                    "warnings": (warning.as_dict() for warning in plan.warnings),
                    "sent": sent,
                    # With --wait, every message that did not go out: failed,
                    # cancelled, to be retried or uncertain (see the text output).
                    "failed": failed,
                    # Outside the sending calendar: when they will leave.
                    "leaves_at": leaves_at.isoformat() if leaves_at else None,
                    "scheduled": progress.scheduled if progress else 0,
                    **({"run": run.pk} if run else {}),
                }
            )
            return
        self.summary(plan, errors)
        if leaves_at and plan.to_send:
            when = leaves_text(company=company, at=leaves_at, now=now)
            self.stdout.write(
                self.style.WARNING(
                    f"Hors des jours et heures d'envoi : les relances partiront "
                    f"{when} (--now pour les envoyer tout de suite)."
                )
            )
        if run is None:
            self.stdout.write("\nRésumé seulement (--dry-run) : rien n'a été envoyé.")
            return
        self.stdout.write("")
        if not options["wait"]:
            self.stdout.write(
                f"Envoi n° {run.pk} en file d'attente : {progress.total} relance(s). "
                "Un worker (« relance serve » ou « relance worker ») les envoie ; "
                "« relance remind … --wait » attend la fin."
            )
            return
        self.stdout.write(f"Envoi n° {run.pk} : {where_messages_go()}")
        self.stdout.write(
            self.style.SUCCESS(f"{progress.sent} relance(s) envoyée(s).")
            if progress.sent
            else "Aucune relance envoyée."
        )
        if progress.scheduled:
            when = leaves_text(company=company, at=progress.scheduled_at, now=now)
            self.stdout.write(
                f"{progress.sent} envoyée(s), {progress.scheduled} partiront {when}."
            )
        problems = (
            run.reminders.exclude(status="sent")
            .exclude(status="pending", attempts=0, next_attempt_at__isnull=False)
            .select_related("customer")
        )
        for reminder in problems:
            label = {
                "pending": "À réessayer",
                "uncertain": "Incertaine",
            }.get(reminder.status, "Échec")
            name = reminder.customer.name
            self.stdout.write(
                self.style.WARNING(f"{label} — {name} : {reminder.error}")
            )

    def summary(self, plan: Plan, errors) -> None:
        for problem in plan.problems:
            self.stdout.write(self.style.ERROR(problem))
        if plan.bank_notice:
            self.stdout.write(self.style.WARNING(plan.bank_notice))
        self.stdout.write(
            f"{plan.to_send} relance(s) à envoyer · {len(errors)} erreur(s)"
        )
        for message in plan.messages:
            numbers = ", ".join(line.number for line in message.lines)
            total = format_amount(message.total, message.currency)
            self.stdout.write(
                f"  → {message.row.name} <{', '.join(message.recipients)}> : "
                f"{message.step.name} — {numbers} ({total})"
                + (f" [{message.language_note}]" if message.language_note else "")
            )
        grouped: dict = {}
        for error in errors:
            grouped.setdefault(error.code, []).append(error)
        for code, items in grouped.items():
            title, hint = GROUPS[code]
            if code == Code.TIME_BARRED:
                hint = "relancez-les quand même avec --time-barred"
            self.stdout.write(
                f"\n{title} ({len(items)})" + (f" — {hint}" if hint else "")
            )
            for error in items:
                self.stdout.write(f"  {error.reference} : {error.message}")
        if plan.warnings:
            self.stdout.write(f"\nÀ savoir ({len(plan.warnings)})")
            for warning in plan.warnings:
                self.stdout.write(f"  {warning.number} : {warning.message}")
