"""Writing dunning steps: defaults, checked saves, export and import."""

import re
from datetime import date

from django.db import transaction
from django.utils.text import capfirst, normalize_newlines
from django.utils.translation import gettext as _

from relance.core import languages
from relance.core.changes import change_record
from relance.core.errors import ApplicationError
from relance.core.languages import BASE
from relance.core.languages import name as language_name
from relance.core.models import ChangeKind, Company
from relance.dunning import defaults
from relance.dunning.models import DunningPlan, DunningStep, DunningStepText
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
    steps = [
        DunningStep.objects.create(company=company, plan=plan, order=index, **values)
        for index, values in enumerate(defaults.DEFAULT_STEPS, start=1)
    ]
    step_texts_create_defaults(steps=steps)
    return steps


# Templates per language (dunning/languages.py): a step's text in each
# language other than French, which is the step's own subject and body.

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def step_texts_create_defaults(*, steps: list[DunningStep]) -> None:
    """The shipped English text of each default step among `steps` (by name)."""
    DunningStepText.objects.bulk_create(
        [
            DunningStepText(
                company_id=step.company_id,
                step=step,
                language="en",
                **defaults.ENGLISH[step.name],
            )
            for step in steps
            if step.name in defaults.ENGLISH
        ]
    )


def step_texts_check(texts: dict[str, dict]) -> dict[str, dict]:
    """Check a step's texts per language ({"en": {"subject", "body"}}): both
    written, or both empty (the text is removed: the fallback applies);
    checked as the step's own. Errors name the field, e.g. `subject_en`."""
    cleaned = {}
    for language, values in texts.items():
        if language == BASE or not LANGUAGE_CODE.fullmatch(language or ""):
            raise ApplicationError(
                _("langue inconnue « %(code)s ».") % {"code": language},
                field="language",
            )
        subject = normalize_newlines(values.get("subject") or "")
        body = normalize_newlines(values.get("body") or "")
        name = language_name(language)
        if subject.strip() and not body.strip():
            raise ApplicationError(
                _("le corps en %(language)s est obligatoire avec son objet.")
                % {"language": name},
                field=f"body_{language}",
            )
        if body.strip() and not subject.strip():
            raise ApplicationError(
                _("l'objet en %(language)s est obligatoire avec son corps.")
                % {"language": name},
                field=f"subject_{language}",
            )
        if len(subject) > 255:
            raise ApplicationError(
                _("255 caractères au plus."), field=f"subject_{language}"
            )
        if len(body) > BODY_MAX:
            raise ApplicationError(
                _("%(max)s caractères au plus (il y en a %(n)s).")
                % {"max": f"{BODY_MAX:,}".replace(",", "\u202f"), "n": len(body)},
                field=f"body_{language}",
            )
        try:
            step_template_check(subject=subject, body=body)
        except ApplicationError as error:
            raise ApplicationError(
                f"{error.message} ({name})", field=f"{error.field}_{language}"
            ) from None
        cleaned[language] = {"subject": subject, "body": body}
    return cleaned


def step_texts_set(*, step: DunningStep, texts: dict[str, dict]) -> None:
    """Write a step's texts per language (see step_texts_check); an empty
    one is removed. Refused as a whole if any is wrong."""
    cleaned = step_texts_check(texts)
    with transaction.atomic():
        for language, values in cleaned.items():
            if not values["subject"].strip():
                DunningStepText.objects.filter(step=step, language=language).delete()
                continue
            DunningStepText.objects.update_or_create(
                step=step,
                language=language,
                defaults={"company_id": step.company_id, **values},
            )


