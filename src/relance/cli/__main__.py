"""`python -m relance.cli` is the `relance` command."""

from relance.cli.main import main

main()
