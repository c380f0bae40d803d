from relance.cli.base import RelanceCommand
from relance.core.selectors import company_get
from relance.core.tokens import token_create


class Command(RelanceCommand):
    help = (
        "Jetons d'API : « relance token create » en crée un et l'affiche "
        "(une seule fois)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create", help="créer un jeton (affiché seul sur la dernière ligne)"
        )
        create.add_argument("--company", type=int, help="société (identifiant)")
        create.add_argument(
            "--name", default="API", help="nom du jeton (l'outil qui l'utilise)"
        )

    def handle(self, *args, **options):
        company = company_get(options["company"])
        token, raw = token_create(company=company, name=options["name"])
        self.stderr.write(
            f"Jeton « {token.name} » créé pour {company.name}. Conservez-le : "
            "il ne sera plus affiché."
        )
        self.stdout.write(raw)
