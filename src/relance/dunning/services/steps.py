"""Writing dunning steps: defaults, checked saves, export and import."""

from datetime import date

from django.db import transaction
from django.utils.text import normalize_newlines
from django.utils.translation import gettext as _

from relance.core.errors import ApplicationError
from relance.core.models import Company
from relance.dunning import defaults
from relance.dunning.models import DunningPlan, DunningStep
from relance.dunning.rules import Trigger
from relance.dunning.services.state import invoices_refresh
from relance.mailing import templating

EXPORT_FORMAT = "relance-steps/1"
FIELDS = (
    "name",
    "trigger",
    "days",
    "subject",
    "body",
    "attach_pdf",
    "attach_statement",
    "formal_notice",
    "channel",
    "active",
)
BODY_MAX = 20_000  # characters: ten times the longest default template


def step_template_check(*, subject: str, body: str) -> None:
    """Refuse a subject or body that would not render; names the field and line."""
    for field, source in (("subject", subject), ("body", body)):
        try:
            templating.check(source)
        except templating.TemplateRefused as error:
            label = _("Objet") if field == "subject" else _("Corps du courriel")
            raise ApplicationError(f"{label} — {error}", field=field) from None


def _plan_of(company: Company, plan: DunningPlan | None) -> DunningPlan:
    """`plan` checked to be the company's, or the company's default plan."""
    from relance.dunning.services.plans import plan_default_ensure

    if plan is None:
        return plan_default_ensure(company=company)
    if plan.company_id != company.pk:
        raise ApplicationError(_("Plan de relance introuvable."), field="plan")
    return plan


def steps_create_defaults(*, company: Company) -> list[DunningStep]:
    """Give a company without steps its « Standard » plan with the default
    four steps; leave others alone."""
    plan = _plan_of(company, None)
    if DunningStep.objects.filter(company=company).exists():
        return []
    return [
        DunningStep.objects.create(company=company, plan=plan, order=index, **values)
        for index, values in enumerate(defaults.DEFAULT_STEPS, start=1)
    ]


def steps_export(*, company: Company, plan: DunningPlan | None = None) -> dict:
    plan = _plan_of(company, plan)
    steps = DunningStep.objects.filter(company=company, plan=plan).order_by(
        "order", "id"
    )
    return {
        "format": EXPORT_FORMAT,
        "steps": [{field: getattr(step, field) for field in FIELDS} for step in steps],
    }


def step_validate(raw: object) -> dict:
    """Check a step's values (from a form, the API or a file); all fields named."""
    if not isinstance(raw, dict):
        raise ApplicationError(_("Un objet est attendu."))
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise ApplicationError(_("champ inconnu."), field=unknown[0])
    values = {
        "name": raw.get("name"),
        "trigger": raw.get("trigger", Trigger.AFTER_DUE_DATE.value),
        "days": raw.get("days"),
        "subject": raw.get("subject", ""),
        "body": raw.get("body", ""),
        "attach_pdf": raw.get("attach_pdf", True),
        "attach_statement": raw.get("attach_statement", False),
        "formal_notice": raw.get("formal_notice", False),
        "channel": raw.get("channel", DunningStep.Channel.EMAIL.value),
        "active": raw.get("active", True),
    }

    def refuse(field: str, message: str):
        raise ApplicationError(message, field=field)

    if not isinstance(values["name"], str) or not values["name"].strip():
        refuse("name", _("un nom est obligatoire."))
    if len(values["name"]) > 100:
        refuse("name", _("100 caractères au plus."))
    if values["trigger"] not in set(Trigger):
        choices = ", ".join(t.value for t in Trigger)
        refuse(
            "trigger", _("valeur attendue parmi %(choices)s.") % {"choices": choices}
        )
    if values["channel"] not in DunningStep.Channel.values:
        choices = ", ".join(DunningStep.Channel.values)
        refuse(
            "channel", _("valeur attendue parmi %(choices)s.") % {"choices": choices}
        )
    if isinstance(values["days"], bool) or not isinstance(values["days"], int):
        refuse("days", _("un nombre entier de jours est attendu."))
    if not -365 <= values["days"] <= 3650:
        refuse("days", _("entre -365 et 3650 jours."))
    for field in ("subject", "body"):
        if not isinstance(values[field], str):
            refuse(field, _("un texte est attendu."))
        # A browser sends \r\n: the text stored is the text sent, whatever
        # way it came in (form, API, file).
        values[field] = normalize_newlines(values[field])
    if len(values["subject"]) > 255:
        refuse("subject", _("255 caractères au plus."))
    if len(values["body"]) > BODY_MAX:
        refuse(
            "body",
            _("%(max)s caractères au plus (il y en a %(n)s).")
            % {"max": f"{BODY_MAX:,}".replace(",", "\u202f"), "n": len(values["body"])},
        )
    for field in ("attach_pdf", "attach_statement", "formal_notice", "active"):
        if not isinstance(values[field], bool):
            refuse(field, _("true ou false attendu."))
    step_template_check(subject=values["subject"], body=values["body"])
    values["name"] = values["name"].strip()
    return values


