from relance.cli.base import RelanceCommand, iso_date
from relance.core.clock import utc_now
from relance.core.money import format_date
from relance.core.selectors import company_get
from relance.dunning.services.daily import daily_runs_now


class Command(RelanceCommand):
    help = (
        "Tâche quotidienne : marque « À relancer » les factures ouvertes dont "
        "l'étape suivante est due (sans rien envoyer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=iso_date,
            help="jour à utiliser (AAAA-MM-JJ) au lieu d'aujourd'hui",
        )
        parser.add_argument(
            "--company", type=int, help="une seule société (identifiant)"
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="accepter une --date antérieure à la dernière tâche quotidienne "
            "(les factures reviennent à ce jour-là jusqu'à la prochaine tâche)",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help="recalculer toutes les factures, pas seulement celles dont la date "
            "est venue (fait de lui-même après un changement d'étapes ou d'écart)",
        )
        parser.add_argument("--json", action="store_true", help="sortie JSON")

    def handle(self, *args, **options):
        companies = None
        if options["company"] is not None:
            companies = [company_get(options["company"])]
        runs = daily_runs_now(
            now=utc_now(),
            on=options["date"],
            companies=companies,
            force=options["force"],
            full=options["full"],
        )
        total = {
            "tagged": sum(run.tagged for run in runs),
            "untagged": sum(run.untagged for run in runs),
            "to_remind": sum(run.to_remind for run in runs),
        }
        # Time zones may put companies on different dates: report the latest.
        day = max((run.date for run in runs), default=options["date"])
        if options["json"]:
            self.write_json({"date": day.isoformat() if day else None, **total})
            return
        for run in runs:
            self.stdout.write(
                f"{run.company.name} — {format_date(run.date)} : "
                f"{run.tagged} facture(s) marquée(s) « À relancer », "
                f"{run.untagged} retirée(s), {run.to_remind} à relancer."
            )
        if not runs:
            self.stdout.write("Aucune société : lancez d'abord « relance init ».")
