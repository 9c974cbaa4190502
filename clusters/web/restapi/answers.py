"""The product's answer shape: `{"result": {"code": 0, "message": ""}, ...data}` on success; on failure a
non-zero code, the matching HTTP status and a message that names the cause and the fix.

NEC's status panel counts a POST as done only when the HTTP status is ok AND the message is empty; clpaic shows
the code. The non-zero codes are this console's (the product documents none): each names one kind of failure.
"""

from django.http import JsonResponse

OK = {"code": 0, "message": ""}

AUTH_FAILED = 1  # 401: no or wrong Basic credentials
NOT_FOUND = 2  # 404: no such cluster, server, group, resource, monitor, script or path
NOT_APPLIED = 3  # 409: the cluster has no applied configuration yet; 400: which cluster is not said
FORBIDDEN = 4  # 403: the user's role may not do that
BUSY = 5  # 409: another operation of the cluster runs
BAD_REQUEST = 6  # 400: the body or a field is not what the call takes
FAILED = 7  # 409: the operation was carried out and failed (the message says why); 500: it broke
LOCKED_OUT = 8  # 429: too many wrong passwords from this address
NOT_SUPPORTED = 9  # 501: this console does not do that (mirror disk backup)
CROSS_SITE = 10  # 403: a browser page of another site made the request
METHOD = 11  # 405: GET where POST is needed, or the other way
TIMED_OUT = 12  # 504: a script did not end within its timeout


class Refused(Exception):
    """Raised anywhere in an endpoint: answered as a failure."""

    def __init__(self, code: int, message: str, status: int, headers: dict | None = None, data: dict | None = None):
        super().__init__(message)
        self.code, self.message, self.status, self.headers, self.data = code, message, status, headers, data

    def response(self) -> JsonResponse:
        return failure(self.code, self.message, self.status, self.headers, self.data)


def success(data: dict | None = None, *, status: int = 200) -> JsonResponse:
    return JsonResponse({"result": OK, **(data or {})}, status=status)


def failure(code: int, message: str, status: int, headers: dict | None = None, data: dict | None = None):
    response = JsonResponse({"result": {"code": code, "message": message}, **(data or {})}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="Cluster WebUI", charset="UTF-8"'
    for name, value in (headers or {}).items():
        response[name] = value
    return response
