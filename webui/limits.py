"""What either API reads, bounded before anything parses it: a body larger than WEBUI_API_MAX_BODY_BYTES (an
import's zip: its own limit) answers 413, and JSON nested deeper than WEBUI_API_MAX_JSON_DEPTH answers 400,
each in its API's own shape, so that a careless or hostile script gets a clear answer instead of an HTML page
or a RecursionError."""

import re

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse

from clusters.clpconf.archive import MAX_ZIP_BYTES
from clusters.web.restapi.answers import BAD_REQUEST

CONSOLE_API, PRODUCT_API = "/api/webui/", "/api/v1/"
UPLOAD_SLACK = 1024 * 1024  # a multipart body's own framing and fields around the file
TOKENS = re.compile(rb'[\[\]{}"\\]')
OPENING, CLOSING, QUOTE, BACKSLASH = b"[{", b"]}", ord('"'), ord("\\")


def too_deep(body: bytes, limit: int) -> bool:
    """Whether JSON text nests arrays and objects deeper than `limit` (strings and their escapes skipped)."""
    depth, in_string, skip = 0, False, -1
    for match in TOKENS.finditer(body):
        at = match.start()
        if at < skip:
            continue
        char = body[at]
        if in_string:
            if char == BACKSLASH:
                skip = at + 2
            elif char == QUOTE:
                in_string = False
        elif char == QUOTE:
            in_string = True
        elif char in OPENING:
            depth += 1
            if depth > limit:
                return True
        elif char in CLOSING:
            depth -= 1
    return False


def _answer(path: str, status: int, message: str) -> JsonResponse:
    if path.startswith(PRODUCT_API):  # EXPRESSCLUSTER's RESTful API: its result object with a non-zero code
        return JsonResponse({"result": {"code": BAD_REQUEST, "message": message}}, status=status)
    return JsonResponse({"detail": message}, status=status)


class ApiLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith((CONSOLE_API, PRODUCT_API)) and request.method not in ("GET", "HEAD", "OPTIONS"):
            refused = self.refusal(request)
            if refused is not None:
                return refused
        return self.get_response(request)

    def refusal(self, request) -> JsonResponse | None:
        kind = request.content_type or ""
        upload = kind == "multipart/form-data"
        limit = MAX_ZIP_BYTES + UPLOAD_SLACK if upload else settings.WEBUI_API_MAX_BODY_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _answer(request.path, 400, "The Content-Length header is not a number.")
        if length > limit:
            return _answer(
                request.path, 413, f"The body is {length:,} bytes; the limit is {limit:,}. Send less at a time."
            )
        if upload or kind == "application/x-www-form-urlencoded" or not length:
            return None
        try:
            body = request.body
        except RequestDataTooBig:
            return _answer(request.path, 413, f"The body is {length:,} bytes; the limit is {limit:,}.")
        depth = settings.WEBUI_API_MAX_JSON_DEPTH
        if too_deep(body, depth):
            return _answer(request.path, 400, f"The JSON body nests deeper than {depth} levels; send flatter JSON.")
        return None
