"""The simulation's own answers, in the shapes AWS sends them, so botocore parses them as AWS's."""

import base64
import json
import uuid
from xml.sax.saxutils import escape

ROUTE53_NS = "https://route53.amazonaws.com/doc/2013-04-01/"
# Query-protocol services answer errors in <ErrorResponse> with their own namespace.
QUERY_NS = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "elasticloadbalancing": "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/",
    "sns": "http://sns.amazonaws.com/doc/2010-03-31/",
}
THROTTLED_MESSAGE = {"ec2": "Request limit exceeded.", "route53": "Rate exceeded"}
DRY_RUN_MESSAGE = "Request would have succeeded, but DryRun flag is set."


def request_id() -> str:
    return str(uuid.uuid4())


def _answer(status: int, body: str, rid: str | None = None) -> tuple[int, list, bytes]:
    data, rid, content_type = body.encode(), rid or request_id(), "text/xml;charset=UTF-8"
    headers = [("Content-Type", content_type), ("Content-Length", str(len(data))), ("x-amzn-RequestId", rid)]
    return status, headers, data


def error(service: str, status: int, code: str, message: str) -> tuple[int, list, bytes]:
    """An error answer as `service` writes it (EC2's <Response><Errors>, S3's <Error>, the others' <ErrorResponse>)."""
    code, message, rid = escape(code), escape(message), request_id()
    if service == "ec2":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors>"
            f"<RequestID>{rid}</RequestID></Response>"
        )
    elif service == "s3":
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{rid}</RequestId></Error>"
        )
    else:
        namespace = ROUTE53_NS if service == "route53" else QUERY_NS.get(service, "")
        kind = "Receiver" if status >= 500 else "Sender"
        body = (
            f'<?xml version="1.0"?>\n<ErrorResponse xmlns="{namespace}"><Error><Type>{kind}</Type>'
            f"<Code>{code}</Code><Message>{message}</Message></Error><RequestId>{rid}</RequestId></ErrorResponse>"
        )
    return _answer(status, body, rid)


def throttled(service: str) -> tuple[int, list, bytes]:
    if service == "ec2":
        return error("ec2", 503, "RequestLimitExceeded", THROTTLED_MESSAGE["ec2"])
    return error(service, 400, "Throttling", THROTTLED_MESSAGE["route53"])


def dry_run() -> tuple[int, list, bytes]:
    return error("ec2", 412, "DryRunOperation", DRY_RUN_MESSAGE)


def denied(service: str, *, principal: str, action: str, resource: str) -> tuple[int, list, bytes]:
    """Access denied as the service says it: EC2's UnauthorizedOperation with an encoded message, else AccessDenied."""
    reason = (
        f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
        f"because no identity-based policy allows the {action} action"
    )
    if service == "ec2":
        # AWS encodes the decision (sts decode-authorization-message reads it); ours is readable base64 JSON.
        decision = {
            "allowed": False,
            "explicitDeny": False,
            "matchedStatements": {"items": []},
            "context": {"principal": {"arn": principal}, "action": action, "resource": resource},
        }
        encoded = base64.urlsafe_b64encode(json.dumps(decision).encode()).decode().rstrip("=")
        message = (
            f"You are not authorized to perform this operation. {reason}. "
            f"Encoded authorization failure message: {encoded}"
        )
        return error("ec2", 403, "UnauthorizedOperation", message)
    code = "AuthorizationError" if service == "sns" else "AccessDenied"
    return error(service, 403, code, reason if service != "s3" else "Access Denied")


def xml(status: int, body: str) -> tuple[int, list, bytes]:
    return _answer(status, body)
