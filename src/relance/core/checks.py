"""`relance check` (and `--deploy`): what Django's own checks cannot see."""

import stat

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import connections

# SQLite's RETURNING (3.35) gives the ids of rows inserted many a statement,
# its UPDATE … FROM (3.33) writes many rows by key (`core.sql`), `AS
# MATERIALIZED` (3.35) keeps a CTE read twice computed once (the aged balance).
SQLITE_AT_LEAST = (3, 35, 0)


@register(Tags.database)
def sqlite_is_recent_enough(app_configs, databases=None, **kwargs):
    """The SQLite library Python was built with must know RETURNING."""
    import sqlite3

    if (
        not any(connections[alias].vendor == "sqlite" for alias in databases or ())
        or sqlite3.sqlite_version_info >= SQLITE_AT_LEAST
    ):
        return []
    return [
        Error(
            f"La bibliothèque SQLite {sqlite3.sqlite_version} est trop ancienne : "
            "Relance demande SQLite 3.35 ou plus récent.",
            hint="Installez un Python construit avec un SQLite récent "
            "(Debian 12, Ubuntu 22.04 ou plus récents), ou utilisez PostgreSQL.",
            id="relance.E001",
        )
    ]


@register(Tags.security, deploy=True)
def data_folder_is_private(app_configs, **kwargs):
    """The data folder holds the secret key, the database and uploaded PDFs;
    Relance creates it mode 700, but an older or hand-made one may be open."""
    folder = settings.DATA_DIR
    mode = stat.S_IMODE(folder.stat().st_mode)
    if not mode & 0o077:
        return []
    return [
        Warning(
            f"Le dossier de données {folder} est ouvert aux autres utilisateurs "
            f"de la machine (mode {mode:o}).",
            hint=f"chmod 700 {folder}",
            id="relance.W001",
        )
    ]
