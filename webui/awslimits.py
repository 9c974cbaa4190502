"""AWS's published request rates, in one table: the embedded simulation throttles by it (webui/awssim/rules.py)
and the console's budget of AWS calls paces by it (webui/awsbudget.py).

Rates: "Request throttling for the Amazon EC2 API"
(docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html): EC2 throttles per account and Region
with token buckets, and today "each API is evaluated individually": every action has a bucket of its own,
sized by its category. Route 53: "Quotas" in the Route 53 Developer Guide
(docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html): five requests a second per
account, for all of the Route 53 API. Past a bucket AWS answers EC2 `RequestLimitExceeded` (HTTP 503) and
Route 53 `Throttling` (HTTP 400).
"""

EC2_PAGE = "Request throttling for the Amazon EC2 API: docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html"
ROUTE53_PAGE = "Route 53 quotas: docs.aws.amazon.com/Route53/latest/DeveloperGuide/DNSLimitations.html"

MUTATING = (
    "ReplaceRoute",
    "CreateRoute",
    "DeleteRoute",
    "AssociateAddress",
    "DisassociateAddress",
    "RebootInstances",
    "StartInstances",
)
NETWORK_INTERFACE = ("AssignPrivateIpAddresses", "UnassignPrivateIpAddresses", "ModifyNetworkInterfaceAttribute")
# Unfiltered and unpaginated, these Describe calls take tokens from a smaller bucket of their own.
UNFILTERED_DESCRIBES = ("DescribeInstances", "DescribeInstanceStatus", "DescribeNetworkInterfaces")

# The one table: bucket -> (size, refill per second, the actions it throttles, the page that says so).
# A bucket is per account and Region (Route 53: per account), and per action where the page says so.
BUCKETS = {
    #  name                       size  refill  actions                 source
    "ec2_mutating":             (   50,   5,   MUTATING,                EC2_PAGE),
    "ec2_network_interface":    (  100,   5,   NETWORK_INTERFACE,       EC2_PAGE),
    "ec2_describe":             (  100,  20,   ("Describe*",),          EC2_PAGE),
    "ec2_describe_unfiltered":  (   50,  10,   UNFILTERED_DESCRIBES,    EC2_PAGE),
    "ec2_stop_instances":       ( 1000,  20,   ("StopInstances",),      EC2_PAGE),
    "route53":                  (    5,   5,   ("*",),                  ROUTE53_PAGE),
}  # fmt: skip
PER_ACTION = {"ec2_mutating", "ec2_network_interface", "ec2_describe", "ec2_describe_unfiltered", "ec2_stop_instances"}
# The answers that say "too many requests, wait": AWS's throttling codes, and Route 53's "a change to this record
# is still PENDING" (it lasts as long as the change propagates).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
    }
)


def bucket_of(service: str, action: str, params: dict) -> str | None:
    """Which bucket a call takes its token from (None: not throttled by a published bucket). `params` are the
    call's query parameters as sent (EC2: "Filter.1.Name", "InstanceId.1", "MaxResults"...)."""
    if service == "route53":
        return "route53"
    if service != "ec2":
        return None
    for name, (_, _, actions, _) in BUCKETS.items():
        if action in actions:
            if name == "ec2_describe_unfiltered" and filtered(params):
                return "ec2_describe"
            return name
    if action.startswith("Describe"):
        return "ec2_describe"
    return None


def filtered(params: dict) -> bool:
    """A Describe call with a filter, resource IDs or pagination (AWS: "filtered or paginated")."""
    return any(key.startswith(("Filter.", "MaxResults", "NextToken")) or ".1" in key for key in params)
