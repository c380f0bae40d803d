import json
import sys
from pathlib import Path

from django.core.management.base import CommandError

from relance.cli.base import RelanceCommand
from relance.core.clock import company_today
from relance.core.selectors import company_get
from relance.dunning.models import DunningPlan
from relance.dunning.services.steps import steps_export, steps_import


class Command(RelanceCommand):
    help = "Exporte ou importe les étapes d'un plan de relance (JSON)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="affiche les étapes en JSON")
        export.add_argument("--company", type=int, help="société (identifiant)")
        export.add_argument(
            "--plan",
            default="",
            help="plan de relance (nom ; défaut : le plan par défaut)",
        )
        load = sub.add_parser(
            "import", help="remplace les étapes par celles du fichier"
        )
        load.add_argument(
            "file", help="fichier JSON produit par « steps export » (- : entrée)"
        )
        load.add_argument("--company", type=int, help="société (identifiant)")
        load.add_argument(
            "--plan",
            default="",
            help="plan de relance (nom ; défaut : le plan par défaut)",
        )

    def handle(self, *args, **options):
        company = company_get(options["company"])
        plan = None
        if options["plan"]:
            plan = DunningPlan.objects.filter(
                company=company, name__iexact=options["plan"].strip()
            ).first()
            if plan is None:
                raise CommandError(f"Plan de relance inconnu : « {options['plan']} ».")
        if options["action"] == "export":
            self.write_json(steps_export(company=company, plan=plan))
            return
        name = options["file"]
        try:
            text = (
                sys.stdin.read()
                if name == "-"
                else Path(name).read_text(encoding="utf-8")
            )
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Lecture impossible de {name} : {error}") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{name} n'est pas du JSON valide (ligne {error.lineno}, "
                f"colonne {error.colno} : {error.msg})."
            ) from None
        steps = steps_import(
            company=company,
            data=data,
            today=company_today(company),
            by="relance steps import",
            plan=plan,
        )
        self.stdout.write(
            f"{len(steps)} étape(s) de relance importée(s) pour {company.name} :"
        )
        for step in steps:
            self.stdout.write(f"  - {step.name}{'' if step.active else ' (archivée)'}")