def steps_export(*, company: Company, plan: DunningPlan | None = None) -> dict:
    plan = _plan_of(company, plan)
    texts = _texts_by_step(company)
    steps = DunningStep.objects.filter(company=company, plan=plan).order_by(
        "order", "id"
    )
    return {
        "format": EXPORT_FORMAT,
        "steps": [
            {field: getattr(step, field) for field in FIELDS}
            | {"texts": texts.get(step.pk, {})}
            for step in steps
        ],
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


def _step_values(step: DunningStep) -> dict:
    return {"order": step.order, **{field: getattr(step, field) for field in FIELDS}}


def _step_changed(step: DunningStep, by, before: dict, after: dict) -> None:
    """The change recorded (who changed what: `core.changes`)."""
    change_record(
        company=step.company_id,
        by=by,
        kind=ChangeKind.STEP,
        subject_id=step.pk,
        subject_label=step.name,
        before=before,
        after=after,
    )


def step_create(
    *,
    company: Company,
    today: date,
    plan: DunningPlan | None = None,
    by=None,
    **values,
) -> DunningStep:
    """A new step, last in its plan (the default plan when None); its
    templates are checked first. The company's invoices reach it at once (see
    `_steps_changed`)."""
    cleaned = step_validate(values)
    with transaction.atomic():
        plan = _plan_of(company, plan)
        last = DunningStep.objects.filter(plan=plan).order_by("-order").first()
        step = DunningStep.objects.create(
            company=company,
            plan=plan,
            order=(last.order + 1) if last else 1,
            **cleaned,
        )
        _step_changed(step, by, {}, _step_values(step))
        _steps_changed(company, today)
    return step


def step_update(*, step: DunningStep, today: date, by=None, **values) -> DunningStep:
    """Change a step (or archive it: active=False); refused as a whole if any
    value or template is wrong. Takes effect on the invoices at once."""
    current = {field: getattr(step, field) for field in FIELDS}
    cleaned = step_validate({**current, **values})
    with transaction.atomic():
        for field, value in cleaned.items():
            setattr(step, field, value)
        step.save(update_fields=[*cleaned, "updated_at"])
        _step_changed(step, by, current, cleaned)
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


def _clean_texts(index: int, raw: object, company: Company) -> dict[str, dict] | None:
    """A step's « texts » of a file: {"en": {"subject": …, "body": …}}, or
    None when left out. A text written in a language the company has not
    added is refused (an empty one removes it: allowed)."""
    if not isinstance(raw, dict) or raw.get("texts") is None:
        return None
    texts = raw["texts"]
    where = _("étape %(n)s") % {"n": index}
    if not isinstance(texts, dict) or not all(
        isinstance(values, dict) for values in texts.values()
    ):
        raise ApplicationError(
            f"{where}, « texts » : "
            + _("un objet par langue est attendu (« en » : objet et corps)."),
            field="texts",
        )
    try:
        cleaned = step_texts_check(texts)
    except ApplicationError as error:
        message = f"{where}, « {error.field} » : {error.message}"
        raise ApplicationError(message, field=error.field) from None
    for language, values in cleaned.items():
        refused = languages.refusal(language, company.languages)
        if refused and (values["subject"].strip() or values["body"].strip()):
            raise ApplicationError(
                f"{where}, « texts » : {capfirst(refused)}.", field="language"
            )
    return cleaned


def _texts_by_step(company: Company) -> dict[int, dict[str, dict]]:
    texts: dict[int, dict[str, dict]] = {}
    for text in DunningStepText.objects.filter(company=company).order_by("language"):
        texts.setdefault(text.step_id, {})[text.language] = {
            "subject": text.subject,
            "body": text.body,
        }
    return texts


def steps_import(
    *,
    company: Company,
    data: object,
    today: date,
    plan: DunningPlan | None = None,
    by=None,
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
    # Each step's texts per language (« texts »): replaced when given, kept
    # when left out (an export of an earlier release).
    texts = [
        _clean_texts(index, raw, company) for index, raw in enumerate(data, start=1)
    ]
    data = [
        {k: v for k, v in raw.items() if k != "texts"} if isinstance(raw, dict) else raw
        for raw in data
    ]
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
                before = _step_values(step)
                for field, value in values.items():
                    setattr(step, field, value)
                step.order = index
                step.save()
            else:
                before = {}
                step = DunningStep.objects.create(
                    company=company, plan=plan, order=index, **values
                )
            _step_changed(step, by, before, _step_values(step))
            result.append(step)
        for offset, step in enumerate(existing, start=len(cleaned) + 1):
            before = _step_values(step)
            if step.reminders.exists():
                step.active = False
                step.order = offset
                step.save(update_fields=["active", "order", "updated_at"])
                _step_changed(step, by, before, _step_values(step))
            else:
                pk = step.pk
                step.delete()
                step.pk = pk
                _step_changed(step, by, before, {})
        for step, given in zip(result, texts, strict=True):
            if given is not None:
                DunningStepText.objects.filter(step=step).exclude(
                    language__in=list(given)
                ).delete()
                step_texts_set(step=step, texts=given)
        _steps_changed(company, today)
    return result


def step_move(*, step: DunningStep, offset: int, today: date, by=None) -> None:
    """Move a step up (-1) or down (+1) among its plan's steps; orders are
    renumbered 1…n. Moving an active step changes which level it is: each
    step whose order changed is recorded."""
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
                before = {"order": each.order}
                each.order = order
                each.save(update_fields=["order", "updated_at"])
                _step_changed(each, by, before, {"order": order})
        _steps_changed(step.company, today)


def step_save_with_texts(
    *,
    company: Company,
    step: DunningStep | None,
    today: date,
    values: dict,
    texts: dict[str, dict],
    plan: DunningPlan | None = None,
    by=None,
) -> DunningStep:
    """Create (`step` None) or change a step and its texts per language, as
    one: refused as a whole if any value or template is wrong."""
    step_texts_check(texts)
    with transaction.atomic():
        if step is None:
            step = step_create(company=company, today=today, plan=plan, by=by, **values)
        else:
            step = step_update(step=step, today=today, by=by, **values)
        step_texts_set(step=step, texts=texts)
    return step


def step_texts_of(*, step: DunningStep) -> dict[str, dict]:
    """A step's texts other than the French, by language."""
    return {
        text.language: {"subject": text.subject, "body": text.body}
        for text in DunningStepText.objects.filter(step=step)
    }