def step_create(
    *, company: Company, today: date, plan: DunningPlan | None = None, **values
) -> DunningStep:
    """A new step, last in its plan (the default plan when None); its
    templates are checked first. The company's invoices reach it at once (see
    `_steps_changed`)."""
    cleaned = step_validate(values)
    with transaction.atomic():
        plan = _plan_of(company, plan)
        last = DunningStep.objects.filter(plan=plan).order_by("-order").first()
        # audit: step created
        step = DunningStep.objects.create(
            company=company,
            plan=plan,
            order=(last.order + 1) if last else 1,
            **cleaned,
        )
        _steps_changed(company, today)
    return step


def step_update(*, step: DunningStep, today: date, **values) -> DunningStep:
    """Change a step (or archive it: active=False); refused as a whole if any
    value or template is wrong. Takes effect on the invoices at once."""
    current = {field: getattr(step, field) for field in FIELDS}
    cleaned = step_validate({**current, **values})
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(step, field, value)
        # audit: step changed (before: current, after: cleaned)
        step.save(update_fields=[*cleaned, "updated_at"])
        _steps_changed(step.company, today)
    return step


def _steps_changed(company: Company, today: date) -> None:
    """The steps decide every invoice's next step and date: recompute the
    company's dunning state in the same transaction (set-based, as the daily
    job), so that the list, the counts and the summary always agree."""
    invoices_refresh(company=company, today=today)


def _clean_step(index: int, raw: object) -> dict:
    where = _("étape %(n)s") % {"n": index}
    try:
        return step_validate(raw)
    except ApplicationError as error:
        if error.field:
            message = f"{where}, « {error.field} » : {error.message}"
        else:
            message = f"{where} : {error.message}"
        raise ApplicationError(message, field=error.field) from None


def steps_import(
    *, company: Company, data: object, today: date, plan: DunningPlan | None = None
) -> list[DunningStep]:
    """Replace a plan's steps (the default plan's when None) with those of an
    export; all or nothing.

    The i-th step of the file updates the company's i-th step, so the history
    of reminders stays attached; extra steps are created; steps left over are
    deleted, or archived when reminders refer to them.
    """
    if isinstance(data, dict):
        if data.get("format", EXPORT_FORMAT) != EXPORT_FORMAT:
            raise ApplicationError(
                _("Format inconnu : « %(format)s ».") % {"format": data.get("format")}
            )
        data = data.get("steps")
    if not isinstance(data, list) or not data:
        raise ApplicationError(_("Une liste d'étapes (« steps ») est attendue."))
    cleaned = [_clean_step(index, raw) for index, raw in enumerate(data, start=1)]
    with transaction.atomic():
        plan = _plan_of(company, plan)
        existing = list(
            DunningStep.objects.select_for_update()
            .filter(company=company, plan=plan)
            .order_by("order", "id")
        )
        result = []
        for index, values in enumerate(cleaned, start=1):
            if existing:
                step = existing.pop(0)
                for field, value in values.items():
                    setattr(step, field, value)
                step.order = index
                step.save()
            else:
                step = DunningStep.objects.create(
                    company=company, plan=plan, order=index, **values
                )
            result.append(step)
        for offset, step in enumerate(existing, start=len(cleaned) + 1):
            if step.reminders.exists():
                step.active = False
                step.order = offset
                step.save(update_fields=["active", "order", "updated_at"])
            else:
                step.delete()
        _steps_changed(company, today)
    return result


def step_move(*, step: DunningStep, offset: int, today: date) -> None:
    """Move a step up (-1) or down (+1) among its plan's steps; orders are
    renumbered 1…n. Moving an active step changes which level it is."""
    with transaction.atomic():
        steps = list(
            DunningStep.objects.select_for_update()
            .filter(plan_id=step.plan_id)
            .order_by("order", "id")
        )
        index = next(i for i, s in enumerate(steps) if s.pk == step.pk)
        target = min(max(index + offset, 0), len(steps) - 1)
        steps.insert(target, steps.pop(index))
        for order, each in enumerate(steps, start=1):
            if each.order != order:
                each.order = order
                each.save(update_fields=["order", "updated_at"])
        _steps_changed(step.company, today)
