"""The aged balance's snapshot (ADR 29): per customer, what it owed on a
day by bucket, built by `aged_snapshot.aged_snapshot_build` and read by
`selectors.aged_balance`. Customers whose invoices or payments changed since
are listed in `AgedMark` by database triggers (migration 0005), whatever
wrote: the balance reads them live."""

from django.db import models
from django.db.models import F
from django.db.models.functions import Lower

MONEY = {"max_digits": 14, "decimal_places": 2}


class AgedSnapshot(models.Model):
    """The snapshot of a company's balance in one currency holds for `on`:
    its today, and the month ends before it (ADR 29, amended 2026-12-05)."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    on = models.DateField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "currency", "on"], name="aged_snapshot_day_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.on}"


class AgedLine(models.Model):
    """A customer's sums by bucket in a snapshot (customers owing only)."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    on = models.DateField()
    customer_id = models.BigIntegerField()
    # The customer's, copied: a page sorts the lines without a join (a
    # change of either marks the customer stale).
    code = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    b_not_due = models.DecimalField(**MONEY)
    b_1_30 = models.DecimalField(**MONEY)
    b_31_60 = models.DecimalField(**MONEY)
    b_61_90 = models.DecimalField(**MONEY)
    b_over_90 = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)

    class Meta:
        # A page's first lines by total, code or name read in order.
        indexes = [
            models.Index(
                fields=["company_id", "currency", "on", "customer_id"],
                name="aged_line_day_idx",
            ),
            models.Index(
                fields=["company_id", "currency", "on", "total"],
                name="aged_line_day_total_idx",
            ),
            models.Index(
                F("company_id"),
                F("currency"),
                F("on"),
                Lower("code"),
                name="aged_line_day_code_idx",
            ),
            models.Index(
                F("company_id"),
                F("currency"),
                F("on"),
                Lower("name"),
                name="aged_line_day_name_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.customer_id}"


class AgedChange(models.Model):
    """What a customer's sums by bucket gained on `day` over the day before
    (ADR 29, amended in the fourteenth round): an invoice issued, a due
    date one bucket further, a payment. Kept for every day of a span
    (`AgedChangeSpan`), customers with a change that day only, so that a
    day between two snapshots is the nearest one's lines plus or minus the
    days between."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    day = models.DateField()
    customer_id = models.BigIntegerField()
    b_not_due = models.DecimalField(**MONEY)
    b_1_30 = models.DecimalField(**MONEY)
    b_31_60 = models.DecimalField(**MONEY)
    b_61_90 = models.DecimalField(**MONEY)
    b_over_90 = models.DecimalField(**MONEY)

    class Meta:
        indexes = [
            models.Index(
                fields=["company_id", "currency", "day"], name="aged_change_day_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.day} {self.customer_id}"


class AgedChangeSpan(models.Model):
    """The company's changes in one currency are complete for the days
    after `after` up to `until` (its today when they were built)."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    after = models.DateField()
    until = models.DateField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "currency"], name="aged_change_span_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.after}–{self.until}"


class AgedMark(models.Model):
    """A customer whose amounts changed since the snapshots: a row each
    write adds (one a transaction and customer at most), by triggers on
    invoices, payments and customers (migration 0005); never updated. A
    build deletes the rows committed before it (ADR 29, amended
    2026-12-05). No customer: the whole company changed, a statement
    having changed more of its customers than a read names (PostgreSQL,
    migration 0009); its balance is read live."""

    company_id = models.BigIntegerField(db_index=True)
    customer_id = models.BigIntegerField(db_index=True, null=True)

    def __str__(self) -> str:
        return f"{self.company_id} {self.customer_id}"


class IndicatorSnapshot(models.Model):
    """A company's indicators in one currency, computed at `computed_at` for
    the day `on` (ADR 13, amended 2026-12-04): the page, the API and the
    command read them back instead of adding up a year of history again.
    One per company, currency and day: its today's, the last twelve month
    ends', and a past day's a user asked for (kept a day); built by the
    worker's schedule, the « Recalculer » button and `relance indicators
    --snapshot`."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    on = models.DateField()
    computed_at = models.DateTimeField()
    figures = models.JSONField()
    # The API's answer as JSON text (`Indicators.as_dict()`), sent as it is:
    # at 1M invoices it lists 46,000 customers' days to pay (2.4 MB).
    answer = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "currency", "on"],
                name="indicator_snapshot_day_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.on}"


class IndicatorSumSpan(models.Model):
    """A company's indicator sums in one currency (ADR 13, amended in the
    fifteenth round) hold for the days from `first` to `until` (its today
    when they were built, at `built_at`): a past day's trend, DSO, days to
    pay and step yields are read from them instead of a year of history."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    first = models.DateField()
    until = models.DateField()
    built_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["company_id", "currency"], name="indicator_sum_span_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.first}–{self.until}"


class DaySum(models.Model):
    """A company's figures of one day: what was overdue and owed at its end,
    and the net sales issued that day."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    day = models.DateField()
    overdue = models.DecimalField(max_digits=16, decimal_places=2)
    owed = models.DecimalField(max_digits=16, decimal_places=2)
    sales = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [
            models.Index(
                fields=["company_id", "currency", "day"], name="day_sum_day_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.day}"


class StepSum(models.Model):
    """The invoices reminded at a level on one day (sent, not taken out),
    and those of them paid in full within STEP_DAYS after."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    day = models.DateField()
    level = models.IntegerField()
    sent = models.IntegerField()
    paid = models.IntegerField()
    amount_sent = models.DecimalField(max_digits=16, decimal_places=2)
    amount_paid = models.DecimalField(max_digits=16, decimal_places=2)

    class Meta:
        indexes = [
            models.Index(
                fields=["company_id", "currency", "day"], name="step_sum_day_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.day} {self.level}"


class PaySum(models.Model):
    """A customer's invoices paid in full on one day (their last payment's
    date) and the days they took from their issue and due dates, summed."""

    company_id = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    day = models.DateField()
    customer_id = models.BigIntegerField()
    invoices = models.IntegerField()
    from_issue = models.BigIntegerField()
    from_due = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["company_id", "currency", "day"], name="pay_sum_day_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.company_id} {self.currency} {self.day} {self.customer_id}"
