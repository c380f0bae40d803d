"""`relance import bank FILE [--json]`."""

import json
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from relance.bank.models import Transaction
from tests.bank.conftest import FILES


def run(*args) -> str:
    out = StringIO()
    call_command("import", "bank", *args, stdout=out)
    return out.getvalue()


@time_machine.travel("2026-12-03 09:00 +0100", tick=False)
def test_import_bank_json_says_what_each_credit_paid(books):
    answer = json.loads(run(str(FILES / "releve.sta"), "--json"))
    first, second = Transaction.objects.order_by("booked_on", "id")
    assert answer == {
        "format": "mt940",
        "transactions": 2,
        "new": 2,
        "matched": [
            {"invoice": "FC22120054", "amount": "1200.00", "transaction": first.pk},
            {"invoice": "FC22120060", "amount": "480.00", "transaction": second.pk},
            {"invoice": "FC22120061", "amount": "520.00", "transaction": second.pk},
        ],
        "suggested": [],
        "unmatched": 0,
    }
    again = json.loads(run(str(FILES / "releve.sta"), "--json"))
    assert (again["new"], again["matched"], again["unmatched"]) == (0, [], 0)


@time_machine.travel("2026-12-03 09:00 +0100", tick=False)
def test_import_bank_tells_in_french_what_it_did(books):
    output = run(str(FILES / "releve.ofx"))
    assert output.splitlines() == [
        "Relevé ofx : 2 crédit(s) lu(s), 2 nouveau(x).",
        f"Rapproché : FC22120054 — 1200.00 (opération "
        f"{Transaction.objects.get(bank_id='2026120100417').pk})",
        f"Rapproché : FC22120070 — 99.90 (opération "
        f"{Transaction.objects.get(bank_id='2026120200240').pk})",
        "2 règlement(s) enregistré(s), 0 suggestion(s), 0 crédit(s) non rapproché(s).",
    ]


def test_import_bank_refuses_a_bad_file_and_imports_nothing(books, tmp_path):
    path = tmp_path / "releve.xml"
    path.write_bytes(b"<?xml version='1.0'?><Document><Pain/></Document>")
    with pytest.raises(SystemExit) as exit_:
        run(str(path), "--json")
    assert exit_.value.code == 1
    assert not Transaction.objects.exists()
