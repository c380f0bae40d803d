import ipaddress

from axes.models import AccessAttempt
from axes.utils import reset
from django.core.management.base import CommandError
from django.db.models import Sum

from relance.cli.base import RelanceCommand
from relance.core.throttle import api_address_unblock


def ip_address(value: str) -> str:
    """argparse type for --ip."""
    return str(ipaddress.ip_address(value))


ip_address.__name__ = "adresse IP"  # argparse names the type in its error


def failures(**where) -> int:
    attempts = AccessAttempt.objects.filter(**where)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class Command(RelanceCommand):
    help = (
        "Déverrouille des comptes (courriels) ou des adresses IP bloqués après "
        "trop d'échecs de connexion ou de jetons d'API invalides."
    )

    def add_arguments(self, parser):
        parser.add_argument("emails", nargs="*", metavar="COURRIEL")
        parser.add_argument(
            "--ip",
            action="append",
            default=[],
            type=ip_address,
            metavar="ADRESSE",
            help="une adresse IP à débloquer (connexion et API) ; répétable",
        )

    def handle(self, *args, **options):
        if not options["emails"] and not options["ip"]:
            raise CommandError("Donnez au moins un courriel ou une adresse IP (--ip).")
        for email in options["emails"]:
            email = email.strip().lower()  # as the failures were counted
            count = failures(username=email)
            reset(username=email)
            self.stdout.write(
                f"{email} : {count} échec(s) effacé(s), connexion possible."
            )
        for address in options["ip"]:
            count = failures(ip_address=address)
            reset(ip=address)
            api_address_unblock(address)
            self.stdout.write(
                f"{address} : {count} échec(s) effacé(s), connexion et API possibles."
            )
