"""`relance user`: accounts made and looked after by whoever runs the server.

In the web interface, a company's administrators invite people by email; here
the operator acts directly, and alone makes operator accounts (/admin/)."""

import sys

from django.core.management.base import CommandError
from django.db.models import Prefetch

from relance.cli.base import RelanceCommand
from relance.config import env
from relance.core.models import Membership, User
from relance.core.selectors import company_get, user_get
from relance.core.services import (
    user_create,
    user_deactivate,
    user_password_set,
)

PASSWORD_VARIABLE = "RELANCE_PASSWORD"


class Command(RelanceCommand):
    help = (
        "Comptes : « relance user create », « password », « list », « deactivate ». "
        "Le mot de passe est demandé deux fois dans un terminal, ou lu dans "
        "RELANCE_PASSWORD par un script."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create",
            help="créer un compte, avec accès à une société ou d'exploitant",
        )
        create.add_argument("email", help="adresse e-mail du compte")
        create.add_argument(
            "--company",
            type=int,
            help="société à laquelle il a accès (identifiant ; par défaut, la seule "
            "qui existe)",
        )
        create.add_argument(
            "--role",
            choices=Membership.Role.values,
            help="son rôle dans la société : admin ou member (par défaut : member)",
        )
        create.add_argument(
            "--operator",
            action="store_true",
            help="compte d'exploitant : accès à l'administration Django (/admin/), "
            "qui montre toutes les sociétés ; aucune société sans --company",
        )
        create.add_argument("--name", default="", help="nom complet")
        password = sub.add_parser(
            "password", help="changer le mot de passe d'un compte"
        )
        password.add_argument("email", help="adresse e-mail du compte")
        sub.add_parser("list", help="les comptes, leurs sociétés et leurs rôles")
        deactivate = sub.add_parser(
            "deactivate",
            help="désactiver un compte : il ne peut plus se connecter et ses "
            "sessions sont fermées",
        )
        deactivate.add_argument("email", help="adresse e-mail du compte")

    def handle(self, *args, **options):
        getattr(self, f"do_{options['action']}")(options)

    def new_password(self, email: str) -> str:
        password = env.get(PASSWORD_VARIABLE)
        if password:
            self.stderr.write(f"Mot de passe lu dans {PASSWORD_VARIABLE}.")
            return password
        if not sys.stdin.isatty():
            raise CommandError(
                "Mot de passe : lancez la commande dans un terminal, ou donnez-le "
                f"dans la variable {PASSWORD_VARIABLE}."
            )
        return self.password_typed(email, "Mot de passe : ", empty_ok=False)

    def do_create(self, options) -> None:
        email, operator = options["email"].strip().lower(), options["operator"]
        company = None
        if not operator or options["company"] is not None or options["role"]:
            company = company_get(options["company"])
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"Un compte existe déjà pour {email}.")
        role = options["role"] or Membership.Role.MEMBER
        user = user_create(
            email=email,
            password=self.new_password(email),
            full_name=options["name"],
            operator=operator,
            company=company,
            role=role,
        )
        self.stdout.write(f"Compte créé : {user.email}")
        if company is not None:
            label = Membership.Role(role).label
            self.stdout.write(f"Accès à {company.name} : {str(label).lower()}")
        if operator:
            self.stdout.write(
                "Exploitant : accès à l'administration Django (/admin/), qui "
                "montre toutes les sociétés."
            )

    def do_password(self, options) -> None:
        user = user_get(options["email"])
        user_password_set(user=user, password=self.new_password(user.email))
        self.stdout.write(
            f"Mot de passe changé pour {user.email} ; ses autres sessions sont fermées."
        )

    def do_list(self, options) -> None:
        users = User.objects.order_by("email").prefetch_related(
            Prefetch(
                "memberships",
                Membership.objects.select_related("company").order_by(
                    "company__name", "company_id"
                ),
            )
        )
        rows = [("Courriel", "Nom", "État", "Accès")]
        for user in users:
            access = [
                f"{m.company.name} ({str(m.get_role_display()).lower()})"
                for m in user.memberships.all()
            ]
            if user.is_staff:
                access.insert(0, "exploitant (/admin/)")
            rows.append(
                (
                    user.email,
                    user.full_name,
                    "actif" if user.is_active else "désactivé",
                    ", ".join(access) or "aucun",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        for row in rows:
            cells = [row[i].ljust(widths[i]) for i in range(3)]
            self.stdout.write("  ".join([*cells, row[3]]).rstrip())
        self.stdout.write(f"{len(rows) - 1} compte(s).")

    def do_deactivate(self, options) -> None:
        user = user_get(options["email"])
        user_deactivate(user=user)
        self.stdout.write(
            f"Compte désactivé : {user.email}. Il ne peut plus se connecter et "
            "ses sessions sont fermées."
        )
        for membership in user.memberships.filter(role=Membership.Role.ADMIN):
            others = Membership.objects.filter(
                company_id=membership.company_id,
                role=Membership.Role.ADMIN,
                user__is_active=True,
            )
            if not others.exists():
                self.stderr.write(
                    f"Attention : {membership.company.name} n'a plus "
                    "d'administrateur actif (« relance user create --company "
                    f"{membership.company_id} --role admin EMAIL » en crée un)."
                )
