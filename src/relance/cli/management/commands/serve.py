import ctypes
import os
import signal
import subprocess
import sys
import time

from django.conf import settings

from relance.cli.base import RelanceCommand
from relance.cli.management.commands.init import PASSWORD_FILE


class Command(RelanceCommand):
    help = (
        "Démarre Relance en une commande : le serveur web (gunicorn), un worker "
        "et le scheduler. Ctrl-C ou SIGTERM arrête le tout proprement."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="adresse d'écoute")
        parser.add_argument("--port", type=int, default=8000, help="port d'écoute")
        parser.add_argument("--workers", type=int, default=2, help="processus web")

    def handle(self, *args, **options):
        host, port = options["host"], options["port"]
        relance = [sys.executable, "-m", "relance.cli"]
        # gunicorn stops gracefully on SIGTERM; Huey's consumer on SIGINT.
        web = [
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
        children = [
            _start(web, signal.SIGTERM),
            _start([*relance, "worker", "--scheduler"], signal.SIGINT),
        ]
        stop_signals = [signal.SIGTERM, signal.SIGINT]
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
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
        self.stdout.write(
            f"Web (pid {children[0].pid}), worker et tâche quotidienne "
            f"(pid {children[1].pid}) démarrés. Ctrl-C pour arrêter."
        )
        code = 0
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    self.stderr.write(
                        f"Un processus s'est arrêté (code {child.returncode})."
                    )
                    code = child.returncode or 1
                    stopping = True
            time.sleep(0.5)
        self.stdout.write("Arrêt de Relance…")
        for child, stop_signal in zip(children, stop_signals, strict=True):
            if child.poll() is None:
                child.send_signal(stop_signal)
        deadline = time.monotonic() + 20
        for child in children:
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
        self.stdout.write("Relance est arrêté.")
        sys.exit(code)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _start(command: list[str], stop_signal: int) -> subprocess.Popen:
    """Start a child in its own session: a Ctrl-C reaches this process only,
    which then stops each child once, with the signal it expects. On Linux the
    child also gets that signal if this process dies without stopping it
    (killed with SIGKILL), rather than living on alone.

    The child's stop signal is set back to its default first: an ignored
    signal is inherited across exec, and `relance serve &` in a script (a
    shell without job control) starts with SIGINT ignored — the worker
    would never stop."""
    parent = os.getpid()

    def stop_with_parent() -> None:
        signal.signal(stop_signal, signal.SIG_DFL)
        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            return  # not Linux
        prctl(PR_SET_PDEATHSIG, int(stop_signal))
        if os.getppid() != parent:  # the parent died before prctl
            os.kill(os.getpid(), stop_signal)

    return subprocess.Popen(
        command, start_new_session=True, preexec_fn=stop_with_parent
    )
