"""A Relance installation in a temporary folder, driven from the outside like
an administrator would: commands, worker processes, a real database."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

SETUP = "import django; django.setup()\n"


class Instance:
    def __init__(self, folder: Path, database_url: str, **env):
        self.folder = folder
        self.database_url = database_url
        self.env = {
            **os.environ,
            "RELANCE_DATA_DIR": str(folder),
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "relance.config.settings",
            "RELANCE_LOG_LEVEL": "WARNING",
            "RELANCE_ADMIN_PASSWORD": "mot-de-passe-de-test",
            **env,
        }
        self.processes: list[subprocess.Popen] = []

    @property
    def postgres(self) -> bool:
        return self.database_url.startswith("postgres")

    def relance(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [sys.executable, "-m", "relance.cli", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if check and result.returncode:
            raise AssertionError(
                f"relance {' '.join(args)}:\n{result.stdout}{result.stderr}"
            )
        return result

    def python(self, code: str):
        """Run code with Django set up; it prints one JSON value, returned here."""
        result = subprocess.run(
            [sys.executable, "-c", SETUP + textwrap.dedent(code)],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode:
            raise AssertionError(result.stdout + result.stderr)
        lines = result.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None

    def start(self, *args: str, log: Path | None = None, **popen) -> subprocess.Popen:
        """Start `relance ARGS`; its output is read from `process.stdout`, or
        written to `log` when nobody reads it (a pipe left unread fills up,
        and then the web server and the workers wait to write their logs).
        `popen`: more of `subprocess.Popen`'s arguments."""
        output = open(log, "a") if log else subprocess.PIPE  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "relance.cli", *args],
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            **popen,
        )
        if log:
            output.close()  # the child has its own copy
        self.processes.append(process)
        return process

    def wait_for(self, check, timeout: float = 120, every: float = 0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(
            f"still not true after {timeout} s: {check.__doc__ or check}"
        )

    def stop_all(self) -> None:
        """Stop what is still running as a user would (SIGTERM: `serve` stops
        its children), killing what does not stop within 30 s."""
        running = [process for process in self.processes if process.poll() is None]
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def new_postgres_database(settings_database: dict) -> tuple[str, callable]:
    """A fresh database on the suite's PostgreSQL server, and how to drop it."""
    import psycopg

    name = f"relance_it_{uuid.uuid4().hex[:10]}"
    params = {
        "host": settings_database["HOST"] or "127.0.0.1",
        "port": settings_database["PORT"] or 5432,
        "user": settings_database["USER"] or "postgres",
        "password": settings_database["PASSWORD"] or None,
    }
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    password = f":{params['password']}" if params["password"] else ""
    url = f"postgres://{params['user']}{password}@{params['host']}:{params['port']}/{name}"

    def drop():
        with psycopg.connect(
            dbname="postgres", autocommit=True, **params
        ) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return url, drop
