"""AWS DNS resource: registers the active server's IP under a record set in Route 53 (guide ch. 7)."""

import time

from clusters.configuration.params import Change, Param
from monitors.types.awsdnsw import PROPAGATION_SECONDS
from resources.registry import AWS_CLI_TIMEOUT, Acted, AwsCall, ResourceType, within_aws_cli_timeout
from webui import aws

# How long a resolver caches "no such name" when the zone's SOA cannot be read: Route 53's SOA TTL is 900 s,
# as the guide's Windows resolver default is ("900 seconds by default in Windows").
NEGATIVE_CACHE_SECONDS = 900


class AwsDnsType(ResourceType):
    def _change(self, resource, server, action):
        """One change of the record set; Route 53 answers it PENDING, and it is INSYNC (resolvable everywhere)
        some seconds later: the engine keeps the change (its ID) and follows it (settle). A change still PENDING
        on the record (PriorRequestNotComplete) is waited out by webui.aws."""
        record = {
            "Name": resource.parameters["recordset"],
            "Type": "A",
            "TTL": resource.value("ttl", server),
            "ResourceRecords": [{"Value": resource.value("ip", server)}],
        }
        submitted = time.time()
        answer = aws.client("route53").change_resource_record_sets(
            HostedZoneId=resource.parameters["hostedzoneid"],
            ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record}]},
        )
        info, waited = answer["ChangeInfo"], time.time() - submitted
        change_id = info["Id"].rsplit("/", 1)[-1]
        what = f"{action} {record['Name']} A {record['ResourceRecords'][0]['Value']}"
        change = {
            "id": change_id,
            "label": f"Route 53 change {change_id} ({what})",
            "status": info["Status"],
            "submitted": submitted,
        }
        tries = answer["ResponseMetadata"].get("RetryAttempts", 0) + 1
        waits = f" ({tries} tries in {waited:.1f} s: the record's previous change PENDING, or throttled)"
        return Acted(f"{what}: change {change_id} {info['Status']}{waits if tries > 1 else ''}", {"change": change})

    @within_aws_cli_timeout
    def activate(self, resource, server):
        return self._change(resource, server, "UPSERT")

    @within_aws_cli_timeout
    def deactivate(self, resource, server):
        if resource.value("delete", server):
            return self._change(resource, server, "DELETE")
        return "record set kept (Delete a resource record set at deactivation is off)"

    def settle(self, resource, change):
        return aws.client("route53").get_change(Id=change["id"])["ChangeInfo"]["Status"]

    def check_aws(self, resource, ctx):
        found = []
        zone_id = resource.parameters.get("hostedzoneid", "")
        zone = ctx.account.hosted_zone(zone_id) if zone_id else None
        if zone == {}:
            found.append(missing_zone(resource, zone_id))
        for vpc in sorted(ctx.vpc_of_servers()):
            if zone and zone.get("Config", {}).get("PrivateZone") and vpc not in {v["VPCId"] for v in zone["VPCs"]}:
                found.append(
                    resource.problem(
                        "Hosted Zone ID",
                        f"The hosted zone {zone['Name']} is not associated with {vpc}, the VPC of the servers.",
                        fix="In applicable Hosted Zone of the Route 53 Management Console, check that the necessary "
                        "VPC is added to Associated VPC.",
                        cause="No VPC to which the HA instance belongs is added to a VPC targeted in the hosted zone "
                        "of Route 53.",
                        check="awsdns.zone_associated",
                    )
                )
            if ctx.account.dns_support(vpc) is False:
                found.append(
                    resource.problem(
                        "Hosted Zone ID",
                        f"DNS name resolution is not enabled in {vpc}, the VPC to which the HA instance belongs.",
                        fix="On the VPC Management Console, check that enableDnsSupport is enabled in the "
                        "properties of the current VPC.",
                        check="awsdns.vpc_dns_support",
                    )
                )
        ttl = resource.value("ttl")
        if isinstance(ttl, int) and ttl > 300:
            found.append(
                resource.problem(
                    "TTL",
                    f"A TTL of {ttl} s keeps clients on the old address that long after a failover.",
                    fix="Set TTL at a smaller value for the AWS DNS resource.",
                    severity="warning",
                    check="awsdns.ttl",
                )
            )
        return found

    def claims(self, resource, config, ctx):
        """The record set in its hosted zone (names compare in lower case, with their final dot)."""
        name = str(resource.parameters.get("recordset", "")).lower().rstrip(".") + "."
        zone = resource.parameters.get("hostedzoneid", "")
        return (
            [("shared.dns_record", ("dns", zone, name), f"{name} in hosted zone {zone}")]
            if zone and name != "."
            else []
        )

    def iam_statements(self, resource, ctx):
        zone = resource.parameters.get("hostedzoneid", "*")
        return [
            {
                "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                "Resource": [f"arn:aws:route53:::hostedzone/{zone}"],
            },
            {"Action": ["route53:GetChange"], "Resource": ["arn:aws:route53:::change/*"]},
        ]

    # --- failover: worst case, rehearsal, probe ---------------------------------------------------
    def aws_facts(self, resource, account, config):
        seconds = account.negative_cache_seconds(resource.parameters.get("hostedzoneid", ""))
        return {} if seconds is None else {"negative_cache": seconds}

    def failover_calls(self, resource, facts, *, activate):
        change = AwsCall("route53", "ChangeResourceRecordSets")
        return [change] if activate or resource.value("delete") else []

    def propagation(self, resource, facts, *, deactivated):
        ttl = resource.value("ttl") or 0
        insync = ("Route 53 INSYNC (up to 60 s to every authoritative server)", PROPAGATION_SECONDS)
        if not (deactivated and resource.value("delete")):
            return [insync, (f"TTL: clients keep the old address {ttl} s", ttl)]
        negative = facts.get("negative_cache", NEGATIVE_CACHE_SECONDS)
        return [
            ("the deletion INSYNC before the new record is accepted (PriorRequestNotComplete)", PROPAGATION_SECONDS),
            insync,
            (
                f"clients keep the old address (TTL {ttl} s) or the name's absence (negative cache {negative} s)",
                max(ttl, negative),
            ),
        ]

    def failover_warnings(self, resource, facts, config):
        found = []
        negative = facts.get("negative_cache", NEGATIVE_CACHE_SECONDS)
        if resource.value("delete") and negative > PROPAGATION_SECONDS:
            found.append(
                resource.problem(
                    "Delete a resource record set at deactivation",
                    f"A client that asks while the record is deleted caches its absence for up to {negative} s "
                    "(the zone's negative cache): a move can keep it away that long.",
                    fix="Uncheck the Delete a resource record set at deactivation checkbox of the AWS DNS resource.",
                    severity="warning",
                    check="awsdns.negative_cache",
                )
            )
        for monitor in (m for m in config.monitors if m.target == resource.name):
            if monitor.wait_to_start < PROPAGATION_SECONDS:
                found.append(
                    monitor.problem(
                        "Wait Time to Start Monitoring",
                        f"{monitor.wait_to_start} s is shorter than Route 53 takes to propagate the record "
                        f"({PROPAGATION_SECONDS} s): a name resolved too early is cached as absent.",
                        fix="Set Start Monitor Wait Time at an allowable large value for the AWS DNS monitor resource.",
                        severity="warning",
                        check="awsdns.monitor_wait",
                    )
                )
        return found

    def rehearse(self, resource, server, rehearsal):
        found = []
        zone_id, name = resource.parameters.get("hostedzoneid", ""), resource.parameters.get("recordset", "")
        zone = rehearsal.account.hosted_zone(zone_id)
        if zone == {}:
            found.append(missing_zone(resource, zone_id))
        elif zone and rehearsal.account.record_set(zone_id, name) is None:
            found.append(
                resource.problem(
                    "Resource Record Set Name",
                    f"52: The resource record set {name} in Amazon Route 53 does not exist now: clients cannot "
                    "resolve it until an activation creates it.",
                    code="52",
                    fix="Check that no other HA cluster uses the same resource record set by mistake.",
                    severity="warning",
                    check="awsdns.record_exists",
                )
            )
        # Route 53 has no DryRun: the change is judged by IAM's simulator, the read is made (it changes nothing).
        zone_arn = f"arn:aws:route53:::hostedzone/{zone_id}"
        found += rehearsal.simulate(resource, "route53:ChangeResourceRecordSets", [zone_arn])
        return found + rehearsal.dry_run(
            resource, "route53", "list_resource_record_sets", HostedZoneId=zone_id, MaxItems="1"
        )

    def leads_to(self, resource, probe):
        name = resource.parameters["recordset"]
        addresses = probe.resolve(name)
        if len(addresses) != 1:
            return None, f"{name} resolves to {', '.join(addresses) or 'nothing'}"
        return probe.server_with(resource, "ip", addresses[0]), f"{name} resolves to {addresses[0]}"


