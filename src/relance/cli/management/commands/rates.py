from relance.cli.base import RelanceCommand, iso_date
from relance.core.money import format_date, format_rate
from relance.law.models import Rate
from relance.law.penalties import RateKind
from relance.law.services import rate_set


class Command(RelanceCommand):
    help = (
        "Liste ou fixe les taux de la loi : taux de refinancement de la BCE, taux "
        "de l'intérêt légal par semestre."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser(
            "list", help="liste les taux, les plus récents d'abord"
        )
        listing.add_argument("--json", action="store_true", help="sortie JSON")
        setting = sub.add_parser("set", help="ajoute ou corrige un taux")
        setting.add_argument(
            "kind",
            choices=[kind.value for kind in RateKind],
            help="ecb (BCE), legal_private (intérêt légal, créancier particulier), "
            "legal_other (intérêt légal, autres cas)",
        )
        setting.add_argument(
            "start",
            type=iso_date,
            help="en vigueur à partir du (AAAA-MM-JJ ; 1er janvier ou 1er juillet "
            "pour l'intérêt légal)",
        )
        setting.add_argument("value", help="valeur en %, par exemple 2.15")
        setting.add_argument(
            "--source", required=True, help="publication officielle (lien, JORF…)"
        )

    def handle(self, *args, **options):
        if options["action"] == "set":
            rate, created = rate_set(
                kind=options["kind"],
                start=options["start"],
                value=options["value"],
                source=options["source"],
            )
            verb = "ajouté" if created else "corrigé"
            self.stdout.write(
                f"{rate.get_kind_display()} au {format_date(rate.start)} : "
                f"{format_rate(rate.value)} % ({verb})."
            )
            return
        rates = Rate.objects.order_by("kind", "-start")
        if options["json"]:
            self.write_json(
                [
                    {
                        "kind": rate.kind,
                        "start": rate.start.isoformat(),
                        "value": f"{rate.value.normalize():f}",
                        "source": rate.source,
                    }
                    for rate in rates
                ]
            )
            return
        for rate in rates:
            self.stdout.write(
                f"{rate.kind:<14} {format_date(rate.start)}  "
                f"{rate.value.normalize():f} %  {rate.source}"
            )
