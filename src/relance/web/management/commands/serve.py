import signal
import subprocess
import sys

from django.conf import settings

from relance.core.commands import RelanceCommand
from relance.dunning.management.commands.init import PASSWORD_FILE


class Command(RelanceCommand):
    help = "Démarre Relance (serveur web de production) et indique où l'ouvrir."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute")
        parser.add_argument("--port", type=int, default=8000, help="port d'écoute")
        parser.add_argument("--workers", type=int, default=2, help="processus web")

    def handle(self, *args, **options):
        host, port = options["host"], options["port"]
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "relance.config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(options["workers"]),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ]
        )
        shown = "localhost" if host in {"127.0.0.1", "0.0.0.0", "::"} else host
        self.stdout.write(
            self.style.SUCCESS(f"Relance est prêt : ouvrez http://{shown}:{port}/")
        )
        password_file = settings.DATA_DIR / PASSWORD_FILE
        if password_file.exists():
            email = password_file.read_text().split()[0]
            self.stdout.write(
                f"Connexion : {email} (mot de passe initial dans {password_file})"
            )
        self.stdout.write("Ctrl-C pour arrêter.")

        def stop(signum, frame):
            web.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        code = web.wait()
        self.stdout.write("Relance est arrêté.")
        sys.exit(code if code > 0 else 0)
