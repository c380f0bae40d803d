import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db import transaction

from relance.cli.base import RelanceCommand
from relance.config import env
from relance.core.models import Company, Membership, User
from relance.core.services import user_create
from relance.dunning.services.steps import steps_create_defaults

PASSWORD_FILE = "initial_admin_password"


class Command(RelanceCommand):
    help = (
        "Prépare Relance (sans risque si relancé) : base de données à jour, une "
        "société, son administrateur et les étapes de relance par défaut."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-input",
            action="store_true",
            help="ne rien demander : RELANCE_COMPANY_NAME, RELANCE_ADMIN_EMAIL, "
            "RELANCE_ADMIN_PASSWORD ou les valeurs par défaut",
        )

    def handle(self, *args, **options):
        self.interactive = not options["no_input"]
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write("Base de données à jour.")
        with transaction.atomic():
            company = self.company()
            self.admin(company)
            for each in Company.objects.all():
                created = steps_create_defaults(company=each)
                if created:
                    self.stdout.write(
                        f"Étapes de relance créées pour {each.name} : "
                        + ", ".join(step.name for step in created)
                    )

    def ask(self, label: str, default: str) -> str:
        if not self.interactive:
            return default
        answer = input(f"{label} [{default}] : ").strip()
        return answer or default

    def company(self) -> Company:
        existing = Company.objects.order_by("id").first()
        if existing:
            return existing
        name = self.ask(
            "Raison sociale de votre société", env.get("RELANCE_COMPANY_NAME")
        )
        company = Company.objects.create(name=name)
        self.stdout.write(f"Société créée : {company.name} (identifiant {company.pk}).")
        return company

    def admin(self, company: Company) -> None:
        """The company's first administrator: a person of the company, who
        configures it in the web interface. Not an operator: Django's admin
        (/admin/), which shows every company, is for accounts made with
        `relance user create --operator`."""
        admins = Membership.objects.filter(company=company, role=Membership.Role.ADMIN)
        if admins.exists():
            return
        email = self.ask("Courriel de l'administrateur", env.get("RELANCE_ADMIN_EMAIL"))
        while True:
            try:
                validate_email(email)
                if User.objects.filter(email__iexact=email).exists():
                    problem = f"Un compte existe déjà pour {email}"
                else:
                    break
            except ValidationError:
                problem = f"Courriel d'administrateur invalide : {email}"
            if not self.interactive:
                raise CommandError(problem)
            email = self.ask(f"{problem}. Courriel de l'administrateur", "")
        password = env.get("RELANCE_ADMIN_PASSWORD")
        generated = False
        if not password and self.interactive:
            password = self.ask_password(email)
        if not password:
            password = secrets.token_urlsafe(12)
            generated = True
        user = user_create(
            email=email, password=password, company=company, role=Membership.Role.ADMIN
        )
        self.stdout.write(
            f"Administrateur créé : {user.email} (administrateur de {company.name})"
        )
        if generated:
            path = settings.DATA_DIR / PASSWORD_FILE
            path.write_text(f"{user.email}\n{password}\n")
            path.chmod(0o600)
            self.stdout.write(
                self.style.WARNING(
                    f"Mot de passe généré : {password}\n"
                    f"(noté aussi dans {path} ; changez-le après la première "
                    "connexion, dans « Mon profil », puis supprimez ce fichier)"
                )
            )

    def ask_password(self, email: str) -> str:
        """Typed twice, and held to the password rules; empty: generate one."""
        return self.password_typed(
            email, "Mot de passe (vide : en générer un) : ", empty_ok=True
        )
