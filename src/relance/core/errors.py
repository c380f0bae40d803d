"""The one family of errors that services raise for the user to read."""


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
