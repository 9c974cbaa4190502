"""AWS DNS monitor resource, added with each AWS DNS resource."""

import contextlib
import json
import socket
from pathlib import Path

from django.conf import settings
from dnslib import QTYPE, RCODE, DNSError, DNSRecord

from clusters.configuration.params import Param
from monitors.registry import AWS_NO_RESPONSE, MonitorType, Watch, aws_failure
from webui import aws, awsreads

PROPAGATION_SECONDS = 60  # Route 53 takes up to 60 s to propagate a change to all its servers


class AwsDnsMonitorType(MonitorType):
    def watch(self, monitor, target, server):
        """The record set exists in the hosted zone and holds the active server's IP (the zone's record sets, read
        once a round for every monitor of that zone)."""
        name, zone = target.parameters["recordset"], target.parameters["hostedzoneid"]
        try:
            values = awsreads.lookup("record_sets", zone, f"{name} A", lambda: record_sets(zone))
        except aws.AWS_ERRORS as exc:
            return aws_failure(exc)
        if values is None:
            return Watch("error", "52", "The resource record set in Amazon Route 53 does not exist.")
        expected = target.value("ip", server)
        if values != [expected]:
            return Watch(
                "error",
                "53",
                "IP address different from the setting is registered in the resource record set of Amazon Route 53.",
            )
        if not monitor.value("nscheck", server):
            return Watch()
        addresses = resolve(name, timeout=min(5, monitor.timeout))
        if addresses is None:
            return Watch("error", "54", "Failed to resolve domain name.")
        if addresses != [expected]:
            return Watch(
                "error",
                "55",
                "IP address which is resolved domain name from the DNS resolver is different from the setting.",
            )
        return Watch()

    def check_aws(self, monitor, ctx):
        wait = monitor.common.get("wait_to_start", 0)
        if wait >= PROPAGATION_SECONDS:
            return []
        return [
            monitor.problem(
                "Wait Time to Start Monitoring",
                f"{wait} s is shorter than Route 53 takes to propagate a change (up to {PROPAGATION_SECONDS} s): "
                "monitoring may fail to resolve the name right after activation.",
                fix="Set Start Monitor Wait Time at an allowable large value for the AWS DNS monitor resource.",
                severity="warning",
                check="awsdnsw.wait_to_start",
            )
        ]

    def iam_statements(self, monitor, ctx):
        target = ctx.config.resource(monitor.target) if monitor.target else None
        zone = target.parameters.get("hostedzoneid", "*") if target is not None else "*"
        return [{"Action": ["route53:ListResourceRecordSets"], "Resource": [f"arn:aws:route53:::hostedzone/{zone}"]}]


def resolver() -> tuple[str, int] | None:
    """Where Check Name Resolution asks: WEBUI_DNS_RESOLVER (host[:port]); else, on a console running the embedded
    simulation, its DNS server (var/awssim.json); else None, the OS's resolver, as a server's own would."""
    if settings.DNS_RESOLVER:
        host, _, port = settings.DNS_RESOLVER.partition(":")
        return host, int(port or 53)
    ids = Path(settings.VAR_DIR) / "awssim.json"
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
        found = json.loads(ids.read_text())["dns"]
        return found["host"], int(found["port"])
    return None


def resolve(name: str, *, timeout: float) -> list[str] | None:
    """The A addresses `name` resolves to, sorted; None when it does not resolve (NXDOMAIN, no answer)."""
    server = resolver()
    if server is None:
        try:
            return sorted(socket.gethostbyname_ex(name.rstrip("."))[2]) or None
        except OSError:
            return None
    try:
        answer = DNSRecord.parse(DNSRecord.question(name).send(server[0], server[1], timeout=timeout))
    except (OSError, DNSError):
        return None
    if answer.header.rcode != RCODE.NOERROR:
        return None
    return sorted(str(r.rdata) for r in answer.rr if r.rtype == QTYPE.A) or None


def record_sets(zone: str) -> dict[str, list[str]]:
    """Every record set of the hosted zone: "NAME TYPE" -> its values."""
    found = aws.all_pages("route53", "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone)
    return {f"{r['Name']} {r['Type']}": [v["Value"] for v in r.get("ResourceRecords", [])] for r in found}


TYPE = AwsDnsMonitorType(
    code="awsdnsw",
    label="AWS DNS monitor resource",
    params=(
        AWS_NO_RESPONSE,
        Param(
            "nscheck", "parameters/nscheck", "Check Name Resolution", "bool", default=True, section="Monitor (special)"
        ),  # INFERRED path
    ),
    aws=True,
    timeout=180,
    # Route 53 takes up to 60 s to propagate a change: start monitoring well after it.
    wait_to_start=300,
    monitor_timing="active",
    target_types=("awsdns",),
)
