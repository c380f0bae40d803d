from relance.cli.base import RelanceCommand
from relance.core.clock import utc_now
from relance.dunning.services.delivery import reminders_deliver_due
from relance.mailing.delivery import where_messages_go


class Command(RelanceCommand):
    help = (
        "Traite la file d'envoi une fois : renvoie les relances dont la nouvelle "
        "tentative est due, marque incertaines celles qu'un arrêt a interrompues."
    )

    def handle(self, *args, **options):
        delivered = reminders_deliver_due(now=utc_now())
        self.stdout.write(
            f"{len(delivered.sent)} envoyée(s), {len(delivered.failed)} en échec, "
            f"{len(delivered.retrying)} à réessayer, "
            f"{len(delivered.uncertain) + delivered.recovered} "
            f"incertaine(s) — {where_messages_go()}."
        )
        if delivered.scheduled:
            first = min(r.next_attempt_at for r in delivered.scheduled)
            self.stdout.write(
                f"{len(delivered.scheduled)} en attente du calendrier d'envoi ou du "
                f"quota du serveur, jusqu'au {first.isoformat(' ', 'minutes')}."
            )
