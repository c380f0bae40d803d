"""Who changed what, as people read it (`core.ChangeRecord`): the company's
« Historique des modifications » (page and API) and the customer's history.

A record keeps raw JSON values; this module names the fields (their models'
labels) and the values (a choice's label, a date the French way, Oui/Non),
in the reader's language: « Langue : français → anglais »."""

from datetime import date

from django.core.paginator import Paginator
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from relance.core import languages
from relance.core.models import ChangeKind, ChangeOrigin, ChangeRecord, Company
from relance.core.money import format_date
from relance.dunning.models import CustomerDunning, DunningPlan, DunningStep
from relance.invoices.models import Customer

MODELS: dict[str, type[models.Model]] = {
    ChangeKind.STEP: DunningStep,
    ChangeKind.CUSTOMER: Customer,
    ChangeKind.COMPANY: Company,
    ChangeKind.PLAN: DunningPlan,
}
# A customer's plan and own gap are kept by `dunning` (ADR 21), recorded as
# the customer's changes.
EXTRA_FIELDS: dict[str, type[models.Model]] = {ChangeKind.CUSTOMER: CustomerDunning}
TEXT_SHOWN = 80  # characters of a long text (a template) shown
PAGE_SIZE = 50


def _field(kind: str, name: str) -> models.Field | None:
    model = MODELS.get(kind)
    if model is None:
        return None
    for each in (model, EXTRA_FIELDS.get(kind)):
        try:
            return each._meta.get_field(name) if each else None
        except Exception:  # a field since removed: its name is shown
            continue
    return None


def field_label(kind: str, name: str) -> str:
    if name == "order":
        return _("Ordre")
    field = _field(kind, name)
    label = str(field.verbose_name) if field is not None else name
    return capfirst(label)


def value_text(kind: str, name: str, value) -> str:
    """A recorded value as shown; « (vide) » for none."""
    if value is None or value == "":
        return _("(vide)")
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if kind == ChangeKind.COMPANY and name == "languages" and isinstance(value, list):
        return ", ".join(languages.name(code) for code in value)
    field = _field(kind, name)
    if field is not None and field.choices:
        label = str(dict(field.flatchoices).get(value, value))
        return label[:1].lower() + label[1:]
    if isinstance(field, models.DateField) and not isinstance(
        field, models.DateTimeField
    ):
        try:
            return format_date(date.fromisoformat(value))
        except (TypeError, ValueError):
            pass
    text = str(value).replace("\n", " ")
    if len(text) > TEXT_SHOWN:
        text = text[: TEXT_SHOWN - 1] + "…"
    return text


def _position(kind: str, name: str) -> tuple:
    """Fields in their model's order (PostgreSQL's jsonb keeps no order)."""
    model = MODELS.get(kind)
    names = ["order", *(f.name for f in model._meta.fields)] if model else []
    extra = EXTRA_FIELDS.get(kind)
    names += [f.name for f in extra._meta.fields] if extra else []
    return (names.index(name), "") if name in names else (len(names), name)


def change_lines(record: ChangeRecord) -> list[str]:
    """One line per field: « Langue : français → anglais », or
    « Nom : Relance 5 » for a creation (a deletion: the value it had)."""
    kind, before, after = record.kind, record.before, record.after
    names = sorted({*before, *after}, key=lambda name: _position(kind, name))
    lines = []
    for name in names:
        label = field_label(kind, name)
        if name in before and name in after:
            lines.append(
                _("%(field)s : %(before)s → %(after)s")
                % {
                    "field": label,
                    "before": value_text(kind, name, before[name]),
                    "after": value_text(kind, name, after[name]),
                }
            )
        else:
            value = after[name] if name in after else before[name]
            lines.append(
                _("%(field)s : %(value)s")
                % {"field": label, "value": value_text(kind, name, value)}
            )
    return lines


TITLES = {
    ChangeKind.STEP: (
        lambda: _("Étape créée"),
        lambda: _("Étape modifiée"),
        lambda: _("Étape supprimée"),
    ),
    ChangeKind.CUSTOMER: (
        lambda: _("Client créé"),
        lambda: _("Client modifié"),
        lambda: _("Client supprimé"),
    ),
    ChangeKind.PLAN: (
        lambda: _("Plan de relance créé"),
        lambda: _("Plan de relance modifié"),
        lambda: _("Plan de relance supprimé"),
    ),
    ChangeKind.COMPANY: (
        lambda: _("Paramètres créés"),
        lambda: _("Paramètres de la société modifiés"),
        lambda: _("Paramètres supprimés"),
    ),
}


def change_title(record: ChangeRecord) -> str:
    created, changed, deleted = TITLES[record.kind]
    if not record.before:
        return created()
    if not record.after:
        return deleted()
    return changed()


def change_who(record: ChangeRecord) -> str:
    """« Marie Dupont », « API (jeton « ERP »), « système »."""
    if record.origin == ChangeOrigin.API:
        return _("API (jeton « %(name)s »)") % {"name": record.by_name}
    if record.origin == ChangeOrigin.SYSTEM:
        return record.by_name or _("système")
    return record.by_name


def changes_page(*, company: Company, kind: str = "", page: int = 1):
    """A page (`PAGE_SIZE`) of the company's changes, newest first, of one
    kind when `kind` is one. Only the company's."""
    records = ChangeRecord.objects.filter(company=company).order_by("-at", "-id")
    if kind in ChangeKind.values:
        records = records.filter(kind=kind)
    return Paginator(records, PAGE_SIZE).get_page(page)
