"""Who changed what: one `ChangeRecord` per change of a step, a customer, a
plan or the company's settings (ADR 23). `change_record` is the one way to
write one; it keeps only the fields whose value changed, JSON-safe, and
writes nothing when none did.

`by` says who: a `User` (a person on a page), an `ApiToken` (the API: its
creator and its name are kept), a text (a named system process) or None
(the system, e.g. the daily job). Pauses are not recorded here: each one is
already a `dunning.models.PauseRecord` (who, when, until, why, lifted).
"""

from datetime import date, datetime, time
from decimal import Decimal

from django.db import models

from relance.core.clock import utc_now
from relance.core.models import (
    ApiToken,
    ChangeKind,
    ChangeOrigin,
    ChangeRecord,
    Company,
    User,
)


def json_safe(value):
    """A value as JSON keeps it: dates ISO, decimals as text, an object
    (a user, a plan) by its name."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_safe(item) for item in value]
    if isinstance(value, models.Model):
        return str(value)
    return str(value)


def changes_only(before: dict, after: dict) -> tuple[dict, dict]:
    """The fields whose JSON-safe value differs, before and after. A field on
    one side only (a creation, a deletion) is kept on that side. Equal
    values are unchanged even when written apart (10 and 10.00, "" and
    None)."""
    missing = object()

    def same(a, b) -> bool:
        return a == b or (a in ("", None) and b in ("", None))

    keys = [
        key
        for key in {**before, **after}
        if not same(before.get(key, missing), after.get(key, missing))
    ]
    old = {key: json_safe(before[key]) for key in keys if key in before}
    new = {key: json_safe(after[key]) for key in keys if key in after}
    return old, new


def who(by) -> tuple[User | None, str, str]:
    """(user, name kept, origin) for `by` (see the module's docstring)."""
    if isinstance(by, ApiToken):
        return by.created_by, by.name, ChangeOrigin.API
    if isinstance(by, User):
        return by, str(by), ChangeOrigin.USER
    if isinstance(by, str):
        return None, by, ChangeOrigin.SYSTEM
    return None, "", ChangeOrigin.SYSTEM


def change_record(
    *,
    company: Company | int,
    by,
    kind: str,
    subject_id: int | None,
    subject_label: str,
    customer=None,
    before: dict,
    after: dict,
) -> ChangeRecord | None:
    """Record that `by` changed `subject` (a `ChangeKind`) from `before` to
    `after`; only changed fields are kept. None, and nothing written, when
    nothing changed. `customer` is a customer or its id, when the change is
    about one (shown in its history). `company` may be given by its id."""
    if kind not in ChangeKind.values:
        raise ValueError(f"unknown change kind: {kind!r}")
    old, new = changes_only(before, after)
    if not old and not new:
        return None
    user, name, origin = who(by)
    customer_id = getattr(customer, "pk", customer)
    return ChangeRecord.objects.create(
        company_id=company.pk if isinstance(company, Company) else company,
        at=utc_now(),
        user=user,
        by_name=name[:200],
        origin=origin,
        kind=kind,
        subject_id=subject_id,
        subject_label=str(subject_label)[:255],
        customer_id=customer_id,
        before=old,
        after=new,
    )
