"""`relance --help` shows Relance's commands, not Django's hundred."""

import subprocess
import sys


def relance(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "relance.cli", *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def test_the_help_lists_relances_commands_one_french_line_each():
    for asked in [(), ("help",), ("--help",)]:
        text = relance(*asked)
        assert text.startswith("Usage : relance <commande> [options]\n")
        assert (
            "  daily         Tâche quotidienne : marque « À relancer » les factures "
            "ouvertes dont l'étape suivante est due (sans rien envoyer).\n"
        ) in text
        assert "  user          Comptes" in text
        assert "  aged-balance  Affiche la balance âgée" in text
        assert "sqlflush" not in text and "startproject" not in text


def test_djangos_commands_stay_reachable():
    text = relance("help", "--django")
    assert "sqlflush" in text and "[cli]" in text
