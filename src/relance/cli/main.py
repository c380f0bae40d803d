"""The `relance` command: Django's management commands under one name.

`relance`, `relance help` and `relance --help` list Relance's own commands,
one French line each; `relance help --django` lists all of Django's too.
"""

import os
import sys

HELP = {(), ("help",), ("--help",), ("-h",)}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "relance.config.settings")
    arguments = tuple(sys.argv[1:])
    if arguments in HELP:
        import django

        django.setup()
        sys.stdout.write(commands_help())
        return
    if arguments == ("help", "--django"):
        arguments = ("help",)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["relance", *arguments])


def commands_help() -> str:
    """Relance's commands, each with the first sentence of its help."""
    from django.core.management import get_commands, load_command_class

    lines = [
        "Usage : relance <commande> [options]",
        "",
        "Commandes de Relance :",
    ]
    ours = sorted(name for name, app in get_commands().items() if app == "relance.cli")
    width = max(map(len, ours))
    for name in ours:
        summary = load_command_class("relance.cli", name).help.split(". ")[0]
        lines.append(f"  {name.ljust(width)}  {summary.rstrip('.')}.")
    lines += [
        "",
        "« relance <commande> --help » détaille une commande ; "
        "« relance help --django » liste aussi celles de Django.",
        "",
    ]
    return "\n".join(lines)
