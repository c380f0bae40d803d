"""Relance set up in a new process, with an environment of the test's making:
settings are read once per process, from the environment."""

import json
import os
import subprocess
import sys
import textwrap

# Variables of the environment running the tests that would leak into the
# configuration under test.
CLEARED = {"DATABASE_URL", "SECRET_KEY", "RELANCE_QUEUE", "DJANGO_SETTINGS_MODULE"}


def run_django(code: str, data_dir, **variables) -> object:
    """Runs code after django.setup() under umask 022; it prints one JSON
    value last, returned here."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in CLEARED and not name.startswith("RELANCE_")
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="relance.config.settings",
        RELANCE_DATA_DIR=str(data_dir),
        **variables,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django\ndjango.setup()\n" + textwrap.dedent(code),
        ],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=lambda: os.umask(0o022),
    )
    if result.returncode:
        raise AssertionError(result.stdout + result.stderr)
    return json.loads(result.stdout.splitlines()[-1])
