"""How the console's API refuses: each exception the services raise, as the status and body a script reads.

Bad input answers 422 with `{"errors": [{"field", "message", "fix"}]}`, as the forms say it; a role that may
not act 403, a locked draft or a busy cluster 409, something missing 404, no credentials 401.
"""

from collections.abc import Callable

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as NinjaValidationError

from clusters.clpconf import transfer
from clusters.configuration import services
from clusters.runs import taskruns


class Refused(Exception):
    """Bad input: each problem names its field, what is wrong and the fix."""

    def __init__(self, problems: list[dict]):
        super().__init__(problems[0]["message"] if problems else "")
        self.problems = problems


def problem(field: str, message: str, fix: str = "") -> dict:
    return {"field": field, "message": message, "fix": fix}


def _refused(exc: Refused) -> tuple[int, dict]:
    return 422, {"errors": exc.problems}


def _invalid(exc: NinjaValidationError) -> tuple[int, dict]:
    problems = [
        problem(
            ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "payload", "query")),
            e.get("msg", "is not valid"),
            "Send the value the OpenAPI document describes for this field.",
        )
        for e in exc.errors
    ]
    return 422, {"errors": problems}


def _model_invalid(exc: ValidationError) -> tuple[int, dict]:
    items = exc.message_dict.items() if hasattr(exc, "error_dict") else [("value", exc.messages)]
    return 422, {"errors": [problem(field, " ".join(messages), "Correct this value.") for field, messages in items]}


def _forbidden(exc: PermissionDenied) -> tuple[int, dict]:
    return 403, {"detail": str(exc) or "Your role does not allow this."}


def _conflict(exc: Exception) -> tuple[int, dict]:
    return 409, {"detail": str(exc)}


def _bad_parameter(exc: taskruns.BadParameter) -> tuple[int, dict]:
    return 422, {"errors": [problem(exc.field, str(exc), exc.fix)]}


def _bad_file(exc: transfer.ConfError) -> tuple[int, dict]:
    return 422, {"errors": [problem("file", f"{exc} Nothing was imported.", "Export the file again.")]}


def _missing(exc: LookupError) -> tuple[int, dict]:
    return 404, {"detail": str(exc)}


class BadToken(AuthenticationError):
    """The request sent credentials that are no API token of an active user."""


def _unauthenticated(exc: AuthenticationError) -> tuple[int, dict]:
    if isinstance(exc, BadToken):
        return 401, {
            "detail": "The API token is not valid: unknown, revoked, or its user deactivated. Send "
            "Authorization: Bearer cwui_... with a token created under API tokens."
        }
    return 401, {"detail": "Send an API token: Authorization: Bearer cwui_... (create one under API tokens)."}


ANSWERS: dict[type[Exception], Callable[..., tuple[int, dict]]] = {
    Refused: _refused,
    NinjaValidationError: _invalid,
    ValidationError: _model_invalid,
    PermissionDenied: _forbidden,
    services.ConfigLocked: _conflict,
    taskruns.ClusterBusy: _conflict,
    taskruns.BadParameter: _bad_parameter,
    transfer.ConfError: _bad_file,
    LookupError: _missing,
    AuthenticationError: _unauthenticated,
}


def install(api: NinjaAPI) -> None:
    """Each answer above becomes the API's handler of its exception (the most specific class wins)."""

    def handler(answer):
        def handle(request, exc):
            status, body = answer(exc)
            return api.create_response(request, body, status=status)

        return handle

    for exc_class, answer in ANSWERS.items():
        api.add_exception_handler(exc_class, handler(answer))
