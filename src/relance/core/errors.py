"""The one family of errors that services raise for the user to read."""

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    """A refusal with a message for the user (in French, translatable).

    `field` names the input at fault when there is one, so that a form,
    an API answer or an import report can point at it.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str = ""):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self) -> str:
        return f"{self.field} : {self.message}" if self.field else self.message


def model_validate(instance, fields) -> None:
    """Run the model's own checks on `fields`; the first problem, as an
    ApplicationError naming its field."""
    others = [f.name for f in instance._meta.fields if f.name not in fields]
    try:
        instance.full_clean(exclude=others, validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationError(messages[0], field=field) from None