def missing_zone(resource, zone_id: str):
    return resource.problem(
        "Hosted Zone ID",
        f"50: No hosted zone found with ID: {zone_id}",
        code="50",
        fix="Specify a correct hosted zone ID.",
        cause="The specified hosted zone ID might not be correct or might not exist.",
        check="awsdns.hosted_zone_exists",
    )


TYPE = AwsDnsType(
    code="awsdns",
    points_to="recordset",
    label="AWS DNS resource",
    monitor="awsdnsw",
    aws=True,
    params=(
        # INFERRED paths for the AWS DNS resource.
        Param("hostedzoneid", "parameters/hostedzoneid", "Hosted Zone ID", required=True, aws_list="hosted_zones"),
        Param("recordset", "parameters/recordset", "Resource Record Set Name", "fqdn", required=True),
        Param("ip", "parameters/ip", "IP Address", "ipv4", required=True, per_server=True),
        Param("ttl", "parameters/ttl", "TTL", "int", default=300, minimum=0, maximum=2147483647),
        Param(
            "delete",
            "parameters/delete",
            "Delete a resource record set at deactivation",
            "bool",
            default=True,
            change=Change.NOTHING,  # read when the resource is next deactivated
        ),
        AWS_CLI_TIMEOUT,
    ),
    form_checks=("awsdns.hosted_zone_exists",),
)
