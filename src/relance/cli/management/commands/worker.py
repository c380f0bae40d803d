import logging

from django.conf import settings

from relance.cli.base import RelanceCommand, sending_process_setup
from relance.core.queue import huey


class Command(RelanceCommand):
    help = (
        "Démarre un worker : il envoie les relances en file d'attente. Avec "
        "--scheduler, il lance aussi la tâche quotidienne de chaque société à son "
        "heure (un seul scheduler pour toutes les machines)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--threads",
            type=int,
            default=settings.RELANCE_WORKER_THREADS,
            help="envois en parallèle (RELANCE_WORKER_THREADS)",
        )
        parser.add_argument(
            "--scheduler",
            action="store_true",
            help="lancer aussi les tâches planifiées",
        )

    def handle(self, *args, **options):
        from relance.dunning import tasks
        from relance.reports import tasks as _reports  # noqa: F401 (its periodic task)

        logging.getLogger("huey").setLevel(logging.WARNING)
        sending_process_setup()
        # Pick up at once what was left: pending messages, crashed sends and,
        # for the scheduler, a daily job whose hour passed while it was off.
        if options["scheduler"]:
            tasks.tick()
        else:
            tasks.deliver_due()
        consumer = huey.create_consumer(
            workers=options["threads"],
            worker_type="thread",
            periodic=options["scheduler"],
            check_worker_health=True,
        )
        role = "worker et scheduler" if options["scheduler"] else "worker"
        threads, queue = options["threads"], settings.RELANCE_QUEUE
        self.stdout.write(f"Relance {role} : {threads} fil(s), file {queue}.")
        consumer.run()
