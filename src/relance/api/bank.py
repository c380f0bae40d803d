"""Bank transactions pushed by an aggregator: matched like a statement's."""

from ninja import Body, Router

from relance.api import schemas as s
from relance.api.routes import ERRORS, today
from relance.bank.services import transactions_push

router = Router()


@router.post(
    "/bank/transactions",
    response={200: s.BankImportOut, **ERRORS},
    tags=["bank"],
)
def bank_transactions(request, payload: Body[s.BankTransactionsIn]):
    """Up to 1,000 bank transactions (a bank aggregator's push), all or
    nothing: a field refused names the object's index (`3.amount`). Debits
    (amounts ≤ 0) are ignored; a transaction already received (same `id`, or
    same date, amount and label without one) creates nothing. Each credit is
    matched as a statement's (docs/bank.md): the answer lists the payments
    recorded (`matched`), the suggestions to confirm on the « Banque » page,
    and the number of credits left unmatched."""
    result = transactions_push(
        company=request.company,
        objects=[item.dict() for item in payload],
        today=today(request),
    )
    return result.as_dict()
