"""`relance check --deploy`: what Django's own deployment checks cannot see."""

import stat

from django.conf import settings
from django.core.checks import Tags, Warning, register


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
