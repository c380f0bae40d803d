"""E-invoicing statuses in bulk: `POST /api/v1/einvoice-statuses/batch` of
1,000 statuses (a quarter each 212 « Encaissée », 207 « En litige », 210
« Refusée », 205 « Approuvée »), then the same batch again (all known), then
a CDAR message citing 1,000 invoices read and recorded, on a fresh database
of `--invoices` invoices.

    python bench/einvoice_batch.py [--invoices 20000] [--database-url URL]

Without --database-url, a fresh SQLite file; with a PostgreSQL URL, its
database is used as given (make it empty: `python .ci/pgdb.py create NAME`).
Prints the server time of each call and its SQL statement count.
"""

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from api_batch import fresh_company, invoices, timed

CODES = ["212", "207", "210", "205"]
CDAR = """<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossDomainAcknowledgementAndResponse
 xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossDomainAcknowledgementAndResponse:100"
 xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
 xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
<rsm:ExchangedDocument><ram:ID>BENCH-1</ram:ID></rsm:ExchangedDocument>
<rsm:AcknowledgementDocument><ram:IssueDateTime>
<udt:DateTimeString format="204">20261020120000</udt:DateTimeString>
</ram:IssueDateTime>{references}</rsm:AcknowledgementDocument>
</rsm:CrossDomainAcknowledgementAndResponse>"""
REFERENCE = """<ram:ReferenceReferencedDocument>
<ram:IssuerAssignedID>F{n:07d}</ram:IssuerAssignedID>
<ram:ProcessConditionCode>{code}</ram:ProcessConditionCode>
<ram:SpecifiedDocumentStatus><ram:Reason>Motif {n}</ram:Reason>
</ram:SpecifiedDocumentStatus></ram:ReferenceReferencedDocument>"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=20_000)
    parser.add_argument("--database-url")
    options = parser.parse_args()
    company, client = fresh_company(
        database_url=options.database_url, prefix="relance-bench-einvoice-"
    )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from relance.core.clock import company_today
    from relance.dunning.services.einvoice import einvoice_cdar_take_in

    for batch in range(options.invoices // 1000):
        timed(client, "/api/v1/invoices/batch", invoices(batch, 1000))
    print(f"{connection.vendor}, {options.invoices:,} invoices")
    statuses = [
        {
            "invoice_number": f"F{n:07d}",
            "code": CODES[n % 4],
            "date": "2026-10-15",
            "reason": f"Motif {n}",
            "message_id": f"MSG-{n}",
        }
        for n in range(1000)
    ]
    body = json.dumps(statuses)
    for name in ("1,000 statuses, new", "1,000 statuses, sent again (known)"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.post(
                "/api/v1/einvoice-statuses/batch", body, content_type="application/json"
            )
            seconds = time.perf_counter() - started
        assert response.status_code == 200, response.content[:300]
        print(
            f"{name}: {seconds:.3f} s, {len(queries)} SQL statements, "
            f"answer {json.loads(response.content) | {'payments': '…'}}"
        )
    content = CDAR.format(
        references="".join(
            REFERENCE.format(n=n, code=CODES[n % 4]) for n in range(1000, 2000)
        )
    ).encode()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        _message, recorded = einvoice_cdar_take_in(
            company=company, content=content, today=company_today(company)
        )
        seconds = time.perf_counter() - started
    print(
        f"CDAR message of 1,000 invoices ({len(content) // 1024} KB): "
        f"{seconds:.3f} s, {len(queries)} SQL statements, "
        f"{len(recorded.events)} recorded, {len(recorded.payments)} payments"
    )


if __name__ == "__main__":
    main()
